"""LrcReference through a real client in another process: the whole LRC protocol.

The device server runs in a subprocess (``DeviceTestContext(process=True)``); this test process
is the Tango client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from tango.test_context import DeviceTestContext

from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.reference import LrcReference

FINAL = {int(s) for s in (TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.FAILED)}


@pytest.fixture(scope="module")
def device() -> Iterator[tango.DeviceProxy]:
    with DeviceTestContext(LrcReference, process=True, timeout=30) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def exercise(proxy: tango.DeviceProxy, **spec: Any) -> tuple[int, str]:
    [code], [text] = proxy.Exercise(json.dumps(spec))
    return code, text


def live(device: tango.DeviceProxy, events: Any, *attributes: str) -> Any:
    """An event log whose subscription is known to be live.

    ``subscribe_event`` returns before the ZMQ subscription has joined, so the first events
    pushed after it can be lost ("slow joiner"). A one-step command whose final event arrives
    proves the subscription live; the tests that read a command's first events start after it.
    """
    log = events(device, "_lrcEvent", *attributes)
    for _ in range(5):
        _, probe = exercise(device, steps=1, step_s=0.01)
        try:
            log.wait_for(final_event(probe), timeout_s=3.0)
        except AssertionError:
            continue
        return log
    raise AssertionError("the _lrcEvent subscription never delivered an event")


def running_event(command_id: str) -> Any:
    """Match the first sign that a command runs: its IN_PROGRESS status or any progress."""

    def match(name: str, value: Any) -> bool:
        if name != "_lrcevent" or value[0] != command_id:
            return False
        event = json.loads(value[1])
        return event.get("status") == TaskStatus.IN_PROGRESS or "progress" in event

    return match


def final_event(command_id: str) -> Any:
    def match(name: str, value: Any) -> bool:
        return (
            name == "_lrcevent"
            and value[0] == command_id
            and json.loads(value[1]).get("status") in FINAL
        )

    return match


def test_admin_mode_offline_disables_and_online_restores(device: tango.DeviceProxy) -> None:
    device.adminMode = AdminMode.OFFLINE
    assert device.state() == tango.DevState.DISABLE
    with pytest.raises(tango.DevFailed):
        exercise(device, steps=1)
    device.adminMode = AdminMode.ONLINE
    assert device.state() == tango.DevState.ON
    assert device.lrcProtocolVersions.tolist() == [1, 2]
    assert device.versionId and device.buildState.startswith("astrotango")


def test_event_sequence_from_staging_to_completed(device: tango.DeviceProxy, events: Any) -> None:
    log = live(device, events, "longRunningCommandStatus", "longRunningCommandResult")
    code, command_id = exercise(device, steps=5, step_s=0.05)
    assert code == ResultCode.QUEUED
    log.wait_for(final_event(command_id))
    lrc = log.lrc(command_id)
    statuses = [e["status"] for e in lrc if "status" in e]
    assert statuses == [
        TaskStatus.STAGING,
        TaskStatus.QUEUED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.COMPLETED,
    ]
    progress = [e["progress"] for e in lrc if "progress" in e]
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) >= 5
    kinds = ["result" if "result" in e else "status" for e in lrc if "progress" not in e]
    assert kinds[-2:] == ["result", "status"], "the result comes before the final status"
    assert [e["result"] for e in lrc if "result" in e] == [[0, "Exercise of 5 steps completed"]]
    # the v1 attributes tell the same story
    log.wait_for(
        lambda n, v: n == "longrunningcommandstatus" and command_id in v and "COMPLETED" in v
    )
    assert device.longRunningCommandResult == (command_id, '[0, "Exercise of 5 steps completed"]')
    finished = [json.loads(f) for f in device.lrcFinished]
    assert any(f["uid"] == command_id and f["status"] == "COMPLETED" for f in finished)
    assert device.CheckLongRunningCommandStatus(command_id) == "COMPLETED"
    assert device.CheckLongRunningCommandStatus("1_2_Nothing") == "NOT_FOUND"


def test_a_failing_step_gives_a_failed_result_not_an_exception(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = live(device, events)
    _, command_id = exercise(device, steps=3, step_s=0.02, fail_step=2)
    log.wait_for(final_event(command_id))
    [result] = [e["result"] for e in log.lrc(command_id) if "result" in e]
    assert result[0] == ResultCode.FAILED and "step 2 failed" in result[1]


@pytest.mark.parametrize(
    ("argument", "field"),
    [
        ("{", "not valid JSON"),
        ('{"steps": 0}', "steps"),
        ('{"step_s": -1}', "step_s"),
        ('{"fail_step": 9, "steps": 2}', "fail_step"),
        ('{"speed": 1}', "speed"),
    ],
)
def test_bad_arguments_raise_dev_failed_naming_the_field(
    device: tango.DeviceProxy, argument: str, field: str
) -> None:
    with pytest.raises(tango.DevFailed) as info:
        device.Exercise(argument)
    assert field in info.value.args[0].desc
    assert info.value.args[0].reason == "API_InvalidArgument"


def test_abort_ends_the_running_and_the_queued_command(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = live(device, events)
    _, running = exercise(device, steps=100, step_s=0.2)
    log.wait_for(running_event(running))
    _, queued = exercise(device, steps=1)
    [code], [abort_id] = device.Abort()
    assert code == ResultCode.STARTED
    log.wait_for(final_event(abort_id))
    for command_id in (running, queued):
        assert device.CheckLongRunningCommandStatus(command_id) == "ABORTED"
    queued_results = [e["result"] for e in log.lrc(queued) if "result" in e]
    assert queued_results == [[7, "Command has been aborted"]]
    assert [e["result"] for e in log.lrc(abort_id) if "result" in e] == [[0, "Abort completed OK"]]
    ids_in_order = [
        v[0]
        for n, v in log.seen
        if (n == "_lrcevent" and '"status": 3' in v[1]) or '"status": 5' in v[1]
    ]
    assert ids_in_order.index(running) < ids_in_order.index(abort_id), "abort completes last"


def test_the_33rd_waiting_command_is_rejected(device: tango.DeviceProxy, events: Any) -> None:
    log = live(device, events)
    _, running = exercise(device, steps=100, step_s=0.2)
    log.wait_for(running_event(running))
    for _ in range(32):
        assert exercise(device, steps=1)[0] == ResultCode.QUEUED
    code, reason = exercise(device, steps=1)
    assert code == ResultCode.REJECTED
    assert reason == "Input queue supports a maximum of 32 commands"
    assert len(device.lrcQueue) == 32
    [_], [abort_id] = device.AbortCommands()
    log.wait_for(final_event(abort_id))
    assert device.lrcQueue == () or device.lrcQueue is None


def test_standard_attributes_push_change_and_archive_events(device: tango.DeviceProxy) -> None:
    import queue

    seen: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def on_event(event: tango.EventData) -> None:
        if not event.err:
            name = event.attr_name.rsplit("/", 1)[-1].split("#", 1)[0].lower()
            seen.put((f"{name}:{event.event}", event.attr_value.value))

    subs = [
        device.subscribe_event(name, kind, on_event)
        for name in ("adminMode", "State", "lrcFinished")
        for kind in (tango.EventType.CHANGE_EVENT, tango.EventType.ARCHIVE_EVENT)
    ]
    try:
        device.adminMode = AdminMode.ENGINEERING
        device.adminMode = AdminMode.ONLINE
        _, command_id = exercise(device, steps=1, step_s=0.01)
        wanted = {
            ("adminmode:change", AdminMode.ENGINEERING),
            ("adminmode:archive", AdminMode.ENGINEERING),
        }
        finished_kinds: set[str] = set()
        deadline = time.monotonic() + 15
        while (wanted or len(finished_kinds) < 2) and time.monotonic() < deadline:
            try:
                key, value = seen.get(timeout=0.5)
            except queue.Empty:
                continue
            wanted.discard((key, value))
            if key.startswith("lrcfinished") and any(command_id in v for v in value or ()):
                finished_kinds.add(key)
        assert not wanted
        assert finished_kinds == {"lrcfinished:change", "lrcfinished:archive"}
    finally:
        for sub in subs:
            device.unsubscribe_event(sub)


def test_admin_mode_refuses_a_jump_from_not_fitted_to_online(device: tango.DeviceProxy) -> None:
    device.adminMode = AdminMode.OFFLINE
    device.adminMode = AdminMode.NOT_FITTED
    with pytest.raises(tango.DevFailed, match="go through OFFLINE"):
        device.adminMode = AdminMode.ONLINE
    device.adminMode = AdminMode.OFFLINE
    device.adminMode = AdminMode.ONLINE
    assert device.state() == tango.DevState.ON


class _Deaf:
    """The device seen through a subscription that lost every event (a slow joiner)."""

    def __init__(self, proxy: tango.DeviceProxy) -> None:
        self._proxy = proxy

    def subscribe_event(self, *_: Any) -> int:
        return 0

    def unsubscribe_event(self, _: int) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proxy, name)


def test_a_client_that_missed_every_event_still_gets_the_outcome(
    device: tango.DeviceProxy,
) -> None:
    from astrotango.client import invoke_lrc

    deaf: Any = _Deaf(device)
    outcome = invoke_lrc(deaf, "Exercise", json.dumps({"steps": 3}), timeout_s=20)
    assert outcome.status == TaskStatus.COMPLETED
    assert outcome.result == [0, "Exercise of 3 steps completed"]


def test_every_event_is_stamped_inside_its_push(device: tango.DeviceProxy, events: Any) -> None:
    """What the virtual clock's event ledger relies on: an event's Tango timestamp is never
    older than the wall microsecond recorded just before it was pushed (for each of a
    command's events, none older than the moment the command was sent)."""
    stamps: dict[str, list[int]] = {}

    def on_event(event: tango.EventData) -> None:
        if not event.err and event.attr_value.value:
            uid, _ = event.attr_value.value
            t = event.attr_value.time
            stamps.setdefault(uid, []).append(t.tv_sec * 1_000_000 + t.tv_usec)

    sub = device.subscribe_event("_lrcEvent", tango.EventType.CHANGE_EVENT, on_event)
    try:
        log = live(device, events)
        sent = time.time_ns() // 1000
        _, command_id = exercise(device, steps=3, step_s=0.01)
        log.wait_for(final_event(command_id))
        deadline = time.monotonic() + 5.0
        while len(stamps.get(command_id, ())) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        device.unsubscribe_event(sub)
    mine = stamps[command_id]
    assert len(mine) >= 5, mine  # staging, queued/in progress, progress..., result, final
    assert min(mine) >= sent
    assert mine == sorted(mine)
