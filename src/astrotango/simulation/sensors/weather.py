"""The simulated weather station: cloud cover, wind and gusts, humidity, rain, sky temperature."""

from __future__ import annotations

import random
from datetime import datetime

from astrotango.simulation.sensors.scenario import QuantitySpec, Scenario

__all__ = ["WEATHER_SENSORS", "WeatherModel"]

#: Sensor name -> (unit, physical minimum, physical maximum); values are clamped to the range.
WEATHER_SENSORS: dict[str, tuple[str, float, float]] = {
    "cloud_cover": ("%", 0.0, 100.0),
    "wind_speed": ("m/s", 0.0, 120.0),
    "wind_gust": ("m/s", 0.0, 150.0),
    "humidity": ("%", 0.0, 100.0),
    "rain": ("mm/h", 0.0, 500.0),
    "sky_temperature": ("degC", -120.0, 60.0),
}
_GUST_RATIO = 1.4
_CLEAR_SKY_C, _CLOUD_WARMING_C = -40.0, 0.35


def _clamp(sensor: str, value: float) -> float:
    _, low, high = WEATHER_SENSORS[sensor]
    return min(high, max(low, value))


class WeatherModel:
    """Weather readings from a scenario's baselines, episodes and noise.

    Gusts follow the wind speed (about 1.4 times it, plus noise) and the sky temperature the
    cloud cover (a clear sky is about -40 °C), unless the scenario gives them their own
    baselines or episodes.

    Args:
        scenario: The timeline.
        seed: Overrides the scenario's noise seed.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self._rng = random.Random(scenario.seed if seed is None else seed)

    def _quantity(self, sensor: str, default: float, when: datetime) -> float:
        spec = self.scenario.weather.get(sensor, QuantitySpec(baseline=default))
        base = self.scenario.episode_value(sensor, spec.baseline, when)
        noise = self._rng.gauss(0.0, spec.noise) if spec.noise > 0 else 0.0
        return _clamp(sensor, base + noise)

    def sample(self, when: datetime) -> dict[str, float]:
        """Every sensor's true reading at ``when`` (before faults)."""
        wind = self._quantity("wind_speed", 4.0, when)
        clouds = self._quantity("cloud_cover", 10.0, when)
        gust_default = wind * _GUST_RATIO + abs(self._rng.gauss(0.0, 1.0))
        sky_default = _CLEAR_SKY_C + _CLOUD_WARMING_C * clouds
        return {
            "cloud_cover": clouds,
            "wind_speed": wind,
            "wind_gust": max(wind, self._quantity("wind_gust", gust_default, when)),
            "humidity": self._quantity("humidity", 40.0, when),
            "rain": self._quantity("rain", 0.0, when),
            "sky_temperature": self._quantity("sky_temperature", sky_default, when),
        }
