"""Fast sky geometry for mount control and limits: pure ``math``, no astropy.

Good to about 0.02 degrees (no nutation, aberration or refraction; J2000 positions precessed
to the date with the first-order formulae): enough for pointing limits and a simulated mount,
cheap enough to evaluate at every monitor poll.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from astrotango.hardware.types import Site

__all__ = [
    "altaz_to_radec",
    "angular_separation_deg",
    "julian_date",
    "local_sidereal_time_deg",
    "radec_to_altaz",
    "sun_radec",
]

_J2000_JD = 2451545.0
_UNIX_EPOCH_JD = 2440587.5


def julian_date(when: datetime) -> float:
    """Julian date (UTC, as a stand-in for UT1) of a timezone-aware time."""
    return _UNIX_EPOCH_JD + when.astimezone(UTC).timestamp() / 86_400.0


def local_sidereal_time_deg(when: datetime, longitude_deg: float) -> float:
    """Local mean sidereal time, degrees in [0, 360)."""
    d = julian_date(when) - _J2000_JD
    t = d / 36_525.0
    gmst = 280.46061837 + 360.98564736629 * d + 0.000387933 * t * t
    return (gmst + longitude_deg) % 360.0


def _precess(ra_deg: float, dec_deg: float, when: datetime) -> tuple[float, float]:
    """J2000 to mean equator of date, first order (good to arcseconds over decades)."""
    years = (julian_date(when) - _J2000_JD) / 365.25
    m_deg, n_deg = 0.0128116 * years, 0.0055675 * years
    ra, dec = math.radians(ra_deg), math.radians(dec_deg)
    if abs(dec_deg) > 89.0:  # tan(dec) blows up at the pole; the shift there is negligible
        return ra_deg, dec_deg
    d_ra = m_deg + n_deg * math.sin(ra) * math.tan(dec)
    d_dec = n_deg * math.cos(ra)
    return (ra_deg + d_ra) % 360.0, dec_deg + d_dec


def _unprecess(ra_deg: float, dec_deg: float, when: datetime) -> tuple[float, float]:
    ra1, dec1 = _precess(ra_deg, dec_deg, when)
    return (2 * ra_deg - ra1) % 360.0, 2 * dec_deg - dec1


def radec_to_altaz(
    ra_deg: float, dec_deg: float, when: datetime, site: Site
) -> tuple[float, float]:
    """ICRS/J2000 right ascension and declination to (altitude, azimuth east of north)."""
    ra_now, dec_now = _precess(ra_deg, dec_deg, when)
    hour_angle = math.radians(local_sidereal_time_deg(when, site.longitude_deg) - ra_now)
    dec, lat = math.radians(dec_now), math.radians(site.latitude_deg)
    sin_alt = math.sin(dec) * math.sin(lat) + math.cos(dec) * math.cos(lat) * math.cos(hour_angle)
    alt = math.asin(max(-1.0, min(1.0, sin_alt)))
    y = -math.sin(hour_angle) * math.cos(dec)
    x = math.sin(dec) * math.cos(lat) - math.cos(dec) * math.sin(lat) * math.cos(hour_angle)
    return math.degrees(alt), math.degrees(math.atan2(y, x)) % 360.0


def altaz_to_radec(
    alt_deg: float, az_deg: float, when: datetime, site: Site
) -> tuple[float, float]:
    """(Altitude, azimuth) to ICRS/J2000 right ascension and declination."""
    alt, az, lat = (math.radians(v) for v in (alt_deg, az_deg, site.latitude_deg))
    sin_dec = math.sin(alt) * math.sin(lat) + math.cos(alt) * math.cos(lat) * math.cos(az)
    dec = math.asin(max(-1.0, min(1.0, sin_dec)))
    y = -math.sin(az) * math.cos(alt)
    x = math.sin(alt) * math.cos(lat) - math.cos(alt) * math.sin(lat) * math.cos(az)
    hour_angle = math.degrees(math.atan2(y, x))
    ra_now = (local_sidereal_time_deg(when, site.longitude_deg) - hour_angle) % 360.0
    return _unprecess(ra_now, math.degrees(dec), when)


def sun_radec(when: datetime) -> tuple[float, float]:
    """The sun's geocentric right ascension and declination (low-precision almanac formula)."""
    n = julian_date(when) - _J2000_JD
    mean_long = 280.460 + 0.9856474 * n
    anomaly = math.radians(357.528 + 0.9856003 * n)
    ecl_long = math.radians(mean_long + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly))
    obliquity = math.radians(23.439 - 0.0000004 * n)
    ra = math.atan2(math.cos(obliquity) * math.sin(ecl_long), math.cos(ecl_long))
    dec = math.asin(math.sin(obliquity) * math.sin(ecl_long))
    ra_deg, dec_deg = math.degrees(ra) % 360.0, math.degrees(dec)
    return _unprecess(ra_deg, dec_deg, when)  # the formula gives the equinox of date


def angular_separation_deg(
    lon1_deg: float, lat1_deg: float, lon2_deg: float, lat2_deg: float
) -> float:
    """Great-circle distance between two points (ra/dec or az/alt pairs), degrees."""
    lon1, lat1, lon2, lat2 = (math.radians(v) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg))
    d_lon = lon2 - lon1
    num = math.hypot(
        math.cos(lat2) * math.sin(d_lon),
        math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(d_lon),
    )
    den = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(d_lon)
    return math.degrees(math.atan2(num, den))
