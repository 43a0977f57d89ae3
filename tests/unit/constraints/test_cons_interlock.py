"""The interlock on fakes: a parallel storm, one aggregated result, idempotence, Reset rules,
retries with backoff until every telescope is safe, refusals, and the durable latch."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from astrotango.clock import ManualClock
from astrotango.control.interlock import (
    InterlockComponentManager,
    InterlockConfig,
    InterlockRefused,
    UnsafeTelescope,
    backoff_delays,
)
from astrotango.control.proxies import AttributeEvent, LrcOutcome, ProxyError
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain.constraints import (
    InterlockWindow,
    Scope,
    SensorCondition,
    TriggerKind,
    TriggerState,
)
from astrotango.store import InterlockLatchRecord

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


def rain_interlock(proxies: Any, clock: ManualClock, **config: Any) -> InterlockComponentManager:
    """An interlock that fires on any rain reported by the weather station."""
    return manager(
        proxies,
        clock,
        trigger=TriggerKind.SENSOR,
        trigger_device=RAIN,
        trigger_attribute="rain",
        condition=SensorCondition.parse("> 0"),
        **config,
    )


def final(cm: InterlockComponentManager, clock: ManualClock | None = None) -> dict[str, Any]:
    """The storm's final report; with ``clock``, time moves a second per look (waits that
    last clock seconds, such as the grace for reading ``safe``, come to an end)."""
    assert cm.executor is not None
    for _ in range(200):
        if clock is not None:
            clock.advance(1.0)
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
    cm = rain_interlock(proxies, clock)
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
    cm = rain_interlock(proxies, clock)
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


# -- telescopes that report `safe`, retries with backoff (issue 11, defect 1) -----------------


class TelescopeDouble:
    """A telescope on fakes: SafeShutdown ends as scripted, attempt by attempt; ``safe`` reads.

    ``script`` holds the next attempts' endings, used first: ``(ResultCode, message)``, an
    exception to raise on invocation, or ``"aborted"``; then ``outcome`` for every attempt.
    ``safe`` is None for a telescope without the attribute; an OK ending makes it True unless
    ``stays_unsafe``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.invocations: list[str] = []
        self.outcome: tuple[ResultCode, str] = (ResultCode.OK, "closed and parked")
        self.script: list[Any] = []
        self.unreachable = False
        self.hang = False
        self.finish = threading.Event()
        self.finish.set()
        self.on_invoke: Any = None
        self.safe: bool | None = False
        self.stays_unsafe = False
        self.safe_after_s = 0.0  # its cached ``safe`` follows the end of SafeShutdown

    def prepare_lrc(self) -> None:
        if self.unreachable:
            raise ProxyError(f"{self.name}: device not exported")

    def invoke_lrc(self, command: str, argument: Any = None, *, on_progress: Any = None) -> Any:
        if self.unreachable:
            raise ProxyError(f"{self.name}: device not exported")
        if self.on_invoke is not None:
            self.on_invoke()
        self.invocations.append(command)
        ending = self.script.pop(0) if self.script else self.outcome
        if isinstance(ending, Exception):
            raise ending
        if on_progress is not None:
            on_progress(50)
        return _Call(self, f"{len(self.invocations)}_{command}", ending)

    def read(self, attribute: str) -> Any:
        if attribute != "safe" or self.safe is None:
            raise ProxyError(f"{self.name}/{attribute}: attribute not found")
        return self.safe


class _Call:
    def __init__(self, telescope: TelescopeDouble, command_id: str, ending: Any) -> None:
        self.telescope, self.command_id, self.ending = telescope, command_id, ending

    def wait(self, timeout_s: float, abort_event: threading.Event | None = None) -> LrcOutcome:
        if not self.telescope.finish.wait(timeout_s) or self.telescope.hang:
            raise ProxyError(f"{self.telescope.name}: {self.command_id} timed out")
        if self.ending == "aborted":
            return LrcOutcome(self.command_id, TaskStatus.ABORTED, [int(ResultCode.ABORTED), "x"])
        code, message = self.ending
        if code is ResultCode.OK and self.telescope.safe is not None:
            telescope = self.telescope
            if telescope.safe_after_s:
                threading.Timer(telescope.safe_after_s, setattr, (telescope, "safe", True)).start()
            else:
                telescope.safe = not telescope.stays_unsafe
        return LrcOutcome(self.command_id, TaskStatus.COMPLETED, [int(code), message])


