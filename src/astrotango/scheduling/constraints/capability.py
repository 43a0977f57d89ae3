"""Telescope capability: the request type's instrument and a large enough field of view."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.telescope import Telescope

__all__ = ["INSTRUMENT_WORDS", "CapabilityConstraint"]

#: How an explanation names the instrument of a capability.
INSTRUMENT_WORDS: dict[str, str] = {
    "optical": "an optical camera",
    "radio": "a radio receiver",
    "spectroscopy": "a spectrograph",
}


@dataclass(frozen=True, slots=True)
class CapabilityConstraint:
    """The telescope carries the task's capability and features, with a large enough fov.

    ``required_capability`` and every ``required_features`` must be among the telescope's
    capabilities, and its fov at least ``fov_need_deg``. Returns shape (n_tasks, 1): the same
    at every time.
    """

    name: str = "capability"
    scope: Scope = "telescope"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True for the tasks the telescope can do."""
        tel = ctx.telescope
        if tel is None:
            raise ValueError("capability is telescope-scoped: ctx.telescope is required")
        ok = [self.can_take(t, tel) for t in ctx.tasks.tasks]
        return np.array(ok, dtype=bool).reshape(-1, 1)

    @staticmethod
    def can_take(task: SchedulableTask, tel: Telescope) -> bool:
        """Whether the telescope carries what the task needs, whatever the time."""
        return (
            task.required_capability in tel.capabilities
            and task.required_features <= tel.capabilities
            and task.fov_need_deg <= tel.fov_deg
        )

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"no telescope has a radio receiver"``."""
        cap = task.required_capability
        needs = INSTRUMENT_WORDS.get(cap, f"a {cap} instrument")
        if task.required_features:
            needs += " with " + ", ".join(
                sorted(f.replace(":", " ") for f in task.required_features)
            )
        return f"no telescope has {needs}"
