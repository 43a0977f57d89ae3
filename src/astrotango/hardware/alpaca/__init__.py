"""An ASCOM Alpaca driver (alpyca client): a :class:`~astrotango.hardware.TelescopeDriver`.

:class:`AlpacaTelescope` drives a Telescope, Dome, Focuser, Camera and FilterWheel on one Alpaca
server, addressed by device number; :class:`AlpacaWeather` reads its ObservingConditions and
SafetyMonitor. :class:`AlpacaConfig` says where they are.
"""

from __future__ import annotations

from astrotango.hardware.alpaca.config import (
    ALPACA_SERVER_ENV,
    DEFAULT_ALPACA_SERVER,
    AlpacaConfig,
    alpaca_server,
)
from astrotango.hardware.alpaca.frames import Frame, frame_for, icrs_to_mount, mount_to_icrs
from astrotango.hardware.alpaca.telescope import AlpacaTelescope
from astrotango.hardware.alpaca.weather import WEATHER_PROPERTIES, AlpacaWeather

__all__ = [
    "ALPACA_SERVER_ENV",
    "DEFAULT_ALPACA_SERVER",
    "WEATHER_PROPERTIES",
    "AlpacaConfig",
    "AlpacaTelescope",
    "AlpacaWeather",
    "Frame",
    "alpaca_server",
    "frame_for",
    "icrs_to_mount",
    "mount_to_icrs",
]
