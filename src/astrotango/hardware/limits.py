"""Mount pointing limits: the horizon and the sun-avoidance zone, one rule for everyone.

The simulator enforces it on ``slew``; the component manager applies the same rule before it
accepts a task, so a task is refused at once for exactly the reason the mount would refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from astrotango.hardware.errors import LimitViolation
from astrotango.hardware.sky import angular_separation_deg, radec_to_altaz, sun_radec
from astrotango.hardware.types import HorizontalPointing, Pointing, Site

__all__ = ["MountLimits", "pointing_altaz"]


def pointing_altaz(target: Pointing, when: datetime, site: Site) -> tuple[float, float]:
    """Where a pointing lies on the sky at ``when``: (altitude, azimuth), degrees."""
    if isinstance(target, HorizontalPointing):
        return target.alt_deg, target.az_deg % 360.0
    return radec_to_altaz(target.ra_deg, target.dec_deg, when, site)


@dataclass(frozen=True)
class MountLimits:
    """Where the mount may point.

    Attributes:
        min_altitude_deg: Lowest altitude (the horizon limit).
        min_sun_separation_deg: Closest approach to the sun's centre.
    """

    min_altitude_deg: float = 15.0
    min_sun_separation_deg: float = 30.0

    def check(self, target: Pointing, when: datetime, site: Site) -> None:
        """Raise if pointing at ``target`` at ``when`` would break a limit.

        Raises:
            LimitViolation: ``limit`` ``"horizon"`` or ``"sun"``, the message giving the
                target's name, the time, the value and the limit.
        """
        alt, az = pointing_altaz(target, when, site)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        if alt < self.min_altitude_deg:
            raise LimitViolation(
                "horizon",
                f"target {target.name!r} is below the horizon limit at {stamp}: altitude "
                f"{alt:.1f} deg < {self.min_altitude_deg:.1f} deg",
            )
        sun_alt, sun_az = radec_to_altaz(*sun_radec(when), when, site)
        separation = angular_separation_deg(az, alt, sun_az, sun_alt)
        if separation < self.min_sun_separation_deg:
            raise LimitViolation(
                "sun",
                f"target {target.name!r} is too close to the sun at {stamp}: separation "
                f"{separation:.1f} deg < {self.min_sun_separation_deg:.1f} deg",
            )

    def violation(self, target: Pointing, when: datetime, site: Site) -> LimitViolation | None:
        """The limit ``target`` would break at ``when``, or None."""
        try:
            self.check(target, when, site)
        except LimitViolation as exc:
            return exc
        return None
