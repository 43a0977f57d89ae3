"""TaskTracker: completion exactly once, progress, context, robustness, concurrency."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrotango.control_model import (
    TERMINAL_TASK_STATUSES,
    HealthState,
    ResultCode,
    TaskStatus,
)
from astrotango.lrc.task_tracker import SubtaskResult, TaskTracker

C, F, A, IP = TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.ABORTED, TaskStatus.IN_PROGRESS
OK = (ResultCode.OK, "done")


class Recorder:
    """A completed_callback that records every call, thread-safely."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, **kwargs: Any) -> None:
        with self._lock:
            self.calls.append(kwargs)

    @property
    def completions(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if "status" in c]

    @property
    def progress_only(self) -> list[int]:
        return [c["progress"] for c in self.calls if set(c) == {"progress"}]


def finished(tracker: TaskTracker) -> bool:
    """Whether the completion event is set, without blocking."""
    already = threading.Event()
    already.set()
    return tracker.wait_for_task_completion(already)


def test_64_concurrent_updates_give_exactly_one_completion() -> None:
    rec = Recorder()
    tracker = TaskTracker("observe", 64, rec, progress_updates=True)
    barrier = threading.Barrier(64)

    def work(i: int) -> None:
        barrier.wait()
        tracker.update_task(task_name=f"sub{i}", status=IP, progress=50)
        tracker.update_task(task_name=f"sub{i}", status=C, result=OK, device_name=f"dev/{i:02d}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rec.completions) == 1
    assert rec.calls[-1] is rec.completions[0]  # nothing after completion
    assert rec.progress_only == sorted(rec.progress_only)  # delivered in order
    assert 100 not in rec.progress_only
    done = rec.completions[0]
    assert done["status"] is C and done["result"][0] is ResultCode.OK
    assert done["devices"] == [f"dev/{i:02d}" for i in range(64)]
    assert tracker.completed_subtasks == 64 and tracker.progress == 100
    assert finished(tracker)


def test_completion_payload_keys_exactly() -> None:
    class DevError:
        desc = "camera timeout"

    rec = Recorder()
    tracker = TaskTracker("observe", 3, rec)
    tracker.update_task(task_name="slew", status=C, result=OK, devices=["mount/1"])
    tracker.update_task(
        task_name="expose_1",
        status=C,
        result=(ResultCode.FAILED, "camera timeout"),
        devices=["cam/2", "cam/1"],
        failed_devices=["cam/2"],
        error=(err := DevError(),),
    )
    tracker.update_task(task_name="expose_2", status=F, device_name="cam/0")
    assert len(rec.calls) == 1
    payload = rec.calls[0]
    assert set(payload) == {
        "status",
        "result",
        "progress",
        "devices",
        "failed_devices",
        "health_state",
        "error",
    }
    assert payload["status"] is C  # some failed: completed with a failure result
    assert payload["result"] == (
        ResultCode.FAILED,
        "slew: OK; expose_1: FAILED (camera timeout); expose_2: FAILED",
    )
    assert payload["progress"] == 100
    assert payload["devices"] == ["cam/0", "cam/1", "cam/2", "mount/1"]
    assert payload["failed_devices"] == ["cam/0", "cam/2"]
    assert payload["health_state"] is HealthState.DEGRADED
    assert payload["error"] == (err,)
    assert tracker.overall_resultcode == payload["result"]
    assert tracker.overall_health is HealthState.DEGRADED


def test_payload_without_devices_or_errors_omits_them() -> None:
    rec = Recorder()
    TaskTracker("t", 1, rec).update_task(task_name="a", status=C, result=OK)
    assert set(rec.calls[0]) == {"status", "result", "progress", "health_state"}


def test_aborted_takes_precedence() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 3, rec)
    tracker.update_task(task_name="a", status=F)
    tracker.update_task(task_name="b", status=A)
    tracker.update_task(task_name="c", status=IP)
    assert tracker.get_status() is A and tracker.get_result() is ResultCode.ABORTED
    assert rec.calls == []  # not every subtask is final yet
    tracker.update_task(task_name="c", status=C, result=OK)
    assert rec.calls[0]["status"] is A
    assert rec.calls[0]["result"][0] is ResultCode.ABORTED


