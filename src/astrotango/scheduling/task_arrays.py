"""Column arrays of a task list, relative to a time grid, for vectorised evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.ephemeris import Ephemeris
from astrotango.scheduling.grid import TimeGrid
from astrotango.scheduling.sky import target_vectors
from astrotango.scheduling.task import SchedulableTask

__all__ = ["TaskArrays", "fixed_start_of", "task_arrays"]

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TaskArrays:
    """One row per task; times are seconds from the grid start (``+-inf`` when unset).

    Attributes:
        tasks: The tasks, in input order.
        vectors: Apparent unit directions in the frame of date, (n, 3).
        slots: Grid steps each block spans, (n,): a fixed-time block one step more, the
            room to move its start from a grid sample onto its allowed interval.
        priority: ``priority * queue_priority``, (n,).
        max_airmass: ``inf`` when unlimited.
        min_altitude_deg: Lowest altitude (at least 0).
        min_moon_sep_deg: Smallest moon separation.
        max_moon_illum: Highest moon illumination while the moon is up.
        sun_limit_deg: Highest sun altitude (the twilight kind's, or a band's top).
        sun_floor_deg: Lowest sun altitude (``-90`` unless a band, e.g. for sky flats).
        window_start_s: Window opening (``-inf`` when none); for a fixed-time task, the
            window narrowed to the blocks that start within its tolerance.
        window_end_s: Window closing (``inf`` when none).
        eligible_s: Cadence: earliest start (``-inf`` when none).
        last_observed_s: Last observation (``-inf`` = never).
    """

    tasks: tuple[SchedulableTask, ...]
    vectors: F64
    slots: NDArray[np.int64]
    priority: F64
    max_airmass: F64
    min_altitude_deg: F64
    min_moon_sep_deg: F64
    max_moon_illum: F64
    sun_limit_deg: F64
    sun_floor_deg: F64
    window_start_s: F64
    window_end_s: F64
    eligible_s: F64
    last_observed_s: F64

    def __len__(self) -> int:
        return len(self.tasks)

    def take(self, rows: slice | NDArray[np.int64]) -> TaskArrays:
        """The sub-table of ``rows``."""
        picked = self.tasks[rows] if isinstance(rows, slice) else tuple(self.tasks[i] for i in rows)
        return TaskArrays(
            picked,
            *(getattr(self, name)[rows] for name in _COLUMNS),
        )


_COLUMNS = (
    "vectors",
    "slots",
    "priority",
    "max_airmass",
    "min_altitude_deg",
    "min_moon_sep_deg",
    "max_moon_illum",
    "sun_limit_deg",
    "sun_floor_deg",
    "window_start_s",
    "window_end_s",
    "eligible_s",
    "last_observed_s",
)


def _offsets(grid: TimeGrid, moments: Sequence[datetime | None], missing: float) -> F64:
    return np.array([missing if m is None else grid.offset_s(m) for m in moments], float)


def _slots(task: SchedulableTask, grid: TimeGrid) -> int:
    extra = grid.step_s if task.fixed_start is not None else 0.0
    return grid.slots_for(task.duration_s + extra)


def _window_s(task: SchedulableTask, grid: TimeGrid) -> tuple[float, float]:
    """The samples a block of the task may cover, as offsets from the grid start.

    A fixed-time block may start on a sample up to one step before its tolerance opens (the
    published start is then moved onto the interval, see :func:`fixed_start_of`), at most
    ``start_tolerance_s`` after its start, and it covers ``slots`` steps from there.
    """
    lo, hi = -np.inf, np.inf
    if task.time_window is not None:
        lo, hi = grid.offset_s(task.time_window[0]), grid.offset_s(task.time_window[1])
    if task.fixed_start is not None:
        at, tol = grid.offset_s(task.fixed_start), task.start_tolerance_s
        lo = max(lo, at - tol - grid.step_s)
        hi = min(hi, at + tol + _slots(task, grid) * grid.step_s)
    return lo, hi


def fixed_start_of(task: SchedulableTask, sample_time: datetime) -> datetime:
    """A block's published start: its sample, moved onto a fixed time's allowed interval."""
    if task.fixed_start is None:
        return sample_time
    earliest = task.fixed_start - timedelta(seconds=task.start_tolerance_s)
    return max(sample_time, earliest)


def task_arrays(tasks: Sequence[SchedulableTask], grid: TimeGrid, ephem: Ephemeris) -> TaskArrays:
    """Build the column table of ``tasks`` on ``grid``."""
    ts = tuple(tasks)
    cons = [t.constraints for t in ts]
    windows = np.array([_window_s(t, grid) for t in ts], float).reshape(-1, 2)
    return TaskArrays(
        tasks=ts,
        vectors=target_vectors(
            np.array([t.ra_deg for t in ts], float).reshape(-1),
            np.array([t.dec_deg for t in ts], float).reshape(-1),
            ephem,
        ).reshape(-1, 3),
        slots=np.array([_slots(t, grid) for t in ts], np.int64).reshape(-1),
        priority=np.array([t.priority * t.queue_priority for t in ts], float).reshape(-1),
        max_airmass=np.array(
            [np.inf if c.max_airmass is None else c.max_airmass for c in cons], float
        ).reshape(-1),
        min_altitude_deg=np.array([max(0.0, c.min_altitude_deg) for c in cons], float).reshape(-1),
        min_moon_sep_deg=np.array([c.min_moon_separation_deg for c in cons], float).reshape(-1),
        max_moon_illum=np.array([c.max_moon_illumination for c in cons], float).reshape(-1),
        sun_limit_deg=np.array([c.sun_range_deg[1] for c in cons], float).reshape(-1),
        sun_floor_deg=np.array([c.sun_range_deg[0] for c in cons], float).reshape(-1),
        window_start_s=windows[:, 0],
        window_end_s=windows[:, 1],
        eligible_s=_offsets(grid, [t.cadence_next_eligible for t in ts], -np.inf),
        last_observed_s=_offsets(grid, [t.last_observed for t in ts], -np.inf),
    )
