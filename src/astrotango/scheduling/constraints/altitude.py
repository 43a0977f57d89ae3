"""Altitude limit: above the task's minimum altitude and always above the horizon."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["AltitudeConstraint"]


@dataclass(frozen=True, slots=True)
class AltitudeConstraint:
    """Geometric altitude (refraction off) above ``max(min_altitude_deg, 0)`` plus margin."""

    name: str = "altitude"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the target is high enough."""
        limit = np.radians(ctx.tasks.min_altitude_deg + ctx.margin_deg)
        out: BoolArray = ctx.sin_alt > np.sin(limit).astype(np.float32)[:, None]
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"below the horizon"`` or ``"below 30° altitude"``."""
        limit = max(0.0, task.constraints.min_altitude_deg)
        return "below the horizon" if limit <= 0.0 else f"below {limit:g}° altitude"
