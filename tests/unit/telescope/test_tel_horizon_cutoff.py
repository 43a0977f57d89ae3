"""No acquisition starts that its target would not see to the end above the horizon limit.

Sample nights had dishes and mounts tracking a setting target until "tracking stopped at the
horizon limit", failing the task mid-exposure. Now the executor asks the mount's limits,
before each exposure or integration, whether the target stays up until it ends; if not, the
task is cut there and completes with what it captured when that meets its acceptability
threshold, else fails (and the controller re-queues it).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time
from tel_rig import LA_PALMA, NIGHT, RADIO, Reports, Rig, task_spec

import astrotango.astro  # noqa: F401  (astropy offline)
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import EquatorialPointing, HorizontalPointing, MountLimits
from astrotango.hardware.sky import altaz_to_radec, local_sidereal_time_deg

_HORIZON = MountLimits().min_altitude_deg  # the simulated mount's default limit


def astropy_alt(target: EquatorialPointing, when: datetime) -> float:
    """Altitude of ``target`` at La Palma at ``when`` with plain astropy (no refraction)."""
    site = EarthLocation(
        lat=LA_PALMA.latitude_deg * units.deg,
        lon=LA_PALMA.longitude_deg * units.deg,
        height=LA_PALMA.elevation_m * units.m,
    )
    star = SkyCoord(ra=target.ra_deg * units.deg, dec=target.dec_deg * units.deg)
    return float(star.transform_to(AltAz(obstime=Time(when), location=site)).alt.deg)


def setting_at(when: datetime, name: str = "Setting star") -> dict[str, Any]:
    """A fixed star that sinks through the horizon limit, in the west, at ``when``."""
    ra, dec = altaz_to_radec(_HORIZON, 280.0, when, LA_PALMA)
    return {"name": name, "ra_deg": ra, "dec_deg": dec}


def run_task(rig: Rig, spec: Any) -> Reports:
    reports = Reports()
    status, _ = rig.cm.submit_task(rig.cm.prepare_task(spec), reports)
    assert status is TaskStatus.QUEUED
    return reports


def acquired(asset: Any) -> tuple[datetime, datetime]:
    """When an asset's acquisition began and ended (its header)."""
    began = datetime.fromisoformat(str(asset.header["DATE-OBS"])).replace(tzinfo=UTC)
    length = asset.header.get("EXPTIME", asset.header.get("INTTIME"))
    return began, began + timedelta(seconds=float(length))


# -- the prediction: MountLimits.horizon_reached, checked against astropy ------------------

_LOWER_CULMINATION_RA = (local_sidereal_time_deg(NIGHT, LA_PALMA.longitude_deg) - 180.0) % 360


@pytest.mark.parametrize(
    ("target", "limit_deg", "start", "span_s", "sets"),
    [
        # M31 sinks in the west through 40 deg a little after midnight
        (EquatorialPointing(10.6847, 41.269, "M31"), 40.0, NIGHT, 7_200, True),
        # ... and stays above 15 deg for the next hour
        (EquatorialPointing(10.6847, 41.269, "M31"), 15.0, NIGHT, 3_600, False),
        # Capella is rising: it stays above 60 deg
        (EquatorialPointing(79.172, 45.998, "Capella"), 60.0, NIGHT, 3_600, False),
        # already below the limit: at once
        (EquatorialPointing(79.172, 45.998, "Capella"), 63.0, NIGHT, 600, True),
        # circumpolar, at lower culmination (8.8 deg) mid-span, above 15 deg at both ends
        (
            EquatorialPointing(_LOWER_CULMINATION_RA, 70.0, "Circumpolar"),
            15.0,
            NIGHT - timedelta(hours=4),
            8 * 3_600,
            True,
        ),
    ],
)
def test_the_instant_a_target_reaches_the_horizon_limit_agrees_with_astropy(
    target: EquatorialPointing, limit_deg: float, start: datetime, span_s: float, sets: bool
) -> None:
    limits = MountLimits(min_altitude_deg=limit_deg)
    end = start + timedelta(seconds=span_s)
    reached = limits.horizon_reached(target, start, end, LA_PALMA)
    if not sets:
        assert reached is None
        for k in range(7):  # astropy agrees it stays up
            assert astropy_alt(target, start + (end - start) * k / 6) > limit_deg
        return
    assert reached is not None and start <= reached <= end
    if reached == start:
        assert astropy_alt(target, start) < limit_deg
        return
    margin = timedelta(seconds=30)  # the fast sky model is good to ~0.02 deg, a few seconds
    assert astropy_alt(target, reached - margin) > limit_deg > astropy_alt(target, reached + margin)


