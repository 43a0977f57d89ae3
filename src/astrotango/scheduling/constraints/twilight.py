"""Twilight: the sun below -6 (civil), -12 (nautical) or -18 (astronomical) degrees.

A task with a sun band (a sky flat) needs the sun inside it instead: twilight, not night.
"""

from __future__ import annotations

from dataclasses import dataclass

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.task_constraints import TWILIGHT_SUN_ALT_DEG

__all__ = ["TwilightConstraint"]


@dataclass(frozen=True, slots=True)
class TwilightConstraint:
    """Sun altitude at or below the task's limit and at or above its floor (inside margins)."""

    name: str = "twilight"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the sky is dark enough (and, in a band, not too dark)."""
        limit = ctx.tasks.sun_limit_deg - ctx.margin_deg
        floor = ctx.tasks.sun_floor_deg + ctx.margin_deg
        sun = ctx.sky.sun_alt_deg[None, :]
        out: BoolArray = (sun <= limit[:, None]) & (sun >= floor[:, None])
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"sun above -18° (not astronomically dark)"``."""
        band = task.constraints.sun_band_deg
        if band is not None:
            return f"sun outside {band[0]:g}°..{band[1]:g}° (not twilight)"
        kind = task.constraints.twilight
        limit = TWILIGHT_SUN_ALT_DEG[kind]
        adverb = {"civil": "civil", "nautical": "nautically", "astronomical": "astronomically"}
        return f"sun above {limit:g}° (not {adverb.get(kind, kind)} dark)"
