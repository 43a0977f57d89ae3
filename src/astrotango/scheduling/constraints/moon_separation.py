"""Minimum topocentric separation between the moon and the target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["MoonSeparationConstraint"]


@dataclass(frozen=True, slots=True)
class MoonSeparationConstraint:
    """Moon-target separation at least ``min_moon_separation_deg`` (plus margin)."""

    name: str = "moon_separation"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the moon is far enough."""
        limit = np.radians(np.minimum(ctx.tasks.min_moon_sep_deg + ctx.margin_deg, 180.0))
        active = ctx.tasks.min_moon_sep_deg > 0.0
        threshold = np.where(active, np.cos(limit), 2.0).astype(np.float32)
        out: BoolArray = ctx.cos_moon_sep <= threshold[:, None]
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"moon closer than 30°"``."""
        return f"moon closer than {task.constraints.min_moon_separation_deg:g}°"
