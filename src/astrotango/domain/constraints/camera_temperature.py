"""Camera sensor temperature: a warm chip means noisy frames."""

from __future__ import annotations

from typing import ClassVar

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType

__all__ = ["CameraTemperatureConstraint"]


class CameraTemperatureConstraint(ConstraintModel):
    """Gate on the camera temperature, degrees Celsius (default: at most -10 °C)."""

    constraint_type: ClassVar[ConstraintType] = ConstraintType.CAMERA_TEMPERATURE
    unit: ClassVar[str] = "degC"
    physical_min: ClassVar[float] = -150.0
    physical_max: ClassVar[float] = 80.0

    max_value: float | None = -10.0
