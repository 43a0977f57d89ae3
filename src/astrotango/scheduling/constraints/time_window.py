"""The task's time window: every sample of the block inside ``[start, end]``."""

from __future__ import annotations

from dataclasses import dataclass

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.grid import iso_z
from astrotango.scheduling.task import SchedulableTask

__all__ = ["TimeWindowConstraint"]


@dataclass(frozen=True, slots=True)
class TimeWindowConstraint:
    """Samples inside the window; a block whose samples all are starts and ends inside it."""

    name: str = "time_window"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True inside the window (everywhere without one)."""
        t = ctx.times_s
        tasks = ctx.tasks
        out: BoolArray = (t >= tasks.window_start_s[:, None]) & (t <= tasks.window_end_s[:, None])
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"outside its window (2026-12-16T02:00:00Z..2026-12-16T04:00:00Z)"``."""
        if task.fixed_start is not None:
            return (
                f"not at its fixed time ({iso_z(task.fixed_start)} ± {task.start_tolerance_s:g} s)"
            )
        if task.time_window is None:
            return "outside its window"
        start, end = task.time_window
        return f"outside its window ({iso_z(start)}..{iso_z(end)})"
