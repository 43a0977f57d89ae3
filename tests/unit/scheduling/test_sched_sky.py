"""The vectorised sky model against astropy's own transforms (refraction off)."""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time
from conftest import LA_PALMA

from astrotango.scheduling import Site, TimeGrid
from astrotango.scheduling.ephemeris import compute_ephemeris
from astrotango.scheduling.sky import (
    airmass,
    altitude_deg,
    hour_angle_rad,
    moon_separation_deg,
    site_sky,
    target_vectors,
)

SITES = [LA_PALMA, Site("Siding Spring", -31.2733, 149.0617, 1165.0)]
SAMPLES = [0, 217, 840]


def _location(site: Site) -> EarthLocation:
    return EarthLocation.from_geodetic(
        site.lon_deg * u.deg, site.lat_deg * u.deg, site.elevation_m * u.m
    )


@pytest.fixture(scope="module")
def targets() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.uniform(0, 360, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))


@pytest.mark.parametrize("site", SITES, ids=lambda s: s.name)
def test_altitude_and_moon_match_astropy(site: Site, grid: TimeGrid, targets) -> None:
    ra, dec = targets
    ephem = compute_ephemeris(grid)
    sky = site_sky(ephem, site)
    vec = target_vectors(ra, dec, ephem)
    alt, sep = altitude_deg(vec, sky), moon_separation_deg(vec, sky)
    loc = _location(site)
    coords = SkyCoord(ra=ra * u.deg, dec=dec * u.deg)
    for i in SAMPLES:
        t = Time(grid.at(i * 60.0))
        frame = AltAz(obstime=t, location=loc, pressure=0 * u.hPa)
        assert np.abs(coords.transform_to(frame).alt.deg - alt[:, i]).max() < 0.1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            moon_sep = get_body("moon", t, location=loc).separation(coords).deg
        assert np.abs(moon_sep - sep[:, i]).max() < 0.1
        sun_alt = get_body("sun", t, location=loc).transform_to(frame).alt.deg
        assert abs(sun_alt - sky.sun_alt_deg[i]) < 0.05


def test_airmass_is_secz_and_hour_angle_wraps(grid: TimeGrid, targets) -> None:
    ra, dec = targets
    ephem = compute_ephemeris(grid)
    sky = site_sky(ephem, LA_PALMA)
    vec = target_vectors(ra, dec, ephem)
    alt = altitude_deg(vec, sky)
    am = airmass(vec, sky)
    up = alt > 1.0
    np.testing.assert_allclose(am[up], 1 / np.sin(np.radians(alt[up])), rtol=1e-4)
    assert np.all(np.isinf(am[alt <= 0]))
    ha = hour_angle_rad(vec, sky)
    assert ha.min() >= -np.pi - 1e-6 and ha.max() <= np.pi + 1e-6


def test_moon_illumination_matches_astroplan(grid: TimeGrid) -> None:
    from astroplan import moon_illumination

    sky = site_sky(compute_ephemeris(grid), LA_PALMA)
    times = Time([grid.at(i * 60.0) for i in SAMPLES])
    np.testing.assert_allclose(sky.moon_illumination[SAMPLES], moon_illumination(times), atol=0.01)
