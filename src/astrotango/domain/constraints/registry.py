"""One constraint model class per type, and building one from configuration."""

from __future__ import annotations

import math
from types import MappingProxyType

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType
from astrotango.domain.constraints.battery import BatteryConstraint
from astrotango.domain.constraints.camera_temperature import CameraTemperatureConstraint
from astrotango.domain.constraints.mount_sun_separation import MountSunSeparationConstraint
from astrotango.domain.constraints.storage import StorageConstraint
from astrotango.domain.constraints.sun_altitude import SunAltitudeConstraint
from astrotango.domain.constraints.weather_sensor import WeatherQuantity, WeatherSensorConstraint

__all__ = ["CONSTRAINT_MODELS", "build_constraint"]

#: Constraint type -> its model class.
CONSTRAINT_MODELS: MappingProxyType[ConstraintType, type[ConstraintModel]] = MappingProxyType(
    {
        model.constraint_type: model
        for model in (
            WeatherSensorConstraint,
            StorageConstraint,
            BatteryConstraint,
            CameraTemperatureConstraint,
            SunAltitudeConstraint,
            MountSunSeparationConstraint,
        )
    }
)


def build_constraint(
    constraint_type: str,
    min_value: float | None = None,
    max_value: float | None = None,
    *,
    sensor_attribute: str = "",
) -> ConstraintModel:
    """Build the model of a constraint type; None or NaN limits keep the type's defaults.

    Args:
        constraint_type: One of :class:`ConstraintType`'s values.
        min_value: Lower limit, or None/NaN for the type's default.
        max_value: Upper limit, or None/NaN for the type's default.
        sensor_attribute: For ``weather_sensor``, the followed attribute (selects the quantity).

    Raises:
        ValueError: naming ``constraint_type`` (unknown) or the bad limit.
    """
    try:
        kind = ConstraintType(constraint_type)
    except ValueError:
        known = ", ".join(t.value for t in ConstraintType)
        raise ValueError(f"constraint_type: {constraint_type!r} is not one of {known}") from None
    fields: dict[str, object] = {}
    for name, value in (("min_value", min_value), ("max_value", max_value)):
        if value is not None and not math.isnan(value):
            fields[name] = value
    if kind is ConstraintType.WEATHER_SENSOR:
        fields["sensor_quantity"] = WeatherQuantity.from_attribute(sensor_attribute)
    return CONSTRAINT_MODELS[kind].model_validate(fields)
