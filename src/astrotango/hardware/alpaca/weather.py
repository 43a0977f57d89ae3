"""Weather and safety from an Alpaca ObservingConditions and SafetyMonitor.

Read on the caller's thread (each read a short HTTP call); the station's units are ours
(ASCOM: m/s, %, mm/h, degC), so only the names change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from astrotango.hardware.alpaca.config import AlpacaConfig
from astrotango.hardware.alpaca.transport import (
    NotImplementedByDevice,
    TimedObservingConditions,
    TimedSafetyMonitor,
    get,
    is_network,
    put,
)
from astrotango.hardware.errors import HardwareError

__all__ = ["WEATHER_PROPERTIES", "AlpacaWeather"]

#: Our sensor name -> the ObservingConditions property (same unit).
WEATHER_PROPERTIES: dict[str, str] = {
    "wind_speed": "WindSpeed",
    "wind_gust": "WindGust",
    "humidity": "Humidity",
    "rain": "RainRate",
    "cloud_cover": "CloudCover",
    "sky_temperature": "SkyTemperature",
}


class AlpacaWeather:
    """A weather station and safety monitor on an Alpaca server.

    Args:
        config: The server and the ``observingconditions``/``safetymonitor`` device numbers.
    """

    def __init__(self, config: AlpacaConfig) -> None:
        self._station = TimedObservingConditions(config.server, config.observingconditions)
        self._safety = TimedSafetyMonitor(config.server, config.safetymonitor)
        for device in (self._station, self._safety):
            device.timeout_s = config.command_timeout_s
        self._connected: set[int] = set()

    def sample(self, when: datetime) -> dict[str, float]:
        """The station's readings now, by our sensor names; what it lacks is left out.

        Args:
            when: The time asked for (the station reports its latest reading, taken now).

        Raises:
            HardwareFault: the server is unreachable or the station reports an error.
            HardwareTimeout: the server does not answer in time.
        """
        del when  # a real station has only its present reading
        self._connect(self._station)
        readings: dict[str, float] = {}
        for sensor, member in WEATHER_PROPERTIES.items():
            try:
                readings[sensor] = float(self._read(self._station, member))
            except NotImplementedByDevice:
                continue
        return readings

    def is_safe(self) -> bool:
        """The SafetyMonitor's IsSafe.

        Raises:
            HardwareFault: the server is unreachable or the monitor reports an error.
            HardwareTimeout: the server does not answer in time.
        """
        self._connect(self._safety)
        return bool(self._read(self._safety, "IsSafe"))

    def _connect(self, device: Any) -> None:
        if id(device) not in self._connected:
            put(device, "Connected", True)
            self._connected.add(id(device))

    def _read(self, device: Any, member: str) -> Any:
        try:
            return get(device, member)
        except HardwareError as exc:
            if is_network(exc):
                self._connected.discard(id(device))  # reconnect once it is back
            raise
