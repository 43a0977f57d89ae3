"""How to reach one telescope's ASCOM Alpaca devices: server, device numbers, timing, limits."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from astrotango.hardware.limits import MountLimits

__all__ = ["ALPACA_SERVER_ENV", "DEFAULT_ALPACA_SERVER", "AlpacaConfig", "alpaca_server"]

#: Overrides the default server (not one given in the configuration).
ALPACA_SERVER_ENV = "ASTROTANGO_ALPACA_SERVER"
DEFAULT_ALPACA_SERVER = "127.0.0.1:11111"


def alpaca_server(configured: str) -> str:
    """The server to use: ``configured``, else ``$ASTROTANGO_ALPACA_SERVER``, else the default."""
    return configured or os.environ.get(ALPACA_SERVER_ENV, "") or DEFAULT_ALPACA_SERVER


class AlpacaConfig(BaseModel):
    """One telescope's Alpaca devices, addressed by server and device number (no discovery).

    ``None`` for ``dome`` means no enclosure; for ``filterwheel``, a camera without a wheel;
    for ``focuser`` (the default), no focuser (alpaca-simulators has focuser 0).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str = Field(
        default_factory=lambda: alpaca_server(""),
        pattern=r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$",
        description="The Alpaca server, host:port.",
    )
    telescope: int = Field(default=0, ge=0)
    dome: int | None = Field(default=0, ge=0)
    camera: int = Field(default=0, ge=0)
    filterwheel: int | None = Field(default=0, ge=0)
    focuser: int | None = Field(default=None, ge=0)
    observingconditions: int = Field(default=0, ge=0)
    safetymonitor: int = Field(default=0, ge=0)
    filter_map: dict[str, int] = Field(
        default_factory=dict, description="Filter name to wheel position (0-based)."
    )
    poll_period_s: float = Field(default=0.5, ge=0.05, le=10.0)
    command_timeout_s: float = Field(default=3.0, gt=0.0, le=60.0)
    readout_timeout_s: float = Field(default=30.0, gt=0.0, le=600.0)
    filter_timeout_s: float = Field(default=30.0, gt=0.0, le=600.0)
    pointing_tolerance_arcsec: float = Field(default=10.0, gt=0.0, le=3600.0)
    settle_s: float = Field(default=1.0, ge=0.0, le=120.0)
    slew_start_grace_s: float = Field(
        default=2.0, ge=0.0, le=60.0, description="How long a mount may take to report Slewing."
    )
    min_altitude_deg: float = Field(default=15.0, ge=-5.0, le=89.0)
    min_sun_separation_deg: float = Field(default=30.0, ge=0.0, le=180.0)
    equatorial_frame: Literal["auto", "j2000", "jnow"] = Field(
        default="auto", description="The mount's frame; auto reads its EquatorialSystem."
    )
    set_site: bool = Field(default=True, description="Write our site to the mount at connect.")
    shutter_closed: bool = Field(
        default=False,
        description="Take every frame with the shutter closed, recorded as IMAGETYP dark: "
        "for alpaca-simulators offline, whose light frames need a network star catalogue.",
    )

    @property
    def limits(self) -> MountLimits:
        """The pointing limits enforced on every slew."""
        return MountLimits(self.min_altitude_deg, self.min_sun_separation_deg)

    @property
    def stale_after_s(self) -> float:
        """Seconds after which the latest reading is too old to report (the server hangs)."""
        return max(3.0 * self.poll_period_s, 1.0) + self.command_timeout_s
