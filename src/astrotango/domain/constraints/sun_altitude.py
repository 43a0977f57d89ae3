"""The sun's altitude at the site: observe only when it is far enough below the horizon."""

from __future__ import annotations

from typing import ClassVar

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType

__all__ = ["SunAltitudeConstraint"]


class SunAltitudeConstraint(ConstraintModel):
    """Gate on the sun's altitude, degrees (default: at most -12°, nautical twilight)."""

    constraint_type: ClassVar[ConstraintType] = ConstraintType.SUN_ALTITUDE
    unit: ClassVar[str] = "deg"
    physical_min: ClassVar[float] = -90.0
    physical_max: ClassVar[float] = 90.0

    max_value: float | None = -12.0
