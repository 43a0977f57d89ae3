"""The sun for the computed constraints: its altitude at a site, its distance from a pointing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import astropy.units as u
from astropy.coordinates import AltAz, EarthLocation, angular_separation, get_sun
from astropy.time import Time

import astrotango.astro  # noqa: F401  (offline astropy configuration, before coordinates)

__all__ = ["SiteLocation", "sun_altitude_deg", "sun_separation_deg"]


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
    time = Time(when)
    frame = AltAz(obstime=time, location=site.earth_location())
    return float(get_sun(time).transform_to(frame).alt.deg)


def sun_separation_deg(ra_deg: float, dec_deg: float, when: datetime) -> float:
    """Angular distance from an ICRS pointing to the (geocentric) sun at ``when``, degrees."""
    sun = get_sun(Time(when))
    separation = angular_separation(ra_deg * u.deg, dec_deg * u.deg, sun.ra, sun.dec)
    return float(separation.to_value(u.deg))
