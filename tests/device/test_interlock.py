"""ShutdownInterlock with real devices: three telescope doubles, a rain constraint, a stuck one.

Everything runs in one device server subprocess (``MultiDeviceTestContext(process=True)``):
the interlocks reach the telescope doubles and the constraint by name, over Tango, as in
production. ``FakeTelescope`` implements ``SafeShutdown`` as a long-running command on
:class:`AstroDevice` with a configurable duration and outcome, so these tests do not depend on
the Telescope device.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from tango.server import attribute, command, device_property
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.base import AstroDevice
from astrotango.devices.constraint import OperationalConstraint
from astrotango.devices.interlock import ShutdownInterlock

FINAL = {int(s) for s in (TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.FAILED)}
GOOD = ("test/telescope/t1", "test/telescope/t2", "test/telescope/r1")
STUCK = "test/telescope/stuck"


class FakeTelescope(AstroDevice):
    """A telescope double: SafeShutdown takes ``DurationS`` and fails when ``StuckEnclosure``."""

    DurationS = device_property(dtype=float, default_value=0.3)
    StuckEnclosure = device_property(dtype=bool, default_value=False)

    def init_device(self) -> None:
        self._shutdowns = 0
        self._safe = False
        super().init_device()

    def _shutdown(self, *, task_callback: Any, abort_event: Any) -> None:
        task_callback(progress=50)
        abort_event.wait(self.DurationS)
        if self.StuckEnclosure:
            task_callback(
                status=TaskStatus.COMPLETED,
                result=(ResultCode.FAILED, "enclosure stuck half open"),
            )
            return
        self._safe = True
        task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, "closed and parked"))

    @command(dtype_out=tango.DevVarLongStringArray)
    def SafeShutdown(self) -> Any:
        self._shutdowns += 1
        self._safe = False
        return self.submit_lrc("SafeShutdown", self._shutdown)

    @attribute(dtype=int)
    def shutdowns(self) -> int:
        return self._shutdowns

    @attribute(dtype=bool)
    def safe(self) -> bool:
        return self._safe


def _telescope(name: str, **properties: Any) -> dict[str, Any]:
    return {"name": name, "properties": properties}


DEVICES_INFO = [
    {
        "class": ShutdownInterlock,
        "devices": [
            {
                "name": "test/interlock/rain",
                "properties": {
                    "Scope": "observatory",
                    "Telescopes": list(GOOD),
                    "TriggerKind": "constraint",
                    "TriggerDevice": "test/constraint/rain",
                    "StoreUrl": "none",
                },
            },
            {
                "name": "test/interlock/manual",
                "properties": {
                    "Scope": "observatory",
                    "Telescopes": [GOOD[0], STUCK, GOOD[2]],
                    "RetryDelay": 0.2,
                    "MaxRetryDelay": 0.4,
                    "StoreUrl": "none",
                },
            },
        ],
    },
    {
        "class": OperationalConstraint,
        "devices": [
            {
                "name": "test/constraint/rain",
                "properties": {
                    "SensorAttribute": "rain",
                    "MaxValue": 0.0,
                    "MaxDataAge": 600.0,
                    "StoreUrl": "none",
                },
            }
        ],
    },
    {
        "class": FakeTelescope,
        "devices": [*(_telescope(n) for n in GOOD), _telescope(STUCK, StuckEnclosure=True)],
    },
]


@pytest.fixture(scope="module")
def context() -> Iterator[MultiDeviceTestContext]:
    # The server below subscribes to events itself. A server forked from a process whose Tango
    # event consumer is alive (earlier tests subscribed) hangs at exit, so start it clean.
    tango.ApiUtil.cleanup()
    with MultiDeviceTestContext(DEVICES_INFO, process=True, timeout=30) as ctx:
        names = [*GOOD, STUCK, "test/constraint/rain", "test/interlock/rain"]
        for name in [*names, "test/interlock/manual"]:
            ctx.get_device(name).adminMode = AdminMode.ONLINE
        yield ctx


def wait_trigger(interlock: Any, state: str, timeout_s: float = 10.0) -> None:
    """Wait (real seconds: a device test runs on the wall clock) for ``triggerState``."""
    deadline = time.monotonic() + timeout_s
    while interlock.triggerState != state:
        assert time.monotonic() < deadline, f"triggerState is {interlock.triggerState}"
        time.sleep(0.05)


def storm_result(log: Any, command_id: str) -> list[Any]:
    def final(name: str, value: Any) -> bool:
        return (
            name == "_lrcevent"
            and value[0] == command_id
            and json.loads(value[1]).get("status") in FINAL
        )

    log.wait_for(final, timeout_s=20)
    [result] = [e["result"] for e in log.lrc(command_id) if "result" in e]
    return list(result)


def test_rain_fires_one_storm_over_three_telescopes(
    context: MultiDeviceTestContext, events: Any
) -> None:
    rain = context.get_device("test/constraint/rain")
    interlock = context.get_device("test/interlock/rain")
    log = events(interlock, "_lrcEvent", "fired", "lastShutdown")
    rain.PushReading(0.0)
    wait_trigger(interlock, "CLEAR")  # the reading reaches the interlock as an event
    assert not interlock.fired
    rain.PushReading(3.5)  # mm/h: the constraint closes at once, the interlock fires
    log.wait_for(lambda n, v: n == "fired" and v, timeout_s=5)
    _, (command_id, _) = log.wait_for(lambda n, v: n == "_lrcevent", timeout_s=5)
    rain.PushReading(5.0)  # raining harder while fired: idempotent, no second storm
    [code], [text] = interlock.Fire("operator panic")
    assert code == ResultCode.REJECTED and "already fired" in text
    result = storm_result(log, command_id)
    assert result[0] == ResultCode.OK and all(t in result[1] for t in GOOD)
    for name in GOOD:
        telescope = context.get_device(name)
        assert telescope.shutdowns == 1 and telescope.safe
    assert interlock.state() == tango.DevState.ALARM and not interlock.unsafeTelescopes
    last = json.loads(interlock.lastShutdown)
    assert set(last["telescopes"]) == set(GOOD) and last["all_accepted_ms"] < 1000
    progress = [e["progress"] for e in log.lrc(command_id) if "progress" in e]
    assert progress == sorted(progress) and progress[-1] == 100
    # Reset waits for the trigger to clear
    with pytest.raises(tango.DevFailed) as info:
        interlock.Reset()
    assert "trigger has not cleared" in info.value.args[0].desc
    rain.PushReading(0.0)
    wait_trigger(interlock, "CLEAR")
    interlock.Reset()
    assert not interlock.fired and interlock.reason == ""


def test_the_rain_interlock_cannot_be_disabled_or_reset_while_it_rains(
    context: MultiDeviceTestContext, events: Any
) -> None:
    rain = context.get_device("test/constraint/rain")
    interlock = context.get_device("test/interlock/rain")
    log = events(interlock, "_lrcEvent", "fired")
    rain.PushReading(2.5)  # mm/h
    log.wait_for(lambda n, v: n == "fired" and v, timeout_s=5)
    _, (command_id, _) = log.wait_for(lambda n, v: n == "_lrcevent", timeout_s=5)
    with pytest.raises(tango.DevFailed) as info:
        interlock.isEnabled = False
    error = info.value.args[0]
    assert error.reason == "API_AttrNotAllowed" and "TRIGGERED" in error.desc
    with pytest.raises(tango.DevFailed) as info:
        interlock.expiresAt = "2000-01-01T00:00:00Z"  # disarming by the window: the same
    assert "TRIGGERED" in info.value.args[0].desc
    assert interlock.isEnabled and interlock.armed and interlock.expiresAt == ""
    with pytest.raises(tango.DevFailed) as info:
        interlock.Reset()
    assert "trigger has not cleared (TRIGGERED" in info.value.args[0].desc
    assert interlock.fired
    assert storm_result(log, command_id)[0] == ResultCode.OK
    rain.PushReading(0.0)
    wait_trigger(interlock, "CLEAR")
    interlock.Reset()
    assert not interlock.fired


def test_a_stuck_enclosure_fails_the_storm_naming_it_and_is_retried(
    context: MultiDeviceTestContext, events: Any
) -> None:
    interlock = context.get_device("test/interlock/manual")
    log = events(interlock, "_lrcEvent", "unsafeTelescopes")
    before = {n: context.get_device(n).shutdowns for n in (GOOD[0], GOOD[2])}
    stuck_before = context.get_device(STUCK).shutdowns
    [code], [command_id] = interlock.Fire("dome jammed")
    assert code == ResultCode.QUEUED
    result = storm_result(log, command_id)
    assert result[0] == ResultCode.FAILED
    assert STUCK in result[1] and "enclosure stuck" in result[1]
    assert f"safe: {GOOD[0]}, {GOOD[2]}" in result[1]
    for name in (GOOD[0], GOOD[2]):
        telescope = context.get_device(name)
        assert telescope.safe and telescope.shutdowns == before[name] + 1
    assert interlock.fired and interlock.reason == "manual: dome jammed"
    assert ("unsafetelescopes", (STUCK,)) in log.seen  # pushed before the storm's result
    assert list(interlock.unsafeTelescopes) == [STUCK]
    assert interlock.state() == tango.DevState.FAULT and STUCK in interlock.status()
    deadline = time.monotonic() + 10  # retried every 0.2, 0.4, 0.4 ... s
    while context.get_device(STUCK).shutdowns < stuck_before + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert context.get_device(STUCK).shutdowns >= stuck_before + 3
    assert interlock.state() == tango.DevState.FAULT  # never done while a telescope is unsafe
    interlock.Reset()  # a manual interlock's trigger is always clear; the retries stop
    assert not interlock.fired and not interlock.unsafeTelescopes
    assert interlock.state() == tango.DevState.ON


def test_disabled_interlock_does_not_fire(context: MultiDeviceTestContext) -> None:
    interlock = context.get_device("test/interlock/manual")
    interlock.isEnabled = False
    try:
        [code], [text] = interlock.Fire("test")
        assert code == ResultCode.REJECTED and "disabled" in text
        assert interlock.state() == tango.DevState.STANDBY
    finally:
        interlock.isEnabled = True
    with pytest.raises(tango.DevFailed):
        interlock.startsAt = "tomorrow"
