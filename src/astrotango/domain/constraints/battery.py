"""Battery state of charge on the observatory host."""

from __future__ import annotations

from typing import ClassVar

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType

__all__ = ["BatteryConstraint"]


class BatteryConstraint(ConstraintModel):
    """Gate on the host battery's state of charge, percent (default: at least 30 %)."""

    constraint_type: ClassVar[ConstraintType] = ConstraintType.BATTERY
    unit: ClassVar[str] = "%"
    physical_min: ClassVar[float] = 0.0
    physical_max: ClassVar[float] = 100.0

    min_value: float | None = 30.0
