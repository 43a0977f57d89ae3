"""The hardware session's set-up: a site at night now, targets high in it, quick gates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from astrotango.client.hardware_session import (
    SESSION_SETTLE_S,
    night_site_now,
    session_constraints,
    session_observation,
    shutter_closed,
)
from astrotango.domain import expand_observation, parse_observation
from astrotango.hardware.sky import radec_to_altaz, sun_radec
from astrotango.launcher.config import devices_of
from astrotango.launcher.variants import write_variant

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # daytime at La Palma


def test_the_session_site_is_at_night_and_both_targets_are_high() -> None:
    site = night_site_now(now=NOW)
    sun_alt, _ = radec_to_altaz(*sun_radec(NOW), NOW, site)
    assert sun_alt < -30.0
    document = session_observation(site, NOW)
    tasks = expand_observation(parse_observation(document), "obs-session")
    assert len(tasks) == 2
    for request in document["requests"]:
        target = request["target"]
        alt, _ = radec_to_altaz(target["ra_deg"], target["dec_deg"], NOW, site)
        assert alt > 70.0
        later, _ = radec_to_altaz(
            target["ra_deg"], target["dec_deg"], NOW + timedelta(minutes=5), site
        )
        assert later < alt  # past the meridian: best observed at once, not at the window's end


def test_session_constraints_settle_quickly_and_drop_the_simulated_camera_gate(
    tmp_path: Path,
) -> None:
    write_variant(ROOT / "tango-db", "indi", tmp_path, night_site_now(now=NOW), weather=False)
    session_constraints(tmp_path)
    documents = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    constraints = devices_of(documents, "OperationalConstraint")
    assert constraints
    assert all(p["StabilityThreshold"] == [repr(SESSION_SETTLE_S)] for p in constraints.values())
    inactive = sorted(d for d, p in constraints.items() if p.get("IsActive") == ["false"])
    assert inactive == ["astro/constraint/camera_temperature"]
    [station] = devices_of(documents, "WeatherStation").values()
    assert "Source" not in station  # the session keeps the simulated weather


def test_an_alpaca_session_takes_darks_on_every_alpaca_telescope(tmp_path: Path) -> None:
    write_variant(ROOT / "tango-db", "alpaca", tmp_path)
    shutter_closed(tmp_path)
    documents = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    telescopes = devices_of(documents, "Telescope").values()
    on_alpaca = [json.loads(p["DriverParameters"][0]) for p in telescopes if "Driver" in p]
    assert len(on_alpaca) == 2 and all(p["shutter_closed"] is True for p in on_alpaca)
