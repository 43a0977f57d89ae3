"""The scheduling core: sky model, constraints, merits, planner and explanations.

Pure: no Tango, no store. Inputs are the neutral models :class:`SchedulableTask` and
:class:`Telescope`; :func:`plan` returns a :class:`Plan` of :class:`ScheduledBlock`;
:func:`explain_task` says why a task is (not) planned; :func:`plan_workload` plans a
``peerbench-workload/1`` benchmark document.
"""

from __future__ import annotations

from astrotango.scheduling.block import ScheduledBlock
from astrotango.scheduling.config import PlannerConfig
from astrotango.scheduling.explain import Explanation, Reason, explain_task
from astrotango.scheduling.grid import TimeGrid, iso_z
from astrotango.scheduling.plan_result import Plan
from astrotango.scheduling.planner import plan
from astrotango.scheduling.site import Site
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.task_constraints import TWILIGHT_SUN_ALT_DEG, TaskConstraints, Twilight
from astrotango.scheduling.telescope import Telescope
from astrotango.scheduling.workload import (
    Workload,
    parse_workload,
    plan_document,
    plan_workload,
    warm_up,
)

__all__ = [
    "TWILIGHT_SUN_ALT_DEG",
    "Explanation",
    "Plan",
    "PlannerConfig",
    "Reason",
    "SchedulableTask",
    "ScheduledBlock",
    "Site",
    "TaskConstraints",
    "Telescope",
    "TimeGrid",
    "Twilight",
    "Workload",
    "explain_task",
    "iso_z",
    "parse_workload",
    "plan",
    "plan_document",
    "plan_workload",
    "warm_up",
]