@pytest.fixture
def proxies(proxies: Any) -> Any:
    """The conftest's fake devices, with telescope doubles that report ``safe``."""
    for name in TELESCOPES:
        proxies.devices[name] = TelescopeDouble(name)
    return proxies


def wait_until(what: str, predicate: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout_s} s: {what}")
        time.sleep(0.005)


def unsafe(cm: InterlockComponentManager) -> dict[str, UnsafeTelescope]:
    return {u.name: u for u in cm.view.unsafe}


def retry_due(cm: InterlockComponentManager, name: str, retries: int) -> datetime:
    """Wait until ``name`` has failed ``retries`` retries and its next one is planned."""

    def planned() -> bool:
        entry = unsafe(cm).get(name)
        return entry is not None and entry.retries == retries and entry.next_retry_at is not None

    wait_until(f"{name} waiting after {retries} retries", planned)
    due = unsafe(cm)[name].next_retry_at
    assert due is not None
    return due


def test_backoff_doubles_up_to_the_cap() -> None:
    assert list(itertools.islice(backoff_delays(5.0, 120.0), 8)) == [
        5.0,
        10.0,
        20.0,
        40.0,
        80.0,
        120.0,
        120.0,
        120.0,
    ]
    assert list(itertools.islice(backoff_delays(5.0, 12.0), 4)) == [5.0, 10.0, 12.0, 12.0]


