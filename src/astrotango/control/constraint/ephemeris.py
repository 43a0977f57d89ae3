"""The sun for the computed constraints: its altitude at a site, its distance from a pointing.

astropy computes the sun (``get_sun``, then ``AltAz`` for a site) at two-minute nodes of a
UTC day, in one vectorised call per day and site, cached; a reading between nodes is
interpolated linearly. The interpolation is good to a few thousandths of a degree (the
altitude's curvature over two minutes), far inside what a gate can tell (refraction alone
is half a degree), and a reading costs microseconds instead of the ~10 ms of a full astropy
transform at every reading (every mount telemetry event, for the separation).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime

import astropy.units as u
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, get_sun
from astropy.time import Time

import astrotango.astro  # noqa: F401  (offline astropy configuration, before coordinates)
from astrotango.hardware.sky import angular_separation_deg

__all__ = ["SiteLocation", "sun_altitude_deg", "sun_separation_deg"]

_DAY_S = 86400.0
_NODE_S = 120.0


@dataclass(frozen=True, slots=True)
class SiteLocation:
    """Where the observatory is: degrees (east and north positive) and metres."""

    latitude_deg: float
    longitude_deg: float
    elevation_m: float = 0.0

    def earth_location(self) -> EarthLocation:
        """The astropy location."""
        return EarthLocation.from_geodetic(
            self.longitude_deg * u.deg, self.latitude_deg * u.deg, self.elevation_m * u.m
        )


def sun_altitude_deg(when: datetime, site: SiteLocation) -> float:
    """The sun's altitude above the horizon at ``site`` at ``when`` (no refraction), degrees."""
    t = when.timestamp()
    nodes, altitude = _sun_altitudes(math.floor(t / _DAY_S), site)
    return float(np.interp(t, nodes, altitude))


def sun_separation_deg(ra_deg: float, dec_deg: float, when: datetime) -> float:
    """Angular distance from an ICRS pointing to the (geocentric) sun at ``when``, degrees."""
    t = when.timestamp()
    nodes, ra, dec = _sun_positions(math.floor(t / _DAY_S))
    sun_ra, sun_dec = float(np.interp(t, nodes, ra)), float(np.interp(t, nodes, dec))
    return angular_separation_deg(ra_deg, dec_deg, sun_ra % 360.0, sun_dec)


def _nodes(day: int) -> np.ndarray:
    """The node times (Unix seconds) of UTC day ``day``, its end included."""
    return day * _DAY_S + np.arange(0.0, _DAY_S + _NODE_S, _NODE_S)


@functools.lru_cache(maxsize=8)
def _sun_positions(day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The geocentric sun's right ascension (unwrapped) and declination at the day's nodes."""
    nodes = _nodes(day)
    sun = get_sun(Time(nodes, format="unix"))
    ra = np.degrees(np.unwrap(sun.ra.rad))
    return nodes, ra, np.asarray(sun.dec.deg, dtype=np.float64)


@functools.lru_cache(maxsize=16)
def _sun_altitudes(day: int, site: SiteLocation) -> tuple[np.ndarray, np.ndarray]:
    """The sun's altitude at ``site`` at the day's nodes."""
    nodes = _nodes(day)
    times = Time(nodes, format="unix")
    frame = AltAz(obstime=times, location=site.earth_location())
    return nodes, np.asarray(get_sun(times).transform_to(frame).alt.deg, dtype=np.float64)
