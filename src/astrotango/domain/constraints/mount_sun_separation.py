"""Angular distance between where the mount points and the sun."""

from __future__ import annotations

from typing import ClassVar

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType

__all__ = ["MountSunSeparationConstraint"]


class MountSunSeparationConstraint(ConstraintModel):
    """Gate on the mount-sun separation, degrees (default: at least 30°)."""

    constraint_type: ClassVar[ConstraintType] = ConstraintType.MOUNT_SUN_SEPARATION
    unit: ClassVar[str] = "deg"
    physical_min: ClassVar[float] = 0.0
    physical_max: ClassVar[float] = 180.0

    min_value: float | None = 30.0
