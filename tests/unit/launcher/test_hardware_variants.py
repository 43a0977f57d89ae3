"""tango-db/indi and tango-db/alpaca: the default observatory on real drivers, never drifting."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrotango.hardware import Site
from astrotango.launcher import System
from astrotango.launcher.config import devices_of, load_servers, real_hardware
from astrotango.launcher.system import LaunchError
from astrotango.launcher.variants import DRIVERS, hardware_variant, write_variant

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "tango-db"


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_the_committed_variant_is_the_default_observatory_on_the_driver(driver: str) -> None:
    committed = {p.name: json.loads(p.read_text()) for p in (BASE / driver).glob("*.json")}
    regenerate = "run `python -m astrotango.launcher.variants` to regenerate it"
    assert committed == hardware_variant(BASE, driver), f"tango-db/{driver} is stale: {regenerate}"
    assert [s.key for s in load_servers(BASE / driver)] == [s.key for s in load_servers(BASE)]


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_every_telescope_the_driver_serves_and_the_weather_station_are_on_it(driver: str) -> None:
    documents = list(hardware_variant(BASE, driver).values())
    telescopes = devices_of(documents, "Telescope")
    on_driver = {d: p for d, p in telescopes.items() if p.get("Driver") == [driver]}
    optical = ["astro/telescope/t1", "astro/telescope/t2"]
    radio = ["astro/telescope/r1", "astro/telescope/r2"]
    # INDI drives a receiver (indi_simulator_receiver); Alpaca has none: its dishes stay
    served = [*optical, *radio] if driver == "indi" else optical
    assert sorted(on_driver) == sorted(served)
    parameters = {d: json.loads(on_driver[d]["DriverParameters"][0]) for d in served}
    host, port = DRIVERS[driver]
    # the first on the default server (or the environment's), each next one on the next port
    assert [parameters[d].get("server") for d in served] == [
        None,
        *(f"{host}:{port + n}" for n in range(1, len(served))),
    ]
    assert all("SimulatorParameters" not in p and "ClockScale" not in p for p in on_driver.values())
    for dish in radio if driver == "indi" else ():
        assert (parameters[dish]["dome"], parameters[dish]["wheel"]) == (None, None)
    left = [p for d, p in telescopes.items() if d not in on_driver]
    assert all("Driver" not in p for p in left) and len(left) == 4 - len(served)
    assert [p["Source"] for p in devices_of(documents, "WeatherStation").values()] == [[driver]]
    assert real_hardware(BASE / driver) == [*sorted(on_driver), "astro/weather/1"]
    assert real_hardware(BASE) == []


def test_a_session_site_moves_every_telescope_constraint_and_plan(tmp_path: Path) -> None:
    site = Site("night now", 30.0, 120.0, 100.0)
    write_variant(BASE, "indi", tmp_path, site)
    documents = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    sited = [*devices_of(documents, "Telescope").values()]
    sited += devices_of(documents, "OperationalConstraint").values()
    assert sited and all(p["SiteLongitude"] == ["120.0"] for p in sited)
    [scheduler] = devices_of(documents, "Scheduler").values()
    planned = json.loads(scheduler["Telescopes"][0])
    assert planned and all((t["lat_deg"], t["lon_deg"]) == (30.0, 120.0) for t in planned)


def test_the_launcher_refuses_real_hardware_on_simulated_time(tmp_path: Path) -> None:
    start = datetime(2026, 12, 15, 20, tzinfo=UTC)
    system = System(BASE / "indi", tmp_path, sim_start=start, time_scale=60.0)
    with pytest.raises(LaunchError, match=r"astro/telescope/t1.*real time"):
        system.start()
    assert not (tmp_path / "tango_database.db").exists()  # refused before anything started
