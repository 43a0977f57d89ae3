"""A weather sensor reading (cloud cover, wind, rain, humidity, sky temperature)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import ClassVar

from astrotango.domain.constraints.base import ConstraintModel, ConstraintType

__all__ = ["WEATHER_QUANTITIES", "WeatherQuantity", "WeatherSensorConstraint"]


class WeatherQuantity(StrEnum):
    """What a weather sensor measures; selects the unit and the physical range."""

    CLOUD_COVER = "cloud_cover"
    WIND_SPEED = "wind_speed"
    WIND_GUST = "wind_gust"
    HUMIDITY = "humidity"
    RAIN = "rain"
    SKY_TEMPERATURE = "sky_temperature"
    OTHER = "other"

    @classmethod
    def from_attribute(cls, attribute: str) -> WeatherQuantity:
        """The quantity of a sensor attribute name (``windGust`` -> WIND_GUST; else OTHER)."""
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", attribute).lower()
        try:
            return cls(snake)
        except ValueError:
            return cls.OTHER


#: Quantity -> (unit, physical minimum, physical maximum).
WEATHER_QUANTITIES: dict[WeatherQuantity, tuple[str, float, float]] = {
    WeatherQuantity.CLOUD_COVER: ("%", 0.0, 100.0),
    WeatherQuantity.WIND_SPEED: ("m/s", 0.0, 120.0),
    WeatherQuantity.WIND_GUST: ("m/s", 0.0, 150.0),
    WeatherQuantity.HUMIDITY: ("%", 0.0, 100.0),
    WeatherQuantity.RAIN: ("mm/h", 0.0, 500.0),
    WeatherQuantity.SKY_TEMPERATURE: ("degC", -120.0, 60.0),
    WeatherQuantity.OTHER: ("", -1e12, 1e12),
}


class WeatherSensorConstraint(ConstraintModel):
    """Gate on one weather quantity; the limits are the operator's (none by default).

    Attributes:
        sensor_quantity: What the followed sensor attribute measures.
    """

    constraint_type: ClassVar[ConstraintType] = ConstraintType.WEATHER_SENSOR

    sensor_quantity: WeatherQuantity = WeatherQuantity.OTHER

    @property
    def quantity(self) -> str:
        """The weather quantity's name."""
        return str(self.sensor_quantity)

    def physical_range(self) -> tuple[float, float]:
        """The quantity's physical range."""
        _, low, high = WEATHER_QUANTITIES[self.sensor_quantity]
        return low, high

    def unit_name(self) -> str:
        """The quantity's unit."""
        return WEATHER_QUANTITIES[self.sensor_quantity][0]
