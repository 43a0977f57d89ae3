"""ICRS to and from JNow, the apparent place INDI mounts speak (``EQUATORIAL_EOD_COORD``).

JNow here is astropy's TETE: geocentric apparent right ascension and declination on the true
equator and equinox of date (precession, nutation, aberration, light deflection). It goes
through ERFA's CIRS transformations; the star-independent parameters (``apci13``) change by
well under a milliarcsecond a minute, so they are computed once a minute and reused: a
conversion then costs tens of microseconds, cheap enough for every telemetry poll.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime

import erfa
import numpy as np

__all__ = ["JNowFrame", "icrs_to_jnow", "jnow_to_icrs"]

#: How long one set of star-independent parameters is reused, seconds.
_REUSE_S = 60.0


def _tt(when: datetime) -> tuple[float, float]:
    """The two-part Julian date in TT (via UTC and TAI, leap seconds included)."""
    t = when.astimezone(UTC)
    seconds = t.second + t.microsecond / 1e6
    utc1, utc2 = erfa.dtf2d("UTC", t.year, t.month, t.day, t.hour, t.minute, seconds)
    tai1, tai2 = erfa.utctai(utc1, utc2)
    tt1, tt2 = erfa.taitt(tai1, tai2)
    return float(tt1), float(tt2)


class JNowFrame:
    """Converts between ICRS and JNow, reusing the date's parameters for a minute.

    Thread-safe: the cached parameters are replaced whole, never changed in place.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, np.ndarray, float] | None = None  # (unix time, astrom, eo)

    def _params(self, when: datetime) -> tuple[np.ndarray, float]:
        stamp = when.timestamp()
        cached = self._cached
        if cached is None or abs(stamp - cached[0]) > _REUSE_S:
            astrom, eo = erfa.apci13(*_tt(when))
            cached = (stamp, astrom, float(eo))
            with self._lock:
                self._cached = cached
        return cached[1], cached[2]

    def to_jnow(self, ra_deg: float, dec_deg: float, when: datetime) -> tuple[float, float]:
        """ICRS (ra, dec) to JNow (ra, dec) at ``when``, degrees (ra in [0, 360))."""
        astrom, eo = self._params(when)
        ri, di = erfa.atciq(math.radians(ra_deg), math.radians(dec_deg), 0.0, 0.0, 0.0, 0.0, astrom)
        return math.degrees(float(erfa.anp(ri - eo))), math.degrees(float(di))

    def to_icrs(self, ra_deg: float, dec_deg: float, when: datetime) -> tuple[float, float]:
        """JNow (ra, dec) at ``when`` to ICRS (ra, dec), degrees (ra in [0, 360))."""
        astrom, eo = self._params(when)
        rc, dc = erfa.aticq(math.radians(ra_deg) + eo, math.radians(dec_deg), astrom)
        return math.degrees(float(erfa.anp(rc))), math.degrees(float(dc))


_SHARED = JNowFrame()


def icrs_to_jnow(ra_deg: float, dec_deg: float, when: datetime) -> tuple[float, float]:
    """ICRS (ra, dec) to JNow at ``when``, degrees."""
    return _SHARED.to_jnow(ra_deg, dec_deg, when)


def jnow_to_icrs(ra_deg: float, dec_deg: float, when: datetime) -> tuple[float, float]:
    """JNow (ra, dec) at ``when`` to ICRS, degrees."""
    return _SHARED.to_icrs(ra_deg, dec_deg, when)
