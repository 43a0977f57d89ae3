"""Mount pointing limits: the horizon and the sun-avoidance zone, one rule for everyone.

The simulator enforces it on ``slew``; the component manager applies the same rule before it
accepts a task, so a task is refused at once for exactly the reason the mount would refuse it;
and the executor asks it before every acquisition whether the tracked target stays above the
horizon limit until the acquisition ends (:meth:`MountLimits.horizon_reached`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from astrotango.hardware.errors import LimitViolation
from astrotango.hardware.sky import angular_separation_deg, radec_to_altaz, sun_radec
from astrotango.hardware.types import HorizontalPointing, Pointing, Site

__all__ = ["MountLimits", "pointing_altaz"]

#: Longest stretch between two altitude samples when looking for the horizon limit, seconds:
#: short enough that no dip below the limit between two samples above it is missed (a
#: target's altitude is smooth; only at lower culmination is the lowest point inside).
_SAMPLE_S = 600.0
#: How finely the instant the limit is reached is found, seconds.
_RESOLUTION_S = 1.0


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

    def horizon_reached(
        self, target: Pointing, start: datetime, end: datetime, site: Site
    ) -> datetime | None:
        """The first instant in ``[start, end]`` at which ``target`` is below the horizon limit.

        Uses the same sky model as :meth:`check` (and the simulated mount), so a target this
        says stays up is one the mount keeps tracking. Cheap: the ends and one sample every
        ten minutes between them; only when the target does go down is the instant found (to
        a second, by bisection).

        Returns:
            That instant (``start`` when it is already below), or None when the target stays
            above the limit throughout.
        """
        if self._below(target, start, site):
            return start
        span_s = max(0.0, (end - start).total_seconds())
        samples = max(1, int(-(-span_s // _SAMPLE_S)))
        above = start
        for k in range(1, samples + 1):
            when = start + timedelta(seconds=span_s * k / samples)
            if self._below(target, when, site):
                return self._crossing(target, above, when, site)
            above = when
        return None

    def _below(self, target: Pointing, when: datetime, site: Site) -> bool:
        return pointing_altaz(target, when, site)[0] < self.min_altitude_deg

    def _crossing(self, target: Pointing, above: datetime, below: datetime, site: Site) -> datetime:
        """Where between an instant above the limit and one below it the target crosses it."""
        while (below - above).total_seconds() > _RESOLUTION_S:
            middle = above + (below - above) / 2
            if self._below(target, middle, site):
                below = middle
            else:
                above = middle
        return below
