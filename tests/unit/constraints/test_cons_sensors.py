"""Sensor simulators on a ManualClock: the scenario timeline, noise, the host model, faults."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astrotango.clock import ManualClock
from astrotango.simulation.sensors import (
    GARBAGE_VALUES,
    WEATHER_SENSORS,
    FaultBoard,
    HostModel,
    Scenario,
    SensorFault,
    SensorPanel,
    WeatherModel,
    load_scenario,
)

NIGHT = datetime(2026, 12, 16, 0, 0, tzinfo=UTC)


def at(hh: int, mm: int) -> datetime:
    return NIGHT + timedelta(hours=hh, minutes=mm)


def test_default_scenario_clouds_roll_in_at_0130_for_40_minutes() -> None:
    scenario = load_scenario()
    model = WeatherModel(scenario)
    assert model.sample(at(1, 20))["cloud_cover"] < 25
    assert model.sample(at(1, 50))["cloud_cover"] > 75  # after the 10-minute ramp
    assert model.sample(at(2, 20))["cloud_cover"] < 25  # 40 minutes later, gone
    assert model.sample(at(3, 45))["rain"] > 1.0 and model.sample(at(2, 45))["rain"] == 0.0


def test_episodes_ramp_and_repeat_daily() -> None:
    scenario = Scenario.model_validate(
        {
            "episodes": [
                {
                    "quantity": "cloud_cover",
                    "at": "01:30",
                    "duration_min": 40,
                    "value": 90,
                    "ramp_min": 10,
                }
            ],
            "weather": {"cloud_cover": {"baseline": 10}},
        }
    )
    assert scenario.episode_value("cloud_cover", 10, at(1, 35)) == pytest.approx(50)
    assert scenario.episode_value("cloud_cover", 10, at(1, 50)) == pytest.approx(90)
    assert scenario.episode_value("cloud_cover", 10, at(2, 5)) == pytest.approx(50)
    assert scenario.episode_value("cloud_cover", 10, at(1, 50) + timedelta(days=1)) == 90


def test_readings_stay_in_physical_range_with_noise() -> None:
    scenario = Scenario.model_validate({"weather": {"humidity": {"baseline": 99, "noise": 20}}})
    model = WeatherModel(scenario, seed=7)
    for minute in range(200):
        for sensor, value in model.sample(NIGHT + timedelta(minutes=minute)).items():
            _, low, high = WEATHER_SENSORS[sensor]
            assert low <= value <= high


def test_host_battery_charges_by_day_and_storage_shrinks_by_night() -> None:
    host = HostModel(load_scenario(), at(0, 0))
    night = host.sample(at(4, 0))
    assert night["battery_charge"] < 80 and night["free_storage"] < 500
    assert night["camera_temperature"] == pytest.approx(-20, abs=0.5)
    noon = host.sample(at(14, 0))
    assert noon["battery_charge"] > night["battery_charge"]
    host.record_write(25.0)
    assert host.sample(at(14, 0))["free_storage"] == pytest.approx(noon["free_storage"] - 25)
    with pytest.raises(ValueError, match="size_gb"):
        host.record_write(-1)


def test_cooler_failure_warms_the_camera() -> None:
    host = HostModel(load_scenario(), at(0, 0))
    assert host.sample(at(4, 59))["camera_temperature"] < -19
    assert host.sample(at(5, 14))["camera_temperature"] > -10  # cooler off 05:00-05:15


def test_faults_injected_and_scheduled() -> None:
    board = FaultBoard(load_scenario(), tuple(WEATHER_SENSORS))
    values = dict.fromkeys(WEATHER_SENSORS, 1.0)
    assert "wind_speed" not in board.apply(values, at(4, 35))  # scheduled: stops updating
    board.inject("rain", SensorFault.GARBAGE)
    garbage = board.apply(values, at(0, 0))["rain"]
    assert garbage in GARBAGE_VALUES or math.isnan(garbage)
    board.inject("rain", SensorFault.FIXED, 3.0)
    assert board.apply(values, at(0, 0))["rain"] == 3.0
    board.clear()
    assert board.apply(values, at(0, 0)) == values
    with pytest.raises(ValueError, match="sensor"):
        board.inject("snow", SensorFault.STALE)


def test_scenario_files_yaml_and_json(tmp_path: Path) -> None:
    path = tmp_path / "storm.json"
    path.write_text(
        json.dumps(
            {
                "name": "storm",
                "faults": [
                    {
                        "sensor": "rain",
                        "fault": "garbage",
                        "at": "2026-12-16T02:00:00Z",
                        "duration_min": 5,
                    }
                ],
            }
        )
    )
    scenario = load_scenario(path)
    assert scenario.name == "storm" and scenario.fault_at("rain", at(2, 1)) is not None
    assert scenario.fault_at("rain", at(2, 1) + timedelta(days=1)) is None  # ISO: once only
    bad = tmp_path / "bad.yaml"
    bad.write_text("episodes: [{quantity: rain, at: '25:00', duration_min: 5, value: 1}]")
    with pytest.raises(ValueError):
        load_scenario(bad)


def test_panel_feed_on_a_manual_clock() -> None:
    clock = ManualClock(at(1, 0))
    pushed: list[tuple[str, object]] = []
    panel = SensorPanel(
        tuple(WEATHER_SENSORS),
        WeatherModel(load_scenario()).sample,
        load_scenario(),
        clock,
        60.0,
        lambda n, v: pushed.append((n, v)),
    )
    panel.feed.start()
    try:
        deadline = time.monotonic() + 5
        while not pushed and time.monotonic() < deadline:
            time.sleep(0.01)
        first = len(pushed)
        clock.advance(60)
        while len(pushed) == first and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(pushed) == 2 * first and ("lastSample", at(1, 1).isoformat()) in pushed
    finally:
        panel.feed.stop()
    panel.inject({"sensor": "windSpeed", "fault": "fixed", "value": 30})
    panel.feed.step()
    assert panel.value("windSpeed") == 30.0 and panel.active_faults() == {"wind_speed": "fixed"}
    for request, field in (
        ({"sensor": "rain", "fault": "x"}, "fault"),
        ([], "argument"),
        ({"sensor": "rain", "fault": "fixed", "value": "1"}, "value"),
    ):
        with pytest.raises(ValueError, match=field):
            panel.inject(request)
