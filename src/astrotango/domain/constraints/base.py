"""What every threshold constraint shares: its type, scope, one signature and one verdict.

A constraint model is a small frozen pydantic model with optional ``min_value`` and
``max_value`` (in the unit its class names) and one signature, ``__call__(raw) ->
ThresholdCheck``. The check is fail safe: anything that is not a finite real number inside the
quantity's physical range is *garbage* and never passes, whatever the thresholds say.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, model_validator

__all__ = [
    "ConstraintModel",
    "ConstraintType",
    "Scope",
    "ThresholdCheck",
    "ThresholdName",
    "as_finite_number",
]

#: Which limit a failing reading crossed (``garbage``: not a usable number at all).
ThresholdName = Literal["min_value", "max_value", "garbage", "max_data_age"]


class ConstraintType(StrEnum):
    """The constraint types of mission/004."""

    WEATHER_SENSOR = "weather_sensor"
    STORAGE = "storage"
    BATTERY = "battery"
    CAMERA_TEMPERATURE = "camera_temperature"
    SUN_ALTITUDE = "sun_altitude"
    MOUNT_SUN_SEPARATION = "mount_sun_separation"


class Scope(StrEnum):
    """Where a constraint or interlock applies."""

    OBSERVATORY = "observatory"
    TELESCOPE = "telescope"


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    """The verdict on one reading.

    Attributes:
        ok: Whether the reading passes.
        value: The reading as a float, or None when it was garbage.
        threshold: The limit it crossed, or None when it passes.
        limit: The crossed limit's value (None for garbage).
        reason: A human sentence, e.g. ``"wind_speed 17.2 m/s above max_value 15"``.
    """

    ok: bool
    value: float | None
    threshold: ThresholdName | None = None
    limit: float | None = None
    reason: str = ""


def as_finite_number(raw: object) -> float | None:
    """``raw`` as a finite float, or None (NaN, infinities, strings, None, containers)."""
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if not isinstance(raw, numbers.Real):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _fmt(value: float) -> str:
    return f"{value:g}"


class ConstraintModel(BaseModel):
    """Base of the per-type constraint models: limits, physical range, the check.

    Attributes:
        min_value: Readings below this fail; None for no lower limit.
        max_value: Readings above this fail; None for no upper limit.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    constraint_type: ClassVar[ConstraintType]
    #: Unit of readings and limits, for messages.
    unit: ClassVar[str] = ""
    #: Physical range of the quantity; readings outside it are garbage.
    physical_min: ClassVar[float] = -1e12
    physical_max: ClassVar[float] = 1e12

    min_value: float | None = None
    max_value: float | None = None

    @model_validator(mode="after")
    def _limits_ordered(self) -> ConstraintModel:
        for name in ("min_value", "max_value"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name}: must be a finite number or null")
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise ValueError("min_value: must not exceed max_value")
        return self

    @property
    def quantity(self) -> str:
        """What is measured, for messages."""
        return str(self.constraint_type)

    def physical_range(self) -> tuple[float, float]:
        """The range a real reading can take, in :meth:`unit_name`."""
        return self.physical_min, self.physical_max

    def unit_name(self) -> str:
        """The unit of readings and limits."""
        return self.unit

    def __call__(self, raw: object) -> ThresholdCheck:
        """Check one raw reading against the physical range and the limits."""
        what, unit = self.quantity, self.unit_name()
        value = as_finite_number(raw)
        if value is None:
            return ThresholdCheck(False, None, "garbage", None, f"{what}: not a number ({raw!r})")
        low, high = self.physical_range()
        shown = f"{_fmt(value)} {unit}".rstrip()
        if not low <= value <= high:
            reason = f"{what} {shown} outside the physical range"
            return ThresholdCheck(False, None, "garbage", None, f"{reason} [{low:g}, {high:g}]")
        if self.min_value is not None and value < self.min_value:
            reason = f"{what} {shown} below min_value {_fmt(self.min_value)}"
            return ThresholdCheck(False, value, "min_value", self.min_value, reason)
        if self.max_value is not None and value > self.max_value:
            reason = f"{what} {shown} above max_value {_fmt(self.max_value)}"
            return ThresholdCheck(False, value, "max_value", self.max_value, reason)
        return ThresholdCheck(True, value, reason=f"{what} {shown} within limits")
