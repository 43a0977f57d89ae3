"""The mount's equatorial frame: ICRS (J2000) as we speak it, or JNow as many mounts do.

ASCOM's ``EquatorialSystem`` says which: 2 (J2000) is taken as ICRS (they differ by ~20 mas),
1 (topocentric) as the apparent place of date on the true equator and equinox (JNow). The
conversion is erfa's (what astropy uses underneath), tens of microseconds, so it runs at every
poll. Diurnal aberration and parallax (< 0.4″ for stars) are left out, as is refraction.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime

import erfa

from astrotango.hardware.sky import julian_date

__all__ = ["Frame", "frame_for", "icrs_to_mount", "mount_to_icrs"]

#: TT - UTC since 2017 (37 leap seconds + 32.184 s); an error of seconds moves nothing here.
_TT_MINUS_UTC_S = 69.184
_EQU_TOPOCENTRIC, _EQU_J2000 = 1, 2


class Frame(enum.Enum):
    """The equatorial frame a mount's RightAscension/Declination are in."""

    J2000 = "j2000"
    JNOW = "jnow"


def frame_for(equatorial_system: int, configured: str = "auto") -> Frame:
    """The frame of a mount reporting ``equatorial_system`` (ASCOM EquatorialCoordinateType).

    ``configured`` ("j2000", "jnow") overrides what the mount says; with "auto", 1
    (topocentric) is JNow and anything else J2000 (0 "other" included: the alpaca-simulators
    telescope reports 0 for J2000; 3 J2050 and 4 B1950 are not supported and read as J2000).
    """
    if configured != "auto":
        return Frame(configured)
    return Frame.JNOW if equatorial_system == _EQU_TOPOCENTRIC else Frame.J2000


def _tt(when: datetime) -> tuple[float, float]:
    jd = julian_date(when)
    day = math.floor(jd - 0.5) + 0.5
    return day, jd - day + _TT_MINUS_UTC_S / 86_400.0


def icrs_to_mount(
    ra_deg: float, dec_deg: float, when: datetime, frame: Frame
) -> tuple[float, float]:
    """An ICRS position in the mount's frame at ``when``: (ra, dec), degrees, ra in [0, 360)."""
    if frame is Frame.J2000:
        return ra_deg % 360.0, dec_deg
    tt1, tt2 = _tt(when)
    ri, di, eo = erfa.atci13(
        math.radians(ra_deg), math.radians(dec_deg), 0.0, 0.0, 0.0, 0.0, tt1, tt2
    )
    return math.degrees(float(erfa.anp(ri - eo))), math.degrees(float(di))


def mount_to_icrs(
    ra_deg: float, dec_deg: float, when: datetime, frame: Frame
) -> tuple[float, float]:
    """A position in the mount's frame at ``when`` as ICRS: (ra, dec), degrees, ra in [0, 360)."""
    if frame is Frame.J2000:
        return ra_deg % 360.0, dec_deg
    tt1, tt2 = _tt(when)
    eo = erfa.eo06a(tt1, tt2)
    rc, dc, _ = erfa.atic13(math.radians(ra_deg) + eo, math.radians(dec_deg), tt1, tt2)
    return math.degrees(float(erfa.anp(rc))), math.degrees(float(dc))
