"""Feasibility masks: per site over (tasks x times), then "a block may start at sample s"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.constraints import BoolArray, Constraint
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.grid import TimeGrid
from astrotango.scheduling.sky import SiteSky
from astrotango.scheduling.task_arrays import TaskArrays
from astrotango.scheduling.telescope import Telescope

__all__ = [
    "SiteFeasibility",
    "TelescopeFeasibility",
    "block_starts",
    "site_feasibility",
    "telescope_feasibility",
]


@dataclass(frozen=True, slots=True)
class SiteFeasibility:
    """Site-scoped gates for every task.

    Attributes:
        sky: The site's sky.
        mask: All site gates hold at the sample, (n_tasks, n_times).
        start_ok: A block starting at the sample holds at every sample it covers.
        last_start: Last sample where ``start_ok`` holds per task (-1 when none), (n_tasks,).
    """

    sky: SiteSky
    mask: BoolArray
    start_ok: BoolArray
    last_start: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TelescopeFeasibility:
    """Telescope-scoped gates.

    Attributes:
        task_ok: Tasks the telescope can do at all (capability), (n_tasks,).
        start_by_slots: For each block length (in steps), allowed starts, (n_times,).
    """

    task_ok: BoolArray
    start_by_slots: dict[int, BoolArray]


def block_starts(mask: BoolArray, slots: NDArray[np.int64]) -> BoolArray:
    """Starts whose block of ``slots`` steps has ``mask`` True at every covered sample.

    A block starting at sample ``s`` covers samples ``s .. s + slots`` (both ends), so the
    constraints are checked at the block's start, end and every sample in between.

    Args:
        mask: (n, n_times) booleans.
        slots: (n,) block lengths in grid steps.

    Returns:
        (n, n_times) booleans; False where the block would run past the last sample.
    """
    n, n_t = mask.shape
    bad = np.zeros((n, n_t + 1), dtype=np.int32)
    np.cumsum(~mask, axis=1, out=bad[:, 1:])
    s = np.arange(n_t)[None, :]
    end = s + slots[:, None] + 1
    fits = end <= n_t
    idx = np.minimum(end, n_t)
    out: BoolArray = (np.take_along_axis(bad, idx, axis=1) == bad[:, :n_t]) & fits
    return out


def site_feasibility(
    grid: TimeGrid,
    sky: SiteSky,
    tasks: TaskArrays,
    constraints: Sequence[Constraint],
    margin_deg: float,
    chunk_tasks: int,
) -> SiteFeasibility:
    """Evaluate the site-scoped gates for all tasks, ``chunk_tasks`` rows at a time."""
    n, n_t = len(tasks), grid.n
    mask = np.empty((n, n_t), dtype=bool)
    start_ok = np.empty((n, n_t), dtype=bool)
    site_gates = [c for c in constraints if c.scope == "site"]
    for lo in range(0, n, chunk_tasks):
        rows = slice(lo, min(n, lo + chunk_tasks))
        part = tasks.take(rows)
        ctx = EvalContext(grid, sky, part, None, margin_deg)
        m = np.ones((len(part), n_t), dtype=bool)
        for gate in site_gates:
            m &= gate.mask(ctx)
        mask[rows] = m
        start_ok[rows] = block_starts(m, part.slots)
    any_ok = start_ok.any(axis=1)
    last = np.where(any_ok, n_t - 1 - np.argmax(start_ok[:, ::-1], axis=1), -1)
    return SiteFeasibility(sky=sky, mask=mask, start_ok=start_ok, last_start=last)


def telescope_feasibility(
    grid: TimeGrid,
    sky: SiteSky,
    tasks: TaskArrays,
    telescope: Telescope,
    constraints: Sequence[Constraint],
    margin_deg: float,
) -> TelescopeFeasibility:
    """Evaluate the telescope-scoped gates (shapes (n, 1) per task or (1, n_times) per time).

    Raises:
        ValueError: If a telescope-scoped gate depends on both task and time.
    """
    ctx = EvalContext(grid, sky, tasks, telescope, margin_deg)
    task_ok = np.ones(len(tasks), dtype=bool)
    time_ok = np.ones(grid.n, dtype=bool)
    for gate in constraints:
        if gate.scope != "telescope":
            continue
        m = np.asarray(gate.mask(ctx), dtype=bool)
        if m.shape[1] == 1:
            task_ok &= m[:, 0]
        elif m.shape[0] == 1:
            time_ok &= m[0]
        else:
            raise ValueError(f"telescope gate {gate.name} must be per task or per time")
    lengths = np.unique(tasks.slots)
    starts = block_starts(np.broadcast_to(time_ok, (len(lengths), grid.n)), lengths)
    by_slots = {int(d): starts[i] for i, d in enumerate(lengths)}
    return TelescopeFeasibility(task_ok=task_ok, start_by_slots=by_slots)
