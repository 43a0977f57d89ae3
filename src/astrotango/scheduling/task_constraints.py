"""The hard-constraint parameters carried by one task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["TWILIGHT_BAND_DEG", "TWILIGHT_SUN_ALT_DEG", "TaskConstraints", "Twilight"]

Twilight = Literal["civil", "nautical", "astronomical", "none"]

#: Highest sun altitude (degrees) allowed by each twilight kind; ``none`` allows daytime.
TWILIGHT_SUN_ALT_DEG: dict[str, float] = {
    "civil": -6.0,
    "nautical": -12.0,
    "astronomical": -18.0,
    "none": 90.0,
}

#: The sun's altitude band (lowest, highest) of each twilight, degrees: where a calibration
#: that needs a twilight sky (a sky flat) runs.
TWILIGHT_BAND_DEG: dict[str, tuple[float, float]] = {
    "civil": (-6.0, 0.0),
    "nautical": (-12.0, -6.0),
    "astronomical": (-18.0, -12.0),
}


@dataclass(frozen=True, slots=True)
class TaskConstraints:
    """Limits a block of the task must satisfy over its whole duration.

    Attributes:
        max_airmass: Highest airmass (sec z, refraction off); implies altitude above 0.
        min_altitude_deg: Lowest altitude, degrees; the target is always required above 0.
        min_moon_separation_deg: Smallest topocentric moon-target distance, degrees.
        max_moon_illumination: Highest illuminated fraction of the moon (0..1) while the moon
            is above the horizon; 1 disables the limit.
        twilight: Darkest twilight required: sun below -6, -12 or -18 degrees.
        sun_band_deg: ``(lowest, highest)`` sun altitude instead of ``twilight``'s limit:
            a sky flat needs a sky neither dark nor day.
    """

    max_airmass: float | None = None
    min_altitude_deg: float = 0.0
    min_moon_separation_deg: float = 0.0
    max_moon_illumination: float = 1.0
    twilight: Twilight = "astronomical"
    sun_band_deg: tuple[float, float] | None = None

    @property
    def sun_range_deg(self) -> tuple[float, float]:
        """The sun altitudes allowed, ``(lowest, highest)``."""
        if self.sun_band_deg is not None:
            return self.sun_band_deg
        return -90.0, TWILIGHT_SUN_ALT_DEG[self.twilight]

    def __post_init__(self) -> None:
        if self.max_airmass is not None and self.max_airmass < 1.0:
            raise ValueError(f"max_airmass must be >= 1: {self.max_airmass}")
        if not -90.0 <= self.min_altitude_deg <= 90.0:
            raise ValueError(f"min_altitude_deg out of range: {self.min_altitude_deg}")
        if not 0.0 <= self.min_moon_separation_deg <= 180.0:
            raise ValueError(
                f"min_moon_separation_deg out of range: {self.min_moon_separation_deg}"
            )
        if not 0.0 <= self.max_moon_illumination <= 1.0:
            raise ValueError(f"max_moon_illumination out of range: {self.max_moon_illumination}")
        if self.twilight not in TWILIGHT_SUN_ALT_DEG:
            raise ValueError(f"unknown twilight: {self.twilight}")
        if self.sun_band_deg is not None and not (
            -90.0 <= self.sun_band_deg[0] < self.sun_band_deg[1] <= 90.0
        ):
            raise ValueError(f"sun_band_deg must rise within -90..90: {self.sun_band_deg}")
