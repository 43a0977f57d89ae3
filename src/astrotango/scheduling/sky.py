"""The vectorised sky model: per site sun, moon and sidereal time once, targets as arrays.

For a site, :func:`site_sky` turns the grid's :class:`Ephemeris` into the zenith direction,
the sun's and moon's altitudes, the topocentric moon direction and its illuminated fraction
per sample. Target quantities are then matrix products over (targets x times): ``sin(alt)``
is the dot product of the target's direction with the zenith, the moon separation the dot
product with the topocentric moon. Everything is in the true equator and equinox of date,
so precession and nutation are accounted for; refraction is off (airmass = sec z).
"""

from __future__ import annotations

from dataclasses import dataclass

import erfa
import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.ephemeris import Ephemeris
from astrotango.scheduling.site import Site

__all__ = [
    "SiteSky",
    "airmass",
    "altitude_deg",
    "hour_angle_rad",
    "moon_separation_deg",
    "sin_altitude",
    "site_sky",
    "target_vectors",
]

AU_M = 149_597_870_700.0
F32 = NDArray[np.float32]
F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SiteSky:
    """Per-sample sky of one site.

    Attributes:
        site: The site.
        lst_rad: Local apparent sidereal time, radians, (n,).
        zenith: Unit zenith (geodetic normal) in the frame of date, (n, 3).
        sun_alt_deg: Sun altitude, degrees, (n,).
        moon_dir: Unit topocentric moon direction in the frame of date, (n, 3).
        moon_alt_deg: Topocentric moon altitude, degrees, (n,).
        moon_illumination: Illuminated fraction of the moon, 0..1, (n,).
    """

    site: Site
    lst_rad: F64
    zenith: F64
    sun_alt_deg: F64
    moon_dir: F64
    moon_alt_deg: F64
    moon_illumination: F64


def _unit(v: F64) -> F64:
    out: F64 = v / np.linalg.norm(v, axis=-1, keepdims=True)
    return out


def site_sky(ephem: Ephemeris, site: Site) -> SiteSky:
    """Compute the sky of ``site`` on the ephemeris grid (no astropy call)."""
    lat, lon = np.radians(site.lat_deg), np.radians(site.lon_deg)
    lst = ephem.gast_rad + lon
    zenith = np.stack(
        [np.cos(lat) * np.cos(lst), np.cos(lat) * np.sin(lst), np.full_like(lst, np.sin(lat))],
        axis=1,
    )
    xyz = np.asarray(erfa.gd2gc(1, lon, lat, site.elevation_m), float) / AU_M
    cg, sg = np.cos(ephem.gast_rad), np.sin(ephem.gast_rad)
    obs = np.stack(
        [xyz[0] * cg - xyz[1] * sg, xyz[0] * sg + xyz[1] * cg, np.full_like(cg, xyz[2])], 1
    )
    moon_topo = ephem.moon_au - obs
    moon_dir = _unit(moon_topo)
    sun_dir = _unit(ephem.sun_au - obs)
    sun_alt = np.degrees(np.arcsin(np.clip(np.sum(sun_dir * zenith, axis=1), -1, 1)))
    moon_alt = np.degrees(np.arcsin(np.clip(np.sum(moon_dir * zenith, axis=1), -1, 1)))
    r_sun = np.linalg.norm(ephem.sun_au, axis=1)
    r_moon = np.linalg.norm(ephem.moon_au, axis=1)
    cos_elong = np.clip(np.sum(_unit(ephem.sun_au) * _unit(ephem.moon_au), axis=1), -1, 1)
    elong = np.arccos(cos_elong)
    phase = np.arctan2(r_sun * np.sin(elong), r_moon - r_sun * cos_elong)
    return SiteSky(
        site=site,
        lst_rad=lst,
        zenith=zenith,
        sun_alt_deg=sun_alt,
        moon_dir=moon_dir,
        moon_alt_deg=moon_alt,
        moon_illumination=(1.0 + np.cos(phase)) / 2.0,
    )


def target_vectors(ra_deg: F64, dec_deg: F64, ephem: Ephemeris) -> F64:
    """Apparent unit directions (n, 3) of ICRS targets in the frame of date.

    Annual aberration (first order), precession and nutation are applied; the error left
    (light deflection, diurnal aberration, polar motion) is below an arcsecond.
    """
    ra, dec = np.radians(np.asarray(ra_deg, float)), np.radians(np.asarray(dec_deg, float))
    icrs = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=1)
    out: F64 = _unit(icrs + ephem.earth_velocity_c[None, :]) @ ephem.icrs_to_date.T
    return out


def sin_altitude(vectors: F64, sky: SiteSky) -> F32:
    """Sine of the geometric altitude, (targets, times), float32."""
    out: F32 = (vectors @ sky.zenith.T).astype(np.float32)
    return out


def altitude_deg(vectors: F64, sky: SiteSky) -> F32:
    """Geometric altitude (refraction off), degrees, (targets, times)."""
    out: F32 = np.degrees(np.arcsin(np.clip(sin_altitude(vectors, sky), -1, 1)))
    return out


def airmass(vectors: F64, sky: SiteSky) -> F32:
    """Airmass as sec z (astropy's ``secz``), ``inf`` at or below the horizon."""
    s = sin_altitude(vectors, sky)
    with np.errstate(divide="ignore"):
        out: F32 = np.where(s > 0, 1.0 / np.maximum(s, 1e-9), np.inf).astype(np.float32)
    return out


def hour_angle_rad(vectors: F64, sky: SiteSky) -> F32:
    """Hour angle in (-pi, pi], radians, (targets, times)."""
    ra = np.arctan2(vectors[:, 1], vectors[:, 0])
    ha = sky.lst_rad[None, :] - ra[:, None]
    out: F32 = (np.mod(ha + np.pi, 2 * np.pi) - np.pi).astype(np.float32)
    return out


def moon_separation_deg(vectors: F64, sky: SiteSky) -> F32:
    """Topocentric moon-target separation, degrees, (targets, times)."""
    c = np.clip((vectors @ sky.moon_dir.T).astype(np.float32), -1, 1)
    out: F32 = np.degrees(np.arccos(c))
    return out
