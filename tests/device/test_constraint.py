"""OperationalConstraint through a real client in another process (wall clock, short times).

A ``weather_sensor`` constraint fed by ``PushReading``: stability 0.6 s, max data age 1.5 s,
``maxValue`` 15 (wind, m/s). The snapshots go to a SQLite store in a temporary directory.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tango
from tango.test_context import DeviceTestContext

from astrotango.control_model import AdminMode
from astrotango.devices.constraint import OperationalConstraint
from astrotango.store import open_store

STABILITY_S, MAX_AGE_S = 0.6, 1.5


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{Path(tmp_path_factory.mktemp('store')) / 'snapshots.db'}"


@pytest.fixture(scope="module")
def device(store_url: str) -> Iterator[tango.DeviceProxy]:
    properties = {
        "ConstraintType": "weather_sensor",
        "SensorAttribute": "windSpeed",
        "MaxValue": 15.0,
        "StabilityThreshold": STABILITY_S,
        "MaxDataAge": MAX_AGE_S,
        "StoreUrl": store_url,
    }
    with DeviceTestContext(
        OperationalConstraint, properties=properties, process=True, timeout=30
    ) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def is_ok(expected: bool) -> Any:
    return lambda name, value: name == "isok" and bool(value) is expected


def test_a_gate_not_yet_judged_is_standby_and_only_a_violation_is_alarm(
    device: tango.DeviceProxy,
) -> None:
    # Waiting for the first reading and settling on good ones are normal operation: an
    # operator's panel must not show them red (issue 15). ALARM is for a reading beyond a limit.
    assert device.gateState == "NO_DATA" and device.state() == tango.DevState.STANDBY
    device.PushReading(20.0)
    assert device.gateState == "BAD" and device.state() == tango.DevState.ALARM
    device.PushReading(5.0)
    assert device.gateState == "SETTLING" and device.state() == tango.DevState.STANDBY
    device.PushReading(20.0)  # leave the gate closed, as the next test expects
    assert device.state() == tango.DevState.ALARM


def test_value_carries_the_unit_and_the_limits_as_alarm_limits(device: tango.DeviceProxy) -> None:
    config = device.get_attribute_config("value")
    assert config.unit == "m/s"
    assert float(config.alarms.max_alarm) == 15.0
    assert device.get_attribute_config("maxValue").unit == "m/s"


def test_gate_opens_after_stability_and_closes_at_once(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "isOk")
    log.wait_for(is_ok(False))  # the value sent on subscription
    device.PushReading(20.0)
    assert device.gateState == "BAD" and not device.isOk
    snapshot = json.loads(device.snapshot)
    assert snapshot["crossed"]["threshold"] == "max_value" and snapshot["crossed"]["limit"] == 15
    started = time.monotonic()
    device.PushReading(5.0)
    assert device.gateState == "SETTLING" and not device.isOk
    log.wait_for(is_ok(True), timeout_s=5)
    assert time.monotonic() - started >= STABILITY_S * 0.9
    device.PushReading(16.0)  # going bad closes at once
    assert not device.isOk and device.gateState == "BAD"
    assert device.value == pytest.approx(16.0)
    assert device.state() == tango.DevState.ALARM


def test_stale_data_closes_the_gate(device: tango.DeviceProxy, events: Any) -> None:
    log = events(device, "isOk", "gateState")
    device.PushReading(3.0)
    log.wait_for(is_ok(True), timeout_s=5)
    log.wait_for(lambda n, v: n == "gatestate" and v == "STALE", timeout_s=5)
    assert not device.isOk
    assert json.loads(device.snapshot)["crossed"]["threshold"] == "max_data_age"


def test_garbage_never_opens_the_gate(device: tango.DeviceProxy) -> None:
    for garbage in (math.nan, math.inf, -5.0, 1e6):
        device.PushReading(garbage)
        assert device.gateState == "BAD" and not device.isOk
        assert json.loads(device.snapshot)["crossed"]["threshold"] == "garbage"
    assert device.healthState != 0  # DEGRADED while the sensor talks garbage


def test_force_clear_expires(device: tango.DeviceProxy, events: Any) -> None:
    device.PushReading(30.0)
    log = events(device, "isOk", "forceCleared")
    device.ForceClear(json.dumps({"reason": "stuck anemometer", "duration_s": 0.8}))
    assert device.isOk and device.forceCleared
    assert json.loads(device.snapshot)["force_cleared"]["reason"] == "stuck anemometer"
    log.wait_for(lambda n, v: n == "forcecleared" and v, timeout_s=5)
    log.wait_for(lambda n, v: n == "forcecleared" and not v, timeout_s=5)
    assert not device.isOk
    device.ForceClear(json.dumps({"reason": "again", "duration_s": 60}))
    assert device.isOk
    device.Unclear()
    assert not device.isOk and not device.forceCleared


@pytest.mark.parametrize(
    ("argument", "field"),
    [
        ("{", "not valid JSON"),
        ('{"reason": "x"}', "duration_s"),
        ('{"duration_s": 5}', "reason"),
        ('{"reason": "x", "duration_s": -1}', "duration_s"),
    ],
)
def test_bad_force_clear_names_the_field(
    device: tango.DeviceProxy, argument: str, field: str
) -> None:
    with pytest.raises(tango.DevFailed) as info:
        device.ForceClear(argument)
    assert field in info.value.args[0].desc


def test_limits_are_writable_and_rejudge_the_last_reading(device: tango.DeviceProxy) -> None:
    device.PushReading(12.0)
    assert device.gateState in ("SETTLING", "OK")
    device.maxValue = 10.0
    assert device.gateState == "BAD"
    assert float(device.get_attribute_config("value").alarms.max_alarm) == 10.0
    with pytest.raises(tango.DevFailed) as info:
        device.minValue = 11.0
    assert "min_value" in info.value.args[0].desc
    device.maxValue = 15.0
    device.stabilityThreshold = STABILITY_S
    assert device.maxValue == 15.0 and device.stabilityThreshold == STABILITY_S


def test_snapshots_are_a_time_series_in_the_store(
    device: tango.DeviceProxy, store_url: str
) -> None:
    device.PushReading(40.0)
    name = device.name()
    rows = open_store(store_url).snapshots(name)
    assert len(rows) >= 4
    assert {r.data["state"] for r in rows} >= {"BAD", "SETTLING", "OK"}
    assert rows[-1].is_ok is False and rows[-1].data["crossed"]["threshold"] == "max_value"
