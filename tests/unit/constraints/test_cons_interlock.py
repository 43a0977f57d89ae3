"""The interlock on fakes: a parallel storm, one aggregated result, idempotence, Reset rules."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest

from astrotango.control.interlock import (
    InterlockComponentManager,
    InterlockConfig,
    InterlockRefused,
)
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain.constraints import (
    InterlockWindow,
    Scope,
    SensorCondition,
    TriggerKind,
    TriggerState,
)
from astrotango.simulation import ManualClock

TELESCOPES = ("astro/telescope/t1", "astro/telescope/t2", "astro/telescope/r1")
RAIN = "astro/weather/1"


def manager(proxies: Any, clock: ManualClock, **config: Any) -> InterlockComponentManager:
    fields: dict[str, Any] = {
        "name": "astro/interlock/rain",
        "scope": Scope.OBSERVATORY,
        "telescopes": TELESCOPES,
        "shutdown_timeout_s": 5.0,
    }
    fields.update(config)
    return InterlockComponentManager(InterlockConfig(**fields), InterlockWindow(), clock, proxies)


def final(cm: InterlockComponentManager) -> dict[str, Any]:
    assert cm.executor is not None
    for _ in range(200):
        updates = cm.reports[-1]["updates"]
        done = [u for u in updates if u.get("status") in (TaskStatus.COMPLETED, TaskStatus.FAILED)]
        if done:
            [result] = [u["result"] for u in updates if "result" in u]
            return {"status": done[-1]["status"], "result": result, "updates": updates}
        threading.Event().wait(0.02)
    raise AssertionError(f"no final status: {cm.reports[-1]}")


def test_all_three_telescopes_are_commanded_in_parallel(proxies: Any, clock: ManualClock) -> None:
    barrier = threading.Barrier(3, timeout=2)  # each invoke waits for the other two
    for name in TELESCOPES:
        proxies.device(name).on_invoke = barrier.wait
    cm = manager(proxies, clock)
    cm.fire("test")
    outcome = final(cm)
    assert outcome["status"] is TaskStatus.COMPLETED and outcome["result"][0] is ResultCode.OK
    assert all(t in outcome["result"][1] for t in TELESCOPES)
    assert all(proxies.device(t).invocations == ["SafeShutdown"] for t in TELESCOPES)
    progress = [u["progress"] for u in outcome["updates"] if "progress" in u]
    assert progress == sorted(progress) and progress[-1] == 100
    record = cm.view.last_shutdown
    assert record["result"][0] == ResultCode.OK and record["all_accepted_ms"] >= 0


def test_a_stuck_telescope_fails_the_result_naming_it(proxies: Any, clock: ManualClock) -> None:
    proxies.device(TELESCOPES[1]).outcome = (ResultCode.FAILED, "enclosure stuck")
    proxies.device(TELESCOPES[2]).unreachable = True
    cm = manager(proxies, clock)
    cm.fire("dome jammed")
    outcome = final(cm)
    code, message = outcome["result"]
    assert code is ResultCode.FAILED and outcome["status"] is TaskStatus.COMPLETED
    assert f"failed on {TELESCOPES[1]}, {TELESCOPES[2]}" in message and "enclosure stuck" in message
    assert f"safe: {TELESCOPES[0]}" in message
    assert cm.view.last_shutdown["failed"] == [TELESCOPES[1], TELESCOPES[2]]


def test_a_telescope_that_never_finishes_times_out(proxies: Any, clock: ManualClock) -> None:
    proxies.device(TELESCOPES[0]).finish.clear()
    cm = manager(proxies, clock, shutdown_timeout_s=0.2)
    cm.fire("test")
    code, message = final(cm)["result"]
    assert code is ResultCode.FAILED and TELESCOPES[0] in message and "timed out" in message


def test_sensor_trigger_fires_once_and_reset_waits(proxies: Any, clock: ManualClock) -> None:
    cm = manager(
        proxies,
        clock,
        trigger=TriggerKind.SENSOR,
        trigger_device=RAIN,
        trigger_attribute="rain",
        condition=SensorCondition.parse("> 0"),
    )
    cm.start_communicating()
    try:
        sensor = proxies.device(RAIN)
        sensor.emit("rain", 0.0)
        assert cm.view.trigger_state is TriggerState.CLEAR and not cm.view.fired
        sensor.emit("rain", 2.5)
        assert cm.view.fired and "rain > 0" in cm.view.reason
        sensor.emit("rain", 4.0)
        with pytest.raises(InterlockRefused, match="already fired"):
            cm.fire("again")
        final(cm)
        assert len(cm.reports) == 1 and proxies.device(TELESCOPES[0]).invocations == [
            "SafeShutdown"
        ]
        with pytest.raises(InterlockRefused, match="trigger has not cleared"):
            cm.reset()
        sensor.emit("rain", 0.0)
        cm.reset()
        assert not cm.view.fired
    finally:
        cm.stop_communicating()


@pytest.mark.parametrize("garbage", [float("nan"), "wet", None])
def test_sensor_garbage_fires_when_fail_safe(
    proxies: Any, clock: ManualClock, garbage: Any
) -> None:
    cm = manager(
        proxies,
        clock,
        trigger=TriggerKind.SENSOR,
        trigger_device=RAIN,
        trigger_attribute="rain",
        condition=SensorCondition.parse("> 0"),
    )
    cm.on_trigger_event(type("E", (), {"error": None, "value": garbage})())  # type: ignore[arg-type]
    assert cm.view.fired and "garbage" in cm.view.reason


def test_stale_sensor_fires_when_fail_safe(proxies: Any, clock: ManualClock) -> None:
    cm = manager(
        proxies,
        clock,
        trigger=TriggerKind.SENSOR,
        trigger_device=RAIN,
        trigger_attribute="rain",
        condition=SensorCondition.parse(">= 0.1"),
        max_data_age_s=60.0,
    )
    cm.start_communicating()
    try:
        proxies.device(RAIN).emit("rain", 0.0)
        clock.advance(30)
        cm.set_window()  # a check now, as the ticker makes every tick
        assert not cm.view.fired
        clock.advance(31)
        cm.set_window()
        assert cm.view.fired and "no sensor reading" in cm.view.reason
    finally:
        cm.stop_communicating()


def test_constraint_trigger_ignores_no_data_but_fires_on_bad(
    proxies: Any, clock: ManualClock
) -> None:
    constraint = "astro/constraint/rain"
    cm = manager(proxies, clock, trigger=TriggerKind.CONSTRAINT, trigger_device=constraint)
    cm.start_communicating()
    try:
        device = proxies.device(constraint)
        device.emit("snapshot", json.dumps({"is_ok": False, "state": "NO_DATA"}))
        assert not cm.view.fired and cm.view.trigger_state is TriggerState.UNKNOWN
        device.emit(
            "snapshot", json.dumps({"is_ok": False, "state": "BAD", "reason": "rain 2 mm/h"})
        )
        assert cm.view.fired and "rain 2 mm/h" in cm.view.reason
    finally:
        cm.stop_communicating()


def test_window_and_enable(proxies: Any, clock: ManualClock) -> None:
    cm = manager(proxies, clock)
    cm.set_window(is_enabled=False)
    with pytest.raises(InterlockRefused, match="disabled"):
        cm.fire("test")
    cm.set_window(is_enabled=True, starts_at=clock.now() + timedelta(hours=1))
    with pytest.raises(InterlockRefused, match="not armed before"):
        cm.fire("test")
    clock.advance(3600)
    cm.set_window()
    cm.fire("now armed")
    assert cm.view.fired
    final(cm)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scope": Scope.TELESCOPE}, "exactly one"),
        ({"telescopes": ()}, "at least one"),
        ({"trigger": TriggerKind.SENSOR, "trigger_device": RAIN}, "trigger_attribute"),
    ],
)
def test_bad_configuration(fields: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {"name": "x", "scope": Scope.OBSERVATORY, "telescopes": TELESCOPES}
    with pytest.raises(ValueError, match=field):
        InterlockConfig(**(base | fields))


def test_condition_parsing() -> None:
    assert SensorCondition.parse(">= 15.5").holds(15.5)
    assert not SensorCondition.parse("< -5").holds(0)
    with pytest.raises(ValueError, match="condition"):
        SensorCondition.parse("rain")