def test_all_failed_is_failed() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 2, rec)
    tracker.update_task(task_name="a", status=F)
    tracker.update_task(task_name="b", status=C, result=(ResultCode.REJECTED, "no"))
    assert rec.calls[0]["status"] is F
    assert rec.calls[0]["health_state"] is HealthState.FAILED
    assert tracker.overall_result is ResultCode.FAILED


def test_critical_failure_is_failed() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 3, rec)
    tracker.update_task(task_name="a", status=C, result=OK)
    tracker.update_task(task_name="b", status=F, critical=True)
    tracker.update_task(task_name="c", status=C, result=OK)
    assert rec.calls[0]["status"] is F
    assert tracker.get_result() is ResultCode.FAILED


def test_progress_is_mean_over_expected_subtasks() -> None:
    tracker = TaskTracker("t", 4, None)
    tracker.update_task(task_name="a", progress=150)  # capped to 100
    assert tracker.progress == 25  # unseen subtasks count as 0
    tracker.update_task(task_name="b", progress=-5)  # capped to 0
    tracker.update_task(task_name="c", status=C, result=OK, progress=10)  # final counts 100
    tracker.update_task(task_name="d", progress=51)
    assert tracker.progress == (100 + 0 + 100 + 51) // 4
    assert tracker.subtasks["a"].progress == 100 and tracker.subtasks["b"].progress == 0
    assert isinstance(tracker.subtasks["c"], SubtaskResult)


def test_progress_notifications_are_quantised() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 1, rec, progress_updates=True, progress_step=10)
    for value in (3, 7, 12, 19, 25):
        tracker.update_task(task_name="a", status=IP, progress=value)
    assert rec.calls == [{"progress": 10}, {"progress": 20}]


def test_completion_carries_100_without_progress_only_notification() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 1, rec, progress_updates=True, progress_step=25)
    tracker.update_task(task_name="a", status=IP, progress=60)
    tracker.update_task(task_name="a", status=C, result=OK, progress=100)
    tracker.update_task(task_name="b", progress=80)  # after completion: ignored
    assert rec.progress_only == [50]
    assert len(rec.calls) == 2 and rec.calls[1]["progress"] == 100


def test_no_progress_notifications_when_disabled() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 2, rec)
    for value in (10, 40, 90):
        tracker.update_task(task_name="a", status=IP, progress=value)
    assert rec.calls == []
    assert tracker.progress == 45


def test_late_and_duplicate_updates_are_ignored() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 2, rec)
    tracker.update_task(task_name="a", status=C, result=OK)
    tracker.update_task(task_name="a", status=F, result=(ResultCode.FAILED, "late"))
    tracker.update_task(task_name="a", status=C, result=OK)
    assert tracker.subtasks["a"].status is C and tracker.subtasks["a"].result == OK
    assert tracker.completed_subtasks == 1 and rec.calls == []
    tracker.update_task(task_name="b", status=C, result=OK)
    tracker.update_task(task_name="b", status=F)
    assert len(rec.calls) == 1 and tracker.get_status() is C


def test_zero_subtasks_complete_at_construction() -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 0, rec)
    assert rec.calls == [
        {
            "status": C,
            "result": (ResultCode.OK, ""),
            "progress": 100,
            "health_state": HealthState.OK,
        }
    ]
    assert finished(tracker) and tracker.progress == 100
    tracker.update_task(task_name="x", status=F)
    assert len(rec.calls) == 1 and tracker.get_status() is C


def test_wait_returns_false_when_timeout_event_set_first() -> None:
    tracker = TaskTracker("t", 1, None)
    timeout = threading.Event()
    outcome: list[bool] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(tracker.wait_for_task_completion(timeout))
    )
    waiter.start()
    timeout.set()
    waiter.join(timeout=5)
    assert outcome == [False]


