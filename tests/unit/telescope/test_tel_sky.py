"""The fast sky formulae against astropy at fixed UTC times, and the mount limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tel_rig import LA_PALMA, NIGHT

import astrotango.astro  # noqa: F401  (offline astropy first)
from astrotango.hardware import (
    EquatorialPointing,
    HorizontalPointing,
    LimitViolation,
    MountLimits,
    altaz_to_radec,
    angular_separation_deg,
    radec_to_altaz,
    sun_radec,
)

TIMES = [NIGHT, datetime(2026, 6, 21, 4, 30, tzinfo=UTC), datetime(2026, 9, 1, 12, 0, tzinfo=UTC)]
POSITIONS = [(79.172, 45.998), (10.6847, 41.269), (200.0, -80.0), (300.0, 20.0), (83.8, -5.4)]


@pytest.mark.parametrize("when", TIMES)
@pytest.mark.parametrize(("ra", "dec"), POSITIONS)
def test_altaz_matches_astropy_within_a_few_arcminutes(
    when: datetime, ra: float, dec: float
) -> None:
    from astropy import units
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord
    from astropy.time import Time

    location = EarthLocation(
        lat=LA_PALMA.latitude_deg * units.deg,
        lon=LA_PALMA.longitude_deg * units.deg,
        height=LA_PALMA.elevation_m * units.m,
    )
    expected = SkyCoord(ra * units.deg, dec * units.deg).transform_to(
        AltAz(obstime=Time(when), location=location)
    )
    alt, az = radec_to_altaz(ra, dec, when, LA_PALMA)
    offset = angular_separation_deg(az, alt, float(expected.az.deg), float(expected.alt.deg))
    assert offset < 0.03
    back_ra, back_dec = altaz_to_radec(alt, az, when, LA_PALMA)
    assert angular_separation_deg(back_ra, back_dec, ra, dec) < 0.01


@pytest.mark.parametrize("when", TIMES)
def test_the_sun_matches_astropy(when: datetime) -> None:
    from astropy.coordinates import get_sun
    from astropy.time import Time

    sun = get_sun(Time(when))
    ra, dec = sun_radec(when)
    assert angular_separation_deg(ra, dec, float(sun.ra.deg), float(sun.dec.deg)) < 0.03


def test_limits_name_the_target_the_time_and_the_values() -> None:
    limits = MountLimits(min_altitude_deg=15.0, min_sun_separation_deg=30.0)
    assert limits.violation(EquatorialPointing(79.172, 45.998, "Capella"), NIGHT, LA_PALMA) is None
    with pytest.raises(LimitViolation) as info:
        limits.check(HorizontalPointing(10.0, 0.0, "low"), NIGHT, LA_PALMA)
    assert str(info.value) == (
        "target 'low' is below the horizon limit at 2026-12-15T23:00:00Z: "
        "altitude 10.0 deg < 15.0 deg"
    )
    noon = datetime(2026, 12, 15, 14, 0, tzinfo=UTC)
    sun_alt, sun_az = radec_to_altaz(*sun_radec(noon), noon, LA_PALMA)
    near = limits.violation(HorizontalPointing(sun_alt + 10.0, sun_az, "near"), noon, LA_PALMA)
    assert near is not None and near.limit == "sun"
