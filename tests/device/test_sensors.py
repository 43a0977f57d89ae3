"""WeatherStation and HostTelemetry as devices, and constraints following them through events.

One server subprocess holds the two simulators (a clock 600 times faster than real time,
starting 2026-12-16T01:25Z, five minutes before the default scenario's clouds roll in; a sample
every simulated minute, i.e. every 0.1 s) and two OperationalConstraints on the wall clock
that follow ``windSpeed`` and ``batteryCharge`` by change events.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode
from astrotango.devices.constraint import OperationalConstraint
from astrotango.devices.host_telemetry import HostTelemetry
from astrotango.devices.weather import WeatherStation

SIMULATION = {"ClockScale": 600.0, "SimulationStart": "2026-12-16T01:25:00Z", "SamplePeriod": 60.0}
WEATHER, HOST = "test/weather/1", "test/host/1"
WIND, BATTERY = "test/constraint/wind", "test/constraint/battery"
DEVICES_INFO = [
    {"class": WeatherStation, "devices": [{"name": WEATHER, "properties": SIMULATION}]},
    {"class": HostTelemetry, "devices": [{"name": HOST, "properties": SIMULATION}]},
    {
        "class": OperationalConstraint,
        "devices": [
            {
                "name": WIND,
                "properties": {
                    "SensorDevice": WEATHER,
                    "SensorAttribute": "windSpeed",
                    "MaxValue": 15.0,
                    "MaxDataAge": 1.0,
                    "StoreUrl": "none",
                },
            },
            {
                "name": BATTERY,
                "properties": {
                    "ConstraintType": "battery",
                    "SensorDevice": HOST,
                    "MaxDataAge": 1.0,
                    "StoreUrl": "none",
                },
            },
        ],
    },
]


@pytest.fixture(scope="module")
def context() -> Iterator[MultiDeviceTestContext]:
    # The server below subscribes to events itself. A server forked from a process whose Tango
    # event consumer is alive (earlier tests subscribed) hangs at exit, so start it clean.
    tango.ApiUtil.cleanup()
    with MultiDeviceTestContext(DEVICES_INFO, process=True, timeout=30) as ctx:
        for name in (WIND, BATTERY, WEATHER, HOST):
            ctx.get_device(name).adminMode = AdminMode.ONLINE
        yield ctx


def test_clouds_roll_in_on_the_scenario_timeline(context: Any, events: Any) -> None:
    weather = context.get_device(WEATHER)
    log = events(weather, "cloudCover", "humidity")
    log.wait_for(lambda n, v: n == "cloudcover" and v > 80.0, timeout_s=15)
    assert weather.lastSample >= "2026-12-16T01:35"
    assert 0.0 <= weather.humidity <= 100.0 and weather.windGust >= weather.windSpeed


def test_faults_stop_a_sensor_or_make_it_talk_garbage(context: Any, events: Any) -> None:
    weather = context.get_device(WEATHER)
    wind = context.get_device(WIND)
    log = events(wind, "isOk", "gateState")
    log.wait_for(lambda n, v: n == "isok" and v, timeout_s=5)  # calm: the wind gate is open
    weather.InjectFault(json.dumps({"sensor": "windSpeed", "fault": "fixed", "value": 22.0}))
    log.wait_for(lambda n, v: n == "isok" and not v, timeout_s=5)
    assert json.loads(wind.snapshot)["crossed"]["threshold"] == "max_value"
    weather.InjectFault(json.dumps({"sensor": "windSpeed", "fault": "garbage"}))
    log.wait_for(lambda n, v: n == "gatestate" and v == "BAD", timeout_s=5)
    weather_log = events(weather, "windSpeed")
    bad = [weather_log.wait_for(lambda n, v: n == "windspeed", timeout_s=5)[1] for _ in range(6)]
    assert any(not math.isfinite(v) or v < 0 or v > 120 for v in bad)
    assert not wind.isOk and json.loads(weather.faults) == {"wind_speed": "garbage"}
    weather.InjectFault(json.dumps({"sensor": "windSpeed", "fault": "stale"}))
    log.wait_for(lambda n, v: n == "gatestate" and v == "STALE", timeout_s=5)
    weather.ClearFaults()
    log.wait_for(lambda n, v: n == "isok" and v, timeout_s=5)


def test_bad_fault_requests_name_the_field(context: Any) -> None:
    weather = context.get_device(WEATHER)
    for argument, field in (
        ('{"sensor": "snow", "fault": "stale"}', "sensor"),
        ('{"sensor": "rain", "fault": "melt"}', "fault"),
        ('{"sensor": "rain", "fault": "fixed"}', "value"),
    ):
        with pytest.raises(tango.DevFailed) as info:
            weather.InjectFault(argument)
        assert field in info.value.args[0].desc


def test_host_telemetry_drives_the_battery_constraint(context: Any, events: Any) -> None:
    host = context.get_device(HOST)
    battery = context.get_device(BATTERY)
    log = events(battery, "isOk")
    log.wait_for(lambda n, v: n == "isok" and v, timeout_s=5)
    before = host.freeStorage
    host.RecordWrite(50.0)
    host_log = events(host, "freeStorage")
    host_log.wait_for(lambda n, v: n == "freestorage" and v <= before - 50.0, timeout_s=5)
    assert host.cameraTemperature < 0.0  # the cooler has pulled the camera down
    host.InjectFault(json.dumps({"sensor": "batteryCharge", "fault": "fixed", "value": 12.0}))
    log.wait_for(lambda n, v: n == "isok" and not v, timeout_s=5)
    assert json.loads(battery.snapshot)["crossed"]["threshold"] == "min_value"
    host.ClearFaults()