def test_a_fixed_alt_az_pointing_never_reaches_the_limit_while_above_it() -> None:
    limits = MountLimits()
    field = HorizontalPointing(80.0, 0.0, "zenith field")
    assert limits.horizon_reached(field, NIGHT, NIGHT + timedelta(hours=6), LA_PALMA) is None


# -- the executor ---------------------------------------------------------------------------


@pytest.mark.parametrize(("acceptability", "status"), [(0.2, "completed"), (0.9, "failed")])
def test_no_exposure_starts_that_the_target_would_not_see_to_the_end(
    rig: Rig, acceptability: float, status: str
) -> None:
    sets = rig.clock.now() + timedelta(seconds=420)  # about 10 of the 20 frames
    request = {
        "type": "optical_imaging",
        "target": setting_at(sets),
        "exposures": [{"filter": "r", "exposure_s": 30, "count": 20}],
        "acceptability_threshold": acceptability,
    }
    final, (code, message) = run_task(rig, task_spec(request)).final(timeout_s=60)
    assert final.name.lower() == status, message
    assert code == (ResultCode.OK if status == "completed" else ResultCode.FAILED)
    assert "tracking stopped" not in message and "lost the target" not in message
    found = re.search(r"cut before the horizon limit at (\d\d:\d\d) UTC", message)
    assert found, message
    near = {f"{sets + timedelta(seconds=s):%H:%M}" for s in (-5, 0, 5)}
    assert found[1] in near, message
    assert 0 < len(rig.assets) < 20
    assert all(not asset.partial for asset in rig.assets)
    for asset in rig.assets:
        assert acquired(asset)[1] <= sets, asset.header["DATE-OBS"]


def test_a_dish_stops_integrating_before_its_target_sets(make_rig: Any) -> None:
    """The Cygnus tasks on r1/r2 failed "tracking stopped at the horizon limit"."""
    rig = make_rig(instruments=RADIO, has_enclosure=False)
    sets = rig.clock.now() + timedelta(seconds=400)
    request = {
        "type": "radio_tracking",
        "target": setting_at(sets, "Cygnus field"),
        "frequency_ghz": 1.42,
        "duration_s": 1_200,
    }
    final, (code, message) = run_task(rig, task_spec(request)).final(timeout_s=60)
    assert (final, code) == (TaskStatus.FAILED, ResultCode.FAILED), message
    assert "cut before the horizon limit at" in message and "acceptability 90%" in message
    assert "tracking stopped" not in message
    assert 0 < len(rig.assets) < 20
    for asset in rig.assets:
        assert not asset.partial and acquired(asset)[1] <= sets, asset.header["DATE-OBS"]


def test_a_target_that_stays_up_is_not_cut(rig: Rig) -> None:
    request = {
        "type": "optical_imaging",
        "target": setting_at(rig.clock.now() + timedelta(hours=3)),
        "exposures": [{"filter": "r", "exposure_s": 30, "count": 4}],
    }
    final, (code, message) = run_task(rig, task_spec(request)).final(timeout_s=60)
    assert (final, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
    assert "cut" not in message
    assert len(rig.assets) == 4 and all(not asset.partial for asset in rig.assets)
