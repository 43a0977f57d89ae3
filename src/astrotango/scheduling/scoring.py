"""Merit factors of candidate blocks: one task on one telescope at several start samples."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.merits import MeritInput
from astrotango.scheduling.problem import Problem

__all__ = ["merit_factors", "product"]

F64 = NDArray[np.float64]
IntArray = NDArray[np.int64]


def merit_factors(
    problem: Problem, row: int, tel: int, starts: IntArray, prev_rows: IntArray
) -> dict[str, F64]:
    """Each configured merit's factor for task ``row`` starting at each of ``starts``.

    Args:
        problem: The planning problem.
        row: Task row.
        tel: Telescope index.
        starts: Candidate start samples, (m,).
        prev_rows: Row of the telescope's previous block for each candidate (-1 = none).

    Returns:
        Merit name to factors, each (m,).
    """
    tasks, grid = problem.tasks, problem.grid
    sky = problem.sites[problem.site_of[tel]].sky
    slots = int(tasks.slots[row])
    mid = np.minimum(starts + slots // 2, grid.n - 1)
    vec = tasks.vectors[row]
    ra = float(np.arctan2(vec[1], vec[0]))
    ha = np.mod(sky.lst_rad[mid] - ra + np.pi, 2 * np.pi) - np.pi
    last = float(problem.sites[problem.site_of[tel]].last_start[row])
    prev_vec = tasks.vectors[np.maximum(prev_rows, 0)]
    cos_slew = np.clip(prev_vec @ vec, -1.0, 1.0)
    slew = np.where(prev_rows >= 0, np.degrees(np.arccos(cos_slew)), 0.0)
    task = tasks.tasks[row]
    inp = MeritInput(
        sin_alt_mid=sky.zenith[mid] @ vec,
        hour_angle_mid_rad=ha,
        since_last_s=starts * grid.step_s - tasks.last_observed_s[row],
        # From the horizon start, not from the candidate: a per-task constant, so urgency ranks
        # tasks whose chance ends soon without pulling any block towards a later start.
        remaining_s=np.full(np.shape(starts), float(last) * grid.step_s, dtype=np.float64),
        slew_deg=slew,
        observed_tonight=np.array(float(task.observed_tonight)),
        max_per_night=np.array(np.inf if task.max_per_night is None else task.max_per_night),
    )
    m = len(starts)
    out: dict[str, F64] = {}
    for merit in problem.config.merits:
        f = np.asarray(merit.score(inp), dtype=float)
        out[merit.name] = f if f.shape == (m,) else np.full(m, float(f.reshape(-1)[0]))
    return out


def product(factors: dict[str, F64], m: int) -> F64:
    """Element-wise product of all factors (ones when there are none)."""
    out = np.ones(m)
    for f in factors.values():
        out = out * f
    return out
