"""The telescope's own guard: fired interlocks refused and enforced, dawn, bad gates, idleness."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tel_rig import CAPELLA, Reports, Rig, imaging, task_spec

from astrotango.control.proxies import AttributeEvent
from astrotango.control.telescope import Action, GuardSettings, TaskRefused, is_safe
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import MountState

RAIN, WIND = "astro/interlock/rain", "astro/constraint/wind"
#: 08:10 UTC at La Palma on 16 December: the sun is up (about +2 deg).
DAWN = datetime(2026, 12, 16, 8, 10, tzinfo=UTC)


class FakeDevice:
    """A followed device: holds attribute values, pushes change events to subscribers."""

    def __init__(self, name: str, values: dict[str, Any]) -> None:
        self.name, self.values = name, values
        self.callbacks: dict[str, list[Any]] = {}

    def subscribe(self, attribute: str, callback: Any) -> Any:
        self.callbacks.setdefault(attribute, []).append(callback)
        callback(AttributeEvent(self.name, attribute, self.values[attribute]))
        return self

    def close(self) -> None:
        """Unsubscribe (nothing to do)."""

    def read(self, attribute: str) -> Any:
        return self.values[attribute]

    def push(self, attribute: str, value: Any) -> None:
        self.values[attribute] = value
        for callback in self.callbacks.get(attribute, []):
            callback(AttributeEvent(self.name, attribute, value))


class FakeProxies:
    def __init__(self) -> None:
        self.devices = {
            RAIN: FakeDevice(RAIN, {"fired": False, "reason": ""}),
            WIND: FakeDevice(WIND, {"isOk": True}),
        }

    def device(self, name: str) -> FakeDevice:
        return self.devices[name]


@pytest.fixture
def proxies() -> FakeProxies:
    return FakeProxies()


@pytest.fixture
def guarded(proxies: FakeProxies) -> Iterator[Rig]:
    rig = Rig(
        guard=GuardSettings(interlocks=(RAIN,), safing_gates=(WIND,), tick_s=5.0), proxies=proxies
    ).start()
    yield rig
    rig.cm.close()


def open_and_unpark(rig: Rig) -> None:
    for motion in (rig.cm.motions.unpark, rig.cm.motions.open_enclosure):
        done = Reports()
        rig.cm.submit(motion, task_callback=done)
        assert done.final()[0] is TaskStatus.COMPLETED


def test_with_an_interlock_fired_opening_unparking_and_tasks_are_refused(
    guarded: Rig, proxies: FakeProxies
) -> None:
    proxies.devices[RAIN].values["reason"] = "rain 2.5 mm/h"
    proxies.devices[RAIN].push("fired", True)
    with pytest.raises(TaskRefused) as info:
        guarded.cm.prepare_task(imaging(CAPELLA))
    assert info.value.reason == "InterlockFired"
    assert RAIN in str(info.value) and "rain 2.5 mm/h" in str(info.value)
    motions = (
        (Action.UNPARK, guarded.cm.motions.unpark),
        (Action.OPEN, guarded.cm.motions.open_enclosure),
    )
    for action, motion in motions:
        with pytest.raises(TaskRefused, match=RAIN):
            guarded.cm.guarded(action, motion)
    last = guarded.cm.monitor.latest
    assert last is not None and is_safe(last)


def test_an_interlock_firing_mid_task_makes_the_telescope_safe_by_itself(
    guarded: Rig, proxies: FakeProxies
) -> None:
    task = Reports()
    guarded.cm.submit_task(guarded.cm.prepare_task(imaging(CAPELLA)), task)
    guarded.wait_for(lambda t: t.mount.state is MountState.SLEWING)
    proxies.devices[RAIN].push("fired", True)  # no interlock storm: the telescope alone
    status, (code, _) = task.final()
    assert (status, code) == (TaskStatus.ABORTED, ResultCode.ABORTED)
    guarded.wait_for(is_safe, timeout_s=20.0)
    assert guarded.safings and "interlock astro/interlock/rain" in guarded.safings[0].reason


def test_a_queued_motion_is_refused_when_it_leaves_the_queue_after_the_interlock_fired(
    guarded: Rig, proxies: FakeProxies
) -> None:
    from astrotango.control.telescope import Action

    release = threading.Event()

    def blocker(*, task_callback: Any, abort_event: threading.Event) -> None:
        release.wait(5)
        task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, "done"))

    guarded.cm.submit(blocker, task_callback=Reports())
    unpark = Reports()
    guarded.cm.submit(
        guarded.cm.guarded(Action.UNPARK, guarded.cm.motions.unpark), task_callback=unpark
    )
    guarded.cm.guard._on_event(
        guarded.cm.guard._fired,  # the event, without a storm
        AttributeEvent(RAIN, "fired", True),
    )
    release.set()
    assert unpark.final()[0] in (TaskStatus.REJECTED, TaskStatus.ABORTED)
    last = guarded.wait_for(lambda t: not guarded.cm.executor.busy)
    assert last.mount.parked


def test_a_safing_gate_going_bad_closes_and_parks(guarded: Rig, proxies: FakeProxies) -> None:
    open_and_unpark(guarded)
    proxies.devices[WIND].push("isOk", False)
    guarded.wait_for(is_safe, timeout_s=20.0)
    assert any("safing gate astro/constraint/wind" in s.reason for s in guarded.safings)
    with pytest.raises(TaskRefused, match="safing gate"):
        guarded.cm.prepare_task(imaging(CAPELLA))


def test_a_lost_event_is_made_good_by_the_ticker_both_ways(
    guarded: Rig, proxies: FakeProxies
) -> None:
    """Events are for speed, reads for truth: a gate change whose event never arrives (a
    subscription not yet connected, a dropped message) is read on the next tick, whether
    it went bad (the telescope makes itself safe) or good again (opening is allowed)."""
    open_and_unpark(guarded)
    proxies.devices[WIND].values["isOk"] = False  # changed; its event lost
    guarded.wait_for(is_safe, timeout_s=20.0)
    assert any("safing gate astro/constraint/wind" in s.reason for s in guarded.safings)
    proxies.devices[WIND].values["isOk"] = True  # good again; that event lost too
    deadline = time.monotonic() + 10.0
    while guarded.cm.guard.refusal(Action.OPEN) and time.monotonic() < deadline:
        guarded.clock.sleep(1.0)
    assert guarded.cm.guard.refusal(Action.OPEN) == ""


def test_an_unreadable_interlock_is_treated_as_fired(proxies: FakeProxies) -> None:
    class Broken(FakeProxies):
        def device(self, name: str) -> FakeDevice:
            device = super().device(name)
            if name == RAIN:
                device.values["fired"] = None  # INVALID / unreachable
            return device

    rig = Rig(guard=GuardSettings(interlocks=(RAIN,)), proxies=Broken()).start()
    try:
        with pytest.raises(TaskRefused, match="cannot be read"):
            rig.cm.prepare_task(imaging(CAPELLA))
    finally:
        rig.cm.close()


def test_at_dawn_an_open_telescope_closes_and_parks() -> None:
    rig = Rig(start=DAWN, guard=GuardSettings(sun_limit_deg=-2.0, tick_s=10.0)).start()
    try:
        assert rig.cm.guard.sun_altitude_deg() > -2.0
        for motion in (rig.cm.motions.unpark, rig.cm.motions.open_enclosure):
            rig.cm.submit(motion, task_callback=Reports())  # unguarded: opened before dawn
        rig.wait_for(lambda t: not is_safe(t))
        rig.wait_for(is_safe, timeout_s=20.0)
        assert rig.safings[0].reason.startswith("daylight: the sun is at")
        with pytest.raises(TaskRefused, match="above this telescope's limit"):
            rig.cm.guarded(Action.OPEN, rig.cm.motions.open_enclosure)
    finally:
        rig.cm.close()


def test_an_idle_open_telescope_closes_after_its_idle_time() -> None:
    rig = Rig(guard=GuardSettings(idle_safe_after_s=600.0, tick_s=10.0)).start()
    try:
        open_and_unpark(rig)
        rig.wait_for(is_safe, timeout_s=30.0)
        assert rig.safings[0].reason.startswith("idle for")
        rig.wait_for(lambda _: bool(rig.safings[-1].outcome))
        assert rig.safings[-1].outcome.startswith("COMPLETED"), rig.safings
    finally:
        rig.cm.close()


def test_a_closed_dark_is_not_stopped_at_dawn() -> None:
    rig = Rig(start=DAWN, guard=GuardSettings(sun_limit_deg=-2.0, tick_s=10.0)).start()
    try:
        dark = task_spec({"type": "calibration", "kind": "dark", "exposure_s": 60, "count": 3})
        reports = Reports()
        rig.cm.submit_task(rig.cm.prepare_task(dark), reports)
        status, (code, message) = reports.final()
        assert (status, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
        assert not rig.safings
    finally:
        rig.cm.close()
