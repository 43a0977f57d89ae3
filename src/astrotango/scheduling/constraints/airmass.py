"""Maximum airmass (sec z, as astroplan's ``AirmassConstraint`` uses ``altaz.secz``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["AirmassConstraint"]


@dataclass(frozen=True, slots=True)
class AirmassConstraint:
    """``sec z <= max_airmass`` with the target up; checked as altitude >= asin(1/max)."""

    name: str = "airmass"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the airmass is low enough (always True without a limit)."""
        alt_min = np.arcsin(1.0 / ctx.tasks.max_airmass) + np.radians(ctx.margin_deg)
        threshold = np.where(np.isfinite(ctx.tasks.max_airmass), np.sin(alt_min), -2.0)
        out: BoolArray = ctx.sin_alt >= threshold.astype(np.float32)[:, None]
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"airmass above 2.0"``."""
        return f"airmass above {task.constraints.max_airmass:g}"
