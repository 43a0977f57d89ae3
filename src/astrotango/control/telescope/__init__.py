"""The telescope component: monitoring, ExecuteTask, SafeShutdown, motions, focus, Tango-free."""

from __future__ import annotations

from astrotango.control.telescope.component_manager import (
    TaskActivity,
    TelescopeComponentManager,
    TelescopeSettings,
)
from astrotango.control.telescope.focusing import FocuserCommands, move_progress
from astrotango.control.telescope.guard import (
    Action,
    GuardSettings,
    SafingRecord,
    TelescopeGuard,
    is_safe,
)
from astrotango.control.telescope.plan import (
    SKY_FIELD,
    Step,
    StepKind,
    TaskPlan,
    TaskRefused,
    plan_task,
)
from astrotango.control.telescope.pointing import resolve_pointing
from astrotango.control.telescope.state import (
    STATE_RULES,
    StateRule,
    TelescopeState,
    derive_state,
)
from astrotango.control.telescope.waiting import ExecutionTimeouts

__all__ = [
    "SKY_FIELD",
    "STATE_RULES",
    "Action",
    "ExecutionTimeouts",
    "FocuserCommands",
    "GuardSettings",
    "SafingRecord",
    "StateRule",
    "Step",
    "StepKind",
    "TaskActivity",
    "TaskPlan",
    "TaskRefused",
    "TelescopeComponentManager",
    "TelescopeGuard",
    "TelescopeSettings",
    "TelescopeState",
    "derive_state",
    "is_safe",
    "move_progress",
    "plan_task",
    "resolve_pointing",
]