def test_a_failed_telescope_is_retried_with_backoff_until_safe(
    proxies: Any, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    flaky = proxies.device(TELESCOPES[1])
    flaky.script = [
        (ResultCode.FAILED, "enclosure stuck"),
        ProxyError(f"{TELESCOPES[1]}: device not exported"),
        "aborted",
        (ResultCode.FAILED, "enclosure stuck"),
    ]
    cm = manager(proxies, clock)
    cm.fire("dome jammed")
    code, message = final(cm)["result"]
    assert code is ResultCode.FAILED and TELESCOPES[1] in message  # never OK while unsafe
    assert (
        list(unsafe(cm)) == [TELESCOPES[1]]
        and "enclosure stuck" in unsafe(cm)[TELESCOPES[1]].reason
    )
    fired_at = clock.now()
    delays = []
    for retries in range(4):
        due = retry_due(cm, TELESCOPES[1], retries)
        delays.append((due - clock.now()).total_seconds())
        clock.advance(delays[-1])
    wait_until("the fourth retry makes it safe", lambda: not cm.view.unsafe)
    assert delays == [5.0, 10.0, 20.0, 40.0] and clock.now() == fired_at + timedelta(seconds=75)
    assert flaky.invocations == ["SafeShutdown"] * 5 and flaky.safe
    assert all(
        proxies.device(t).invocations == ["SafeShutdown"] for t in (TELESCOPES[0], TELESCOPES[2])
    )
    assert cm.view.fired  # still fired (until reset), and now every telescope is safe
    log = caplog.text
    assert "retry 1 of SafeShutdown on astro/telescope/t2 failed" in log
    assert "astro/telescope/t2 is safe after 4 retries" in log


def test_a_telescope_that_never_gets_safe_stays_named_until_reset(
    proxies: Any, clock: ManualClock
) -> None:
    stuck = proxies.device(TELESCOPES[2])
    stuck.outcome = (ResultCode.FAILED, "stow pin jammed")
    cm = manager(proxies, clock, retry_delay_s=5.0, max_retry_delay_s=12.0)
    cm.fire("gusts")
    final(cm)
    delays = []
    for retries in range(5):
        due = retry_due(cm, TELESCOPES[2], retries)
        delays.append((due - clock.now()).total_seconds())
        clock.advance(delays[-1])
    assert delays == [5.0, 10.0, 12.0, 12.0, 12.0]
    entry = retry_due(cm, TELESCOPES[2], 5)
    assert cm.view.unsafe_telescopes == (TELESCOPES[2],)
    assert "stow pin jammed" in unsafe(cm)[TELESCOPES[2]].reason and entry is not None
    cm.reset()  # a manual interlock: the operator takes over; retries stop
    assert cm.view.unsafe == () and not cm.view.fired
    count = len(stuck.invocations)
    clock.advance(600)
    time.sleep(0.2)
    assert len(stuck.invocations) == count


def test_ok_but_not_safe_is_a_failure(proxies: Any, clock: ManualClock) -> None:
    liar = proxies.device(TELESCOPES[0])
    liar.stays_unsafe = True
    cm = manager(proxies, clock)
    cm.fire("test")
    code, message = final(cm, clock)["result"]
    assert code is ResultCode.FAILED and f"{TELESCOPES[0]}: reported done but not safe" in message
    assert cm.view.unsafe_telescopes == (TELESCOPES[0],)
    liar.stays_unsafe = False
    clock.advance((retry_due(cm, TELESCOPES[0], 0) - clock.now()).total_seconds())
    wait_until("safe", lambda: not cm.view.unsafe)


def test_safe_may_follow_the_end_of_safe_shutdown_a_moment_later(
    proxies: Any, clock: ManualClock
) -> None:
    proxies.device(TELESCOPES[1]).safe_after_s = 0.3
    cm = manager(proxies, clock)
    cm.fire("test")
    assert final(cm, clock)["result"][0] is ResultCode.OK and cm.view.unsafe == ()


def test_a_telescope_without_safe_is_trusted_on_its_outcome(
    proxies: Any, clock: ManualClock
) -> None:
    for name in TELESCOPES:
        proxies.device(name).safe = None
    cm = manager(proxies, clock)
    cm.fire("test")
    assert final(cm)["result"][0] is ResultCode.OK and cm.view.unsafe == ()


# -- refusals: no disabling or reset while the trigger reads unsafe (defect 4) ----------------


def test_a_fired_interlock_cannot_be_disabled_then_reset_while_it_rains(
    proxies: Any, clock: ManualClock
) -> None:
    cm = rain_interlock(proxies, clock)
    cm.start_communicating()
    try:
        proxies.device(RAIN).emit("rain", 2.5)
        assert cm.view.fired
        with pytest.raises(InterlockRefused, match="TRIGGERED"):
            cm.set_window(is_enabled=False)
        with pytest.raises(InterlockRefused, match="TRIGGERED"):
            cm.set_window(expires_at=clock.now())  # disarming by the window is disabling too
        assert cm.window.is_enabled and cm.view.armed
        with pytest.raises(InterlockRefused, match="TRIGGERED"):
            cm.reset()
        assert cm.view.fired
        proxies.device(RAIN).emit("rain", 0.0)
        cm.set_window(is_enabled=False)  # a clear trigger: out of service is allowed
        cm.reset()
        assert not cm.view.fired
    finally:
        cm.stop_communicating()


def test_a_disarmed_interlock_is_not_reset_while_its_trigger_holds(
    proxies: Any, clock: ManualClock
) -> None:
    """The path through ``reset`` that skipped the trigger when not armed (window expired)."""
    cm = rain_interlock(proxies, clock)
    cm.set_window(expires_at=clock.now() + timedelta(minutes=5))
    cm.on_trigger_event(AttributeEvent(RAIN, "rain", 2.5))
    assert cm.view.fired
    clock.advance(600)
    cm.set_window()  # the ticker's check: the window has closed
    assert not cm.view.armed and cm.view.trigger_state is TriggerState.TRIGGERED
    with pytest.raises(InterlockRefused, match="TRIGGERED"):
        cm.reset()
    assert cm.view.fired


def test_a_lost_fail_safe_trigger_is_unsafe_but_a_blind_start_is_not(
    proxies: Any, clock: ManualClock
) -> None:
    cm = rain_interlock(proxies, clock)
    assert cm.view.trigger_state is TriggerState.UNKNOWN  # blind: no data since start
    cm.set_window(is_enabled=False)  # taking a never-seen sensor out of service is allowed
    cm.set_window(is_enabled=True)
    cm.on_trigger_event(AttributeEvent(RAIN, "rain", 0.0))
    cm.on_trigger_event(AttributeEvent(RAIN, "rain", error="device not exported"))
    assert cm.view.trigger_state is TriggerState.UNKNOWN
    with pytest.raises(InterlockRefused, match="UNKNOWN"):
        cm.set_window(is_enabled=False)
    cm.fire("operator saw lightning")
    with pytest.raises(InterlockRefused, match="UNKNOWN"):
        cm.reset()
    relaxed = rain_interlock(proxies, clock, fail_safe=False)
    relaxed.on_trigger_event(AttributeEvent(RAIN, "rain", 0.0))
    relaxed.on_trigger_event(AttributeEvent(RAIN, "rain", error="device not exported"))
    relaxed.set_window(is_enabled=False)  # not fail safe: UNKNOWN is not unsafe
    assert not relaxed.view.armed
    final(cm)


# -- the latch survives a restart (defect 5) --------------------------------------------------


class FakeLatches:
    """The latch store on a dict; ``seen_when_published`` proves write-before-publish."""

    def __init__(self) -> None:
        self.rows: dict[str, InterlockLatchRecord] = {}
        self.broken = False

    def get_interlock_latch(self, name: str) -> InterlockLatchRecord | None:
        return self.rows.get(name)

    def put_interlock_latch(self, latch: InterlockLatchRecord) -> None:
        if self.broken:
            raise OSError("disk full")
        self.rows[latch.name] = latch


def durable(
    proxies: Any, clock: ManualClock, latches: FakeLatches, **kwargs: Any
) -> InterlockComponentManager:
    config = InterlockConfig(
        name="astro/interlock/gusts_r1",
        scope=Scope.TELESCOPE,
        telescopes=(TELESCOPES[2],),
        shutdown_timeout_s=5.0,
    )
    return InterlockComponentManager(
        config, InterlockWindow(), clock, proxies, latches=latches, **kwargs
    )


def test_the_latch_is_written_before_fired_is_published_and_the_storm_starts(
    proxies: Any, clock: ManualClock
) -> None:
    latches = FakeLatches()
    seen: list[tuple[str, bool]] = []

    def on_view(view: Any) -> None:
        if view.fired:
            seen.append(("view", latches.rows["astro/interlock/gusts_r1"].fired))

    cm = durable(proxies, clock, latches, view_callback=on_view)
    launch = cm._launch

    def checked_launch(name: str, func: Any) -> str:
        seen.append(("launch", latches.rows["astro/interlock/gusts_r1"].fired))
        return launch(name, func)

    cm._launch = checked_launch
    cm.fire("gust 25 m/s")
    final(cm)
    assert seen and all(stored for _, stored in seen) and ("launch", True) in seen
    row = latches.rows["astro/interlock/gusts_r1"]
    assert (row.fired, row.reason, row.fired_at) == (True, "manual: gust 25 m/s", clock.now())
    cm.reset()
    assert latches.rows["astro/interlock/gusts_r1"].fired is False


def test_a_restarted_interlock_is_fired_until_reset_and_makes_its_telescopes_safe_again(
    proxies: Any, clock: ManualClock
) -> None:
    latches = FakeLatches()
    first = durable(proxies, clock, latches)
    first.fire("gust 25 m/s")
    final(first)
    fired_at = first.view.fired_at
    # the process dies here (nobody reset it); a new one starts over the same store
    clock.advance(300)
    telescope = proxies.device(TELESCOPES[2])
    telescope.safe = False  # restarted meanwhile: unparked
    second = durable(proxies, clock, latches)
    assert second.view.fired and second.view.reason == "manual: gust 25 m/s"
    assert second.view.fired_at == fired_at
    with pytest.raises(InterlockRefused, match="already fired"):
        second.fire("again")
    second.start_communicating()
    try:
        assert final(second)["result"][0] is ResultCode.OK  # the storm ran again on start
        assert telescope.invocations == ["SafeShutdown"] * 2 and telescope.safe
        second.reset()
        assert latches.rows["astro/interlock/gusts_r1"].fired is False
    finally:
        second.stop_communicating()
    third = durable(proxies, clock, latches)
    assert not third.view.fired and third.view.reason == ""


def test_a_broken_store_never_stops_a_shutdown(
    proxies: Any, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    latches = FakeLatches()
    latches.broken = True
    cm = durable(proxies, clock, latches)
    cm.fire("gust 25 m/s")
    assert cm.view.fired and final(cm)["result"][0] is ResultCode.OK
    assert "cannot record the fired latch" in caplog.text
    with pytest.raises(InterlockRefused, match="cannot record the reset"):
        cm.reset()  # a reset that a restart would forget is no reset
    assert cm.view.fired
