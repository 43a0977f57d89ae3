"""Maximum moon illumination, satisfied whenever the moon is below the horizon."""

from __future__ import annotations

from dataclasses import dataclass

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["MoonIlluminationConstraint"]


@dataclass(frozen=True, slots=True)
class MoonIlluminationConstraint:
    """Illuminated fraction (from the sun-moon elongation) at most ``max_moon_illumination``.

    As astroplan's ``MoonIlluminationConstraint``: a moon below the horizon never blocks.
    """

    name: str = "moon_illumination"
    scope: Scope = "site"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the moon is dim enough or down."""
        sky = ctx.sky
        down = sky.moon_alt_deg < 0.0
        dim = sky.moon_illumination[None, :] <= ctx.tasks.max_moon_illum[:, None]
        out: BoolArray = dim | down[None, :]
        return out

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"moon up and more than 50% illuminated"``."""
        pct = 100.0 * task.constraints.max_moon_illumination
        return f"moon up and more than {pct:.0f}% illuminated"
