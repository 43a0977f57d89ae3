"""A weather station on an INDI server (``WEATHER_PARAMETERS``), read as our sensors."""

from __future__ import annotations

from datetime import datetime

from astrotango.hardware.indi.config import IndiConfig
from astrotango.hardware.indi.connection import IndiConnection
from astrotango.hardware.indi.mapping import weather_values

__all__ = ["IndiWeather"]


class IndiWeather:
    """Reads an INDI weather device as our sensors, whichever it reports.

    Wind and gusts (m/s), humidity (%), rain (mm/h), cloud cover (%), sky temperature (°C).

    Call :meth:`start` to connect (in the background) and :meth:`close` when done.

    Args:
        config: The server and the weather device's name (``weather``).
    """

    def __init__(self, config: IndiConfig) -> None:
        host, port = config.address
        self._device = config.weather
        self._conn = IndiConnection(
            host,
            port,
            [config.weather],
            connect_timeout_s=config.connect_timeout_s,
            reconnect_interval_s=config.reconnect_interval_s,
        )

    def start(self) -> None:
        """Start connecting in the background; returns at once."""
        self._conn.start()

    def close(self) -> None:
        """Disconnect and stop the background thread."""
        self._conn.close()

    def sample(self, when: datetime) -> dict[str, float]:
        """The station's latest readings by sensor name; those it lacks are left out.

        ``when`` is not used: a real station reports the present.

        Raises:
            HardwareFault: the server is unreachable or the device is not connected.
        """
        self._conn.ready(self._device)
        return weather_values(self._conn.require(self._device, "WEATHER_PARAMETERS"))
