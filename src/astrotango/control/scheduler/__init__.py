"""The Scheduler's logic: planning pending tasks, re-triggering, explanations."""

from __future__ import annotations

from astrotango.control.scheduler.component_manager import (
    Planner,
    SchedulerComponentManager,
    ScheduleSnapshot,
)
from astrotango.control.scheduler.mapping import (
    horizon_limits,
    schedulable_tasks,
    telescopes_from_json,
)

__all__ = [
    "Planner",
    "ScheduleSnapshot",
    "SchedulerComponentManager",
    "horizon_limits",
    "schedulable_tasks",
    "telescopes_from_json",
]
