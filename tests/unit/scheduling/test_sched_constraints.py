"""Each gate's mask against hand-computed cases at fixed UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time
from conftest import LA_PALMA, START

from astrotango.scheduling import SchedulableTask, TaskConstraints, Telescope, TimeGrid
from astrotango.scheduling.constraints import (
    AirmassConstraint,
    AltitudeConstraint,
    AvailabilityConstraint,
    CadenceConstraint,
    CapabilityConstraint,
    MoonIlluminationConstraint,
    MoonSeparationConstraint,
    TimeWindowConstraint,
    TwilightConstraint,
)
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.ephemeris import compute_ephemeris
from astrotango.scheduling.feasibility import block_starts
from astrotango.scheduling.sky import site_sky
from astrotango.scheduling.task_arrays import task_arrays

MIDNIGHT = datetime(2026, 12, 16, 0, tzinfo=UTC)
LOC = EarthLocation.from_geodetic(
    LA_PALMA.lon_deg * u.deg, LA_PALMA.lat_deg * u.deg, LA_PALMA.elevation_m * u.m
)


def ctx_for(
    grid: TimeGrid, tasks: list[SchedulableTask], telescope: Telescope | None = None
) -> EvalContext:
    ephem = compute_ephemeris(grid)
    return EvalContext(grid, site_sky(ephem, LA_PALMA), task_arrays(tasks, grid, ephem), telescope)


def moon_icrs(at: datetime) -> SkyCoord:
    """Topocentric apparent moon direction (GCRS ra/dec; never via barycentric ICRS)."""
    return get_body("moon", Time(at), location=LOC)


def test_never_rises_from_la_palma(grid: TimeGrid) -> None:
    ctx = ctx_for(grid, [SchedulableTask("south", 10.0, -80.0, 600.0)])
    assert not AltitudeConstraint().mask(ctx).any()


def test_altitude_and_airmass_follow_astropy(grid: TimeGrid) -> None:
    task = SchedulableTask("m31", 10.68, 41.27, 600.0, constraints=TaskConstraints(max_airmass=1.5))
    ctx = ctx_for(grid, [task])
    alt_ok, am_ok = AltitudeConstraint().mask(ctx)[0], AirmassConstraint().mask(ctx)[0]
    times = Time(START) + np.arange(grid.n) * 60 * u.s
    altaz = SkyCoord(ra=10.68 * u.deg, dec=41.27 * u.deg).transform_to(
        AltAz(obstime=times, location=LOC, pressure=0 * u.hPa)
    )
    clear = np.abs(altaz.alt.deg - np.degrees(np.arcsin(1 / 1.5))) > 0.1
    np.testing.assert_array_equal(
        am_ok[clear], (altaz.secz <= 1.5)[clear] & (altaz.alt.deg > 0)[clear]
    )
    assert np.array_equal(
        alt_ok[np.abs(altaz.alt.deg) > 0.1], (altaz.alt.deg > 0)[np.abs(altaz.alt.deg) > 0.1]
    )
    assert am_ok.any() and not am_ok.all()


@pytest.mark.parametrize(
    ("twilight", "limit"), [("astronomical", -18.0), ("nautical", -12.0), ("civil", -6.0)]
)
def test_twilight_from_sun_altitude(grid: TimeGrid, twilight: str, limit: float) -> None:
    task = SchedulableTask("t", 0.0, 0.0, 600.0, constraints=TaskConstraints(twilight=twilight))  # type: ignore[arg-type]
    ok = TwilightConstraint().mask(ctx_for(grid, [task]))[0]
    times = Time(START) + np.arange(0, grid.n, 10) * 60 * u.s
    sun = (
        get_body("sun", times, location=LOC)
        .transform_to(AltAz(obstime=times, location=LOC))
        .alt.deg
    )
    clear = np.abs(sun - limit) > 0.1
    np.testing.assert_array_equal(ok[::10][clear], (sun <= limit)[clear])


def test_target_five_degrees_from_the_moon_is_blocked_all_night(grid: TimeGrid) -> None:
    moon = moon_icrs(MIDNIGHT)
    near = SchedulableTask(
        "near-moon",
        float(moon.ra.deg),
        float(moon.dec.deg) + 5.0,
        600.0,
        constraints=TaskConstraints(min_moon_separation_deg=30.0),
    )
    far = SchedulableTask(
        "far",
        (float(moon.ra.deg) + 180.0) % 360.0,
        -float(moon.dec.deg),
        600.0,
        constraints=TaskConstraints(min_moon_separation_deg=30.0),
    )
    mask = MoonSeparationConstraint().mask(ctx_for(grid, [near, far]))
    assert not mask[0].any()
    assert mask[1].all()


def test_moon_illumination_only_while_the_moon_is_up(grid: TimeGrid) -> None:
    task = SchedulableTask(
        "t", 0.0, 0.0, 600.0, constraints=TaskConstraints(max_moon_illumination=0.1)
    )
    ctx = ctx_for(grid, [task])
    ok = MoonIlluminationConstraint().mask(ctx)[0]
    np.testing.assert_array_equal(ok, ctx.sky.moon_alt_deg < 0)  # moon ~37 % lit that night


def test_time_window_and_cadence(grid: TimeGrid) -> None:
    w0, w1 = datetime(2026, 12, 15, 21, 10, tzinfo=UTC), datetime(2026, 12, 16, 0, 40, tzinfo=UTC)
    task = SchedulableTask(
        "w", 0.0, 0.0, 600.0, time_window=(w0, w1), cadence_next_eligible=w0 + timedelta(hours=1)
    )
    ctx = ctx_for(grid, [task])
    win, cad = TimeWindowConstraint().mask(ctx)[0], CadenceConstraint().mask(ctx)[0]
    i0, i1 = int(grid.offset_s(w0) // 60), int(grid.offset_s(w1) // 60)
    assert win[i0 : i1 + 1].all() and not win[:i0].any() and not win[i1 + 1 :].any()
    assert cad[i0 + 60 :].all() and not cad[: i0 + 60].any()


def test_capability_and_availability(grid: TimeGrid) -> None:
    radio = SchedulableTask("r", 0.0, 0.0, 600.0, required_capability="radio")
    wide = SchedulableTask("w", 0.0, 0.0, 600.0, fov_need_deg=3.0)
    plain = SchedulableTask("p", 0.0, 0.0, 600.0)
    later = START + timedelta(hours=2)
    tel = Telescope("T1", LA_PALMA, frozenset({"optical"}), fov_deg=1.0, unavailable_until=later)
    ctx = ctx_for(grid, [radio, wide, plain], tel)
    assert CapabilityConstraint().mask(ctx)[:, 0].tolist() == [False, False, True]
    avail = AvailabilityConstraint().mask(ctx)[0]
    assert not avail[:120].any() and avail[120:].all()
    off = ctx_for(grid, [plain], Telescope("T2", LA_PALMA, available=False))
    assert not AvailabilityConstraint().mask(off).any()


def test_block_starts_needs_every_covered_sample() -> None:
    mask = np.array([[1, 1, 1, 0, 1, 1, 1, 1]], dtype=bool)
    assert block_starts(mask, np.array([2])).tolist() == [
        [True, False, False, False, True, True, False, False]
    ]
