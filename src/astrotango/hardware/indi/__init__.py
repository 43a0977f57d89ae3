"""INDI hardware: a :class:`~astrotango.hardware.TelescopeDriver` over an INDI server.

indipyclient speaks the protocol; this package maps INDI's standard properties onto the
driver Protocol (states, JNow to ICRS, units, timeouts, errors). See ``telescope.py``.
"""

from __future__ import annotations

from astrotango.hardware.indi.camera import IndiCamera
from astrotango.hardware.indi.config import (
    DEFAULT_INDI_SERVER,
    INDI_SERVER_ENV,
    IndiConfig,
    indi_server,
)
from astrotango.hardware.indi.connection import Blob, IndiConnection
from astrotango.hardware.indi.enclosure import IndiEnclosure
from astrotango.hardware.indi.focuser import IndiFocuser
from astrotango.hardware.indi.frames import JNowFrame, icrs_to_jnow, jnow_to_icrs
from astrotango.hardware.indi.mount import IndiMount
from astrotango.hardware.indi.properties import Prop, PropState
from astrotango.hardware.indi.telescope import IndiTelescope
from astrotango.hardware.indi.weather import IndiWeather

__all__ = [
    "DEFAULT_INDI_SERVER",
    "INDI_SERVER_ENV",
    "Blob",
    "IndiCamera",
    "IndiConfig",
    "IndiConnection",
    "IndiEnclosure",
    "IndiFocuser",
    "IndiMount",
    "IndiTelescope",
    "IndiWeather",
    "JNowFrame",
    "Prop",
    "PropState",
    "icrs_to_jnow",
    "indi_server",
    "jnow_to_icrs",
]
