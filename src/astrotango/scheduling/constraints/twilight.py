"""Twilight: the sun below -6 (civil), -12 (nautical) or -18 (astronomical) degrees."""

from __future__ import annotations

from dataclasses import dataclass

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.task_constraints import TWILIGHT_SUN_ALT_DEG

__all__ = ["TwilightConstraint"]


@dataclass(frozen=True, slots=True)
class TwilightConstraint:
    """Sun altitude at or below the task's twilight limit (minus the margin)."""

    name: str = "twilight"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the sky is dark enough."""
        limit = ctx.tasks.sun_limit_deg - ctx.margin_deg
        out: BoolArray = ctx.sky.sun_alt_deg[None, :] <= limit[:, None]
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"sun above -18° (not astronomically dark)"``."""
        kind = task.constraints.twilight
        limit = TWILIGHT_SUN_ALT_DEG[kind]
        adverb = {"civil": "civil", "nautical": "nautically", "astronomical": "astronomically"}
        return f"sun above {limit:g}° (not {adverb.get(kind, kind)} dark)"
