"""Where the INDI server is and which of its devices make up the telescope, as a model."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, field_validator

from astrotango.hardware.limits import MountLimits

__all__ = ["DEFAULT_INDI_SERVER", "INDI_SERVER_ENV", "IndiConfig", "indi_server"]

#: Overrides the default server address (a deployment points every driver at its server).
INDI_SERVER_ENV = "ASTROTANGO_INDI_SERVER"
DEFAULT_INDI_SERVER = "127.0.0.1:7624"
_DEFAULT_PORT = 7624


def indi_server(configured: str) -> tuple[str, int]:
    """The INDI server's (host, port): ``configured``, else the environment, else the default.

    ``configured`` empty falls back on ``$ASTROTANGO_INDI_SERVER``, then ``127.0.0.1:7624``;
    ``"host"`` alone means port 7624.

    Raises:
        ValueError: the address is not ``host[:port]`` with a port in 1..65535.
    """
    text = configured.strip() or os.environ.get(INDI_SERVER_ENV, "").strip() or DEFAULT_INDI_SERVER
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, str(_DEFAULT_PORT)
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65_536:
        raise ValueError(f"INDI server: expected host:port, got {text!r}")
    return host, int(port_text)


class IndiConfig(BaseModel):
    """The INDI server, the device names, and the driver's timeouts and tolerances.

    Attributes:
        server: ``host:port``; by default ``$ASTROTANGO_INDI_SERVER``, else 127.0.0.1:7624.
        mount: The telescope (mount) device.
        dome: The dome device, or None (no enclosure).
        ccd: The camera device; its BLOB ``CCD1`` carries the FITS image.
        wheel: The filter wheel device, or None (the filter is only written to the header).
        focuser: The focuser device, or None (no focuser); the simulator's is
            ``Focuser Simulator``.
        weather: The weather station device (read by ``IndiWeather``).
        receiver: The radio receiver device (INDI's receiver interface); its BLOB ``SENSOR``
            carries the FITS data of an integration.
        receiver_tuning_ghz: The receiver device's ``RECEIVER_FREQUENCY`` range (the
            property's min and max, in GHz; the device speaks Hz). The driver refuses a
            frequency outside it. The default is the INDI Receiver Simulator's 24 MHz-2 GHz.
        receiver_tolerance_hz: How far from the frequency asked the device may report itself
            tuned (the simulator keeps single precision: 128 Hz steps near 1.4 GHz).
        filter_slots: Filter name to wheel slot (1-based); a filter left out takes its
            position in the camera's filter list, plus one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str = Field(
        default_factory=lambda: os.environ.get(INDI_SERVER_ENV) or DEFAULT_INDI_SERVER
    )
    mount: str = Field(default="Telescope Simulator", min_length=1)
    dome: str | None = "Dome Simulator"
    ccd: str = Field(default="CCD Simulator", min_length=1)
    wheel: str | None = "Filter Simulator"
    focuser: str | None = Field(default=None, min_length=1)
    weather: str = Field(default="Weather Simulator", min_length=1)
    receiver: str = Field(default="Receiver Simulator", min_length=1)
    receiver_tuning_ghz: tuple[float, float] = (0.024, 2.0)
    receiver_tolerance_hz: float = Field(default=1_000.0, gt=0.0, le=1e9)
    filter_slots: dict[str, int] = Field(default_factory=dict)
    connect_timeout_s: float = Field(
        default=2.0, gt=0.0, le=60.0, description="One connection attempt, real seconds."
    )
    reconnect_interval_s: float = Field(default=2.0, gt=0.0, le=600.0)
    command_timeout_s: float = Field(
        default=30.0, gt=0.0, le=600.0, description="A filter move or a slew start, seconds."
    )
    readout_timeout_s: float = Field(
        default=60.0, gt=0.0, le=3_600.0, description="Exposure end to image arrival, seconds."
    )
    pointing_tolerance_arcsec: float = Field(default=5.0, gt=0.0, le=3_600.0)
    reslew_threshold_arcsec: float = Field(default=2.0, gt=0.0, le=3_600.0)
    horizontal_tolerance_arcsec: float = Field(
        default=60.0, gt=0.0, le=3_600.0, description="Alt/az targets (screens): not tracked."
    )
    max_corrections: int = Field(default=2, ge=0, le=10)
    min_altitude_deg: float = Field(default=15.0, ge=0.0, le=89.0)
    min_sun_separation_deg: float = Field(default=30.0, ge=0.0, le=180.0)

    @field_validator("server")
    @classmethod
    def _valid_server(cls, value: str) -> str:
        indi_server(value)
        return value

    @field_validator("filter_slots")
    @classmethod
    def _valid_slots(cls, value: dict[str, int]) -> dict[str, int]:
        if any(slot < 1 for slot in value.values()):
            raise ValueError("filter_slots: slots count from 1")
        return value

    @field_validator("receiver_tuning_ghz")
    @classmethod
    def _ordered_tuning(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 < low < high:
            raise ValueError("receiver_tuning_ghz: must be [low, high] with 0 < low < high")
        return value

    @property
    def address(self) -> tuple[str, int]:
        """The server's (host, port)."""
        return indi_server(self.server)

    @property
    def limits(self) -> MountLimits:
        """The mount limits the driver enforces on every slew."""
        return MountLimits(self.min_altitude_deg, self.min_sun_separation_deg)