def test_wait_returns_true_after_completion_from_another_thread() -> None:
    tracker = TaskTracker("t", 1, None)
    outcome: list[bool] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(tracker.wait_for_task_completion(threading.Event()))
    )
    waiter.start()
    updater = threading.Thread(target=tracker.update_task, kwargs={"task_name": "a", "status": C})
    updater.start()
    updater.join(timeout=5)
    waiter.join(timeout=5)
    assert outcome == [True]
    assert tracker.wait_for_task_completion()


def test_signal_task_completion_releases_waiters() -> None:
    tracker = TaskTracker("t", 1, None)
    tracker.signal_task_completion()
    assert tracker.wait_for_task_completion(threading.Event())


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "banana"},
        {"status": IP, "progress": "x"},
        {"status": IP, "devices": 42},
        {"status": IP, "critical": "yes"},
    ],
)
def test_garbage_input_fails_task_without_raising(bad: dict[str, Any]) -> None:
    rec = Recorder()
    tracker = TaskTracker("t", 2, rec)
    tracker.update_task(task_name="a", **bad)
    assert finished(tracker)
    assert len(rec.calls) == 1
    assert rec.calls[0]["status"] is F and rec.calls[0]["result"][0] is ResultCode.FAILED
    assert tracker.overall_resultcode[0] is ResultCode.FAILED
    assert tracker.get_status() is F and tracker.overall_health is HealthState.FAILED
    tracker.update_task(task_name="b", status=C)  # after failure: ignored, no second call
    assert len(rec.calls) == 1


def test_raising_completion_callback_is_contained_and_called_once() -> None:
    calls: list[dict[str, Any]] = []

    def callback(**kwargs: Any) -> None:
        calls.append(kwargs)
        raise RuntimeError("boom")

    tracker = TaskTracker("t", 1, callback)
    tracker.update_task(task_name="a", status=C, result=OK)
    tracker.update_task(task_name="a", status=F)
    assert len(calls) == 1
    assert finished(tracker)
    assert tracker.get_status() is F and tracker.get_result() is ResultCode.FAILED
    assert "boom" in tracker.overall_resultcode[1]


def test_raising_progress_callback_fails_task_with_one_completion_attempt() -> None:
    calls: list[dict[str, Any]] = []

    def callback(**kwargs: Any) -> None:
        calls.append(kwargs)
        if set(kwargs) == {"progress"}:
            raise RuntimeError("progress sink down")

    tracker = TaskTracker("t", 2, callback, progress_updates=True)
    tracker.update_task(task_name="a", status=IP, progress=50)
    assert finished(tracker)
    assert len(calls) == 2
    assert calls[0] == {"progress": 20}  # quantised mean of 50 and 0 (unseen)
    assert calls[1]["status"] is F
    assert "progress sink down" in calls[1]["result"][1]


def test_callback_may_update_the_tracker_reentrantly() -> None:
    tracker: TaskTracker

    def callback(**kwargs: Any) -> None:
        if kwargs.get("progress") == 50 and "status" not in kwargs:
            tracker.update_task(task_name="b", status=C, result=OK)

    tracker = TaskTracker("t", 2, callback, progress_updates=True)
    tracker.update_task(task_name="a", status=C, result=OK)
    assert finished(tracker) and tracker.get_status() is C


def test_set_context_rebuilds_policy_only_on_change() -> None:
    tracker = TaskTracker("t", 1, None, operation="Observe", is_root=True)
    first = tracker.policy
    tracker.set_context()
    tracker.set_context(operation="Observe")
    assert tracker.policy is first
    tracker.set_context(obs_mode="imaging")
    second = tracker.policy
    assert second is not first
    assert (second.operation, second.obs_mode, second.is_root) == ("Observe", "imaging", True)
    tracker.update_task(task_name="a", status=IP, obs_mode="imaging")
    assert tracker.policy is second
    tracker.update_task(task_name="a", status=IP, operation="Calibrate")
    assert tracker.policy is not second and tracker.operation == "Calibrate"
    tracker.update_task(task_name="a", status=C, result=OK)
    assert tracker.overall_resultcode[1].startswith(
        "t [operation=Calibrate, obs_mode=imaging]: all 1 subtasks completed"
    )


