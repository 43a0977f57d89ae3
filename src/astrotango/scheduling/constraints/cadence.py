"""Cadence eligibility: no start before ``cadence_next_eligible``."""

from __future__ import annotations

from dataclasses import dataclass

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.grid import iso_z
from astrotango.scheduling.task import SchedulableTask

__all__ = ["CadenceConstraint"]


@dataclass(frozen=True, slots=True)
class CadenceConstraint:
    """Samples at or after the task's next eligible time."""

    name: str = "cadence"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True from the eligible time on."""
        out: BoolArray = ctx.times_s >= ctx.tasks.eligible_s[:, None]
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"not eligible by its cadence before 2026-12-16T01:00:00Z"``."""
        when = task.cadence_next_eligible
        return "not yet eligible by its cadence" + ("" if when is None else f" ({iso_z(when)})")
