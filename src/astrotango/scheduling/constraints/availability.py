"""Telescope availability: online and usable, or from its predicted good-weather time on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["AvailabilityConstraint"]


@dataclass(frozen=True, slots=True)
class AvailabilityConstraint:
    """False everywhere for an unavailable telescope; False before ``unavailable_until``.

    Returns shape (1, n_times): the same for every task.
    """

    name: str = "availability"
    scope: Scope = "telescope"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the telescope can observe."""
        tel = ctx.telescope
        if tel is None:
            raise ValueError("availability is telescope-scoped: ctx.telescope is required")
        t = ctx.times_s
        if not tel.available:
            return np.zeros_like(t, dtype=bool)
        if tel.unavailable_until is None:
            return np.ones_like(t, dtype=bool)
        out: BoolArray = t >= ctx.grid.offset_s(tel.unavailable_until)
        return out

    def describe(self, task: SchedulableTask) -> str:
        """The blocking condition; the explanation names the telescope and time."""
        return "no capable telescope available"