def test_progress_step_is_validated() -> None:
    with pytest.raises(ValueError, match="progress_step"):
        TaskTracker("t", 1, progress_step=0)


STATUSES = [None, TaskStatus.QUEUED, IP, C, F, A, TaskStatus.REJECTED]
updates = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(STATUSES), st.integers(-20, 120)), max_size=20
)


def _expect_completion(expected: int, plan: list[tuple[int, TaskStatus | None, int]]) -> bool:
    reached = {i for i, status, _ in plan if i < expected and status in TERMINAL_TASK_STATUSES}
    return len(reached) == expected


@settings(max_examples=300, deadline=None)
@given(expected=st.integers(1, 4), plan=updates, progress_updates=st.booleans())
def test_property_completion_iff_all_expected_final(
    expected: int, plan: list[tuple[int, TaskStatus | None, int]], progress_updates: bool
) -> None:
    plan = [(i % expected, s, p) for i, s, p in plan]
    rec = Recorder()
    tracker = TaskTracker("t", expected, rec, progress_updates=progress_updates)
    for i, status, progress in plan:
        tracker.update_task(task_name=f"s{i}", status=status, progress=progress)
    should_complete = _expect_completion(expected, plan)
    assert len(rec.completions) == int(should_complete)
    assert finished(tracker) is should_complete
    if should_complete:
        assert rec.calls[-1] is rec.completions[0]
    assert all(0 <= p <= 100 for p in rec.progress_only)


@settings(max_examples=40, deadline=None)
@given(expected=st.integers(1, 4), plans=st.lists(updates, min_size=2, max_size=4))
def test_property_threaded_interleavings_complete_at_most_once(
    expected: int, plans: list[list[tuple[int, TaskStatus | None, int]]]
) -> None:
    plans = [[(i % expected, s, p) for i, s, p in plan] for plan in plans]
    rec = Recorder()
    tracker = TaskTracker("t", expected, rec, progress_updates=True)
    barrier = threading.Barrier(len(plans))

    def run(plan: list[tuple[int, TaskStatus | None, int]]) -> None:
        barrier.wait()
        for i, status, progress in plan:
            tracker.update_task(task_name=f"s{i}", status=status, progress=progress)

    threads = [threading.Thread(target=run, args=(plan,)) for plan in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    should_complete = _expect_completion(expected, [u for plan in plans for u in plan])
    assert len(rec.completions) == int(should_complete)
    assert finished(tracker) is should_complete


def test_completion_waits_for_a_progress_notification_in_flight() -> None:
    entered, release = threading.Event(), threading.Event()
    log: list[str] = []

    def callback(**kwargs: Any) -> None:
        if "status" in kwargs:
            log.append("completion")
            return
        log.append("progress-start")
        entered.set()
        assert release.wait(timeout=5)
        log.append("progress-end")

    tracker = TaskTracker("t", 2, callback, progress_updates=True)
    slow = threading.Thread(
        target=tracker.update_task, kwargs={"task_name": "a", "status": IP, "progress": 40}
    )
    slow.start()
    assert entered.wait(timeout=5)
    tracker.update_task(task_name="a", status=C, result=OK)
    tracker.update_task(task_name="b", status=C, result=OK)
    assert log == ["progress-start"]  # queued behind the in-flight notification
    assert not finished(tracker)
    release.set()
    slow.join(timeout=5)
    # progress 20 (in flight), then 50 (queued by the main thread), then the completion
    assert log == ["progress-start", "progress-end"] * 2 + ["completion"]
    assert finished(tracker)
