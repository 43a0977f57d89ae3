"""The simulator's parameters: the ``SimulatorParameters`` device property, as a model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from astrotango.hardware import MountLimits

__all__ = ["SimulatorConfig"]


class SimulatorConfig(BaseModel):
    """How the simulated telescope moves and how long things take (seconds, degrees).

    Unknown fields are refused, so a typo in ``tango-db/`` is an error, not a silent default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    az_rate_deg_s: float = Field(default=4.0, gt=0.0, le=90.0)
    alt_rate_deg_s: float = Field(default=3.0, gt=0.0, le=90.0)
    az_accel_deg_s2: float = Field(default=1.0, gt=0.0, le=100.0)
    alt_accel_deg_s2: float = Field(default=1.0, gt=0.0, le=100.0)
    settle_s: float = Field(default=3.0, ge=0.0, le=600.0)
    unpark_s: float = Field(default=2.0, ge=0.0, le=600.0)
    park_alt_deg: float = Field(default=89.0, ge=0.0, le=90.0)
    #: Ignored for a zenith stow (``park_alt_deg`` 90): the mount parks in elevation only.
    park_az_deg: float = Field(default=0.0, ge=0.0, lt=360.0)
    enclosure_travel_s: float = Field(default=30.0, ge=0.0, le=3_600.0)
    stall_detect_s: float = Field(default=5.0, gt=0.0, le=600.0)
    readout_s: float = Field(default=5.0, ge=0.0, le=600.0)
    filter_change_s: float = Field(default=2.0, ge=0.0, le=600.0)
    call_timeout_s: float = Field(
        default=10.0, gt=0.0, le=600.0, description="How long a hung call blocks before failing."
    )
    min_altitude_deg: float = Field(default=15.0, ge=0.0, le=89.0)
    min_sun_separation_deg: float = Field(default=30.0, ge=0.0, le=180.0)
    has_enclosure: bool = True

    @property
    def limits(self) -> MountLimits:
        """The mount limits these parameters describe."""
        return MountLimits(self.min_altitude_deg, self.min_sun_separation_deg)
