"""The simulator's parameters: the ``SimulatorParameters`` device property, as a model."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from astrotango.hardware import MountLimits
from astrotango.hardware.types import MAX_FOCUSER_STEPS

__all__ = ["FocuserConfig", "SimulatorConfig"]


class FocuserConfig(BaseModel):
    """The simulated focuser: travel, speed, and the focus curve its images follow.

    A star's FWHM is ``sqrt(seeing_arcsec**2 + (defocus_arcsec_per_step * off)**2)``, ``off``
    the distance from ``best_focus_steps`` in steps: the hyperbola autofocus fits.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_steps: int = Field(default=100_000, ge=1, le=MAX_FOCUSER_STEPS, description="Steps.")
    rate_steps_s: float = Field(
        default=2_000.0, gt=0.0, le=10_000_000.0, description="Travel speed, steps per second."
    )
    start_steps: int = Field(default=50_000, ge=0, description="Position at start, steps.")
    best_focus_steps: int = Field(default=48_000, ge=0, description="Sharpest images, steps.")
    seeing_arcsec: float = Field(
        default=1.2, gt=0.0, le=30.0, description="Star FWHM at best focus, arcseconds."
    )
    defocus_arcsec_per_step: float = Field(
        default=0.002, gt=0.0, le=10.0, description="Blur added per step from focus, arcsec."
    )
    temperature_c: float | None = Field(
        default=8.0, ge=-80.0, le=80.0, description="Its sensor, deg C; None: no sensor."
    )

    @model_validator(mode="after")
    def _within_travel(self) -> Self:
        for name in ("start_steps", "best_focus_steps"):
            if getattr(self, name) > self.max_steps:
                raise ValueError(
                    f"{name}: {getattr(self, name)} is beyond max_steps ({self.max_steps})"
                )
        return self


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
    focuser: FocuserConfig | None = Field(default=None, description="None: no focuser.")

    @property
    def limits(self) -> MountLimits:
        """The mount limits these parameters describe."""
        return MountLimits(self.min_altitude_deg, self.min_sun_separation_deg)
