"""Issue 13: what a run achieved is kept, and mission/001's edges are produced at their cause.

- A monitoring run that fails keeps what it achieved: each task's history says how it ended
  in that run, the series history says "run N: k of m tasks completed, failed: ...", and
  every task (the unfinished ones too) moves to the next run's window.
- An observation whose every task that was not dropped completed ends ``completed``, even
  when the last word is a dropped task or the time limit, not ``aborted`` or ``failed``.
- ``suspended -> acquisition_complete``: a task interrupted having captured its request's
  acceptability threshold of exposure time completes with what it captured.
- ``acquisition_complete -> failed``: a completed task whose data could not be recorded (its
  telescope did not hand over its assets) is an upload error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from control_rig import T1, T2, ControlRig
from fake_links import FakeLink
from sched_rig import NIGHT, example, single_target

from astrotango.control.observation.monitors import Monitors
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import (
    OBSERVATION_RESET_TRANSITIONS,
    OBSERVATION_TRANSITIONS,
    TASK_RESET_TRANSITIONS,
    TASK_TRANSITIONS,
    Actor,
    ObservationStatus,
    TaskState,
)
from astrotango.store import Store, TransitionRecord, open_store


class UnreachableAssets(FakeLink):
    """A telescope that ran the task but does not answer GetAssets."""

    def assets(self, task_id: str) -> list[dict[str, Any]]:
        raise ConnectionError(f"{self.name}: GetAssets timed out")


class Rig(ControlRig):
    links: dict[str, FakeLink]

    def __init__(self, store: Store) -> None:
        super().__init__(store, {T1: FakeLink(T1), T2: UnreachableAssets(T2)})
        self.eligible = {T1: (True, ""), T2: (True, "")}
        self.dispatcher = self.new_dispatcher(eligibility=lambda t, queue: self.eligible[t])
        self.monitors = Monitors(self.dispatcher)

    def start(self, task_id: str, telescope: str, minutes: int = 0) -> None:
        start = self.clock.now() + timedelta(minutes=minutes)
        self.dispatcher.assign_blocks(
            [{"task": task_id, "telescope": telescope, "start": start.isoformat()}]
        )
        self.clock.advance(minutes * 60)
        self.dispatcher.tick()

    def end(
        self, task_id: str, telescope: str, status: TaskStatus, result: Any, assets: list[Any]
    ) -> None:
        """The telescope ends the task having captured ``assets``."""
        link = self.links[telescope]
        link.captured[task_id] = assets
        link.callbacks[task_id][1](status, result)

    def path(self, observation_id: str) -> list[tuple[str | None, str, str]]:
        return [
            (t.from_status, t.to_status, t.actor) for t in self.store.transitions_of(observation_id)
        ]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield Rig(store)
    store.close()


def frames(task_id: str, seconds: list[float], *, partial_last: bool = False) -> list[Any]:
    """Assets as a telescope reports them: one per frame, with its exposure time."""
    return [
        {
            "asset_id": f"{task_id}-f{k}",
            "kind": "fits_image",
            "duration_s": s,
            "partial": partial_last and k == len(seconds) - 1,
            "task_info": {"task_id": task_id},
        }
        for k, s in enumerate(seconds)
    ]


def assert_every_transition_is_allowed(announced: list[TransitionRecord]) -> None:
    for t in announced:
        if t.from_status is None:
            continue
        if t.entity_kind == "observation":
            edge: Any = (ObservationStatus(t.from_status), ObservationStatus(t.to_status))
            table: Any = {**OBSERVATION_TRANSITIONS, **OBSERVATION_RESET_TRANSITIONS}
        else:
            edge = (TaskState(t.from_status), TaskState(t.to_status))
            table = {**TASK_TRANSITIONS, **TASK_RESET_TRANSITIONS}
            if edge == (TaskState.SCHEDULED, TaskState.RUNNING):
                continue
        assert edge in table, f"{edge} is not an edge of the lifecycle"
        assert Actor(t.actor) in table[edge], f"{t.actor} may not cause {edge}"


def series(tasks: int, **request: Any) -> dict[str, Any]:
    """The SN series with ``tasks`` tasks a run, no reassignment (a failure ends the run)."""
    document = example("sn_monitoring_series")
    document["iterations"] = tasks
    document["allow_reassignment"] = False
    document["requests"][0].update(request)
    return document


# -- a failed monitoring run keeps what it achieved ---------------------------------------


def test_a_failed_series_run_says_what_it_achieved_and_each_task_how_it_ended(rig: Rig) -> None:
    obs = rig.submit(series(2))
    done, broken = (t.id for t in rig.tasks(obs))
    rig.start(done, T1)
    rig.end(done, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(done, [60, 60]))
    rig.start(broken, T1)
    rig.end(broken, T1, TaskStatus.FAILED, [ResultCode.FAILED, "camera fault"], [])
    assert rig.status(obs) == "pending", "a failed run does not end a 20-run series"
    reset = rig.store.transitions_of(obs)[-1]
    assert (reset.from_status, reset.to_status) == ("failed", "pending")
    assert reset.reason.startswith(
        "run 1: 1 of 2 tasks completed, failed: camera fault (reassignment not allowed);"
    )
    # the finished task stays completed in that run's record; its reset says so
    done_history = [(t.to_status, t.reason) for t in rig.store.transitions_of(done, "task")]
    assert done_history[-2][0] == "completed"
    assert done_history[-1] == ("pending", "run 1 completed; next run of the series")
    broken_reset = rig.store.transitions_of(broken, "task")[-1].reason
    assert broken_reset == "run 1 failed; next run of the series"
    # its data stay registered: nothing of the run is thrown away
    assert {a.task_id for a in rig.store.assets_of_observation(obs)} == {done}
    [run] = rig.store.series_history(obs)
    assert (run.run, run.outcome, run.tasks_completed, run.tasks) == (1, "failed", 1, 2)
    assert run.reason == "camera fault (reassignment not allowed)"
    assert_every_transition_is_allowed(rig.announced)


def test_every_task_of_a_failed_series_run_moves_to_the_next_window(rig: Rig) -> None:
    """The reset moved only completed/failed/canceled tasks: a task the run never got to kept
    the old window (and a scheduled one its old slot)."""
    obs = rig.submit(series(3))
    first, broken, untouched = (t.id for t in rig.tasks(obs))
    rig.start(first, T1)
    rig.end(first, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(first, [60, 60]))
    rig.start(broken, T1)
    rig.end(broken, T1, TaskStatus.FAILED, [ResultCode.FAILED, "camera fault"], [])
    record = rig.store.get_observation(obs)
    assert record.status == "pending"
    for task in rig.tasks(obs):
        assert (task.id, task.status, task.window_start, task.window_end) == (
            task.id,
            "pending",
            record.window_start,
            record.window_end,
        )
    assert rig.store.get_task(untouched).window_start == NIGHT.replace(hour=18) + timedelta(1)
    assert_every_transition_is_allowed(rig.announced)


def test_a_series_run_that_completed_says_so(rig: Rig) -> None:
    obs = rig.submit(series(1))
    [task] = [t.id for t in rig.tasks(obs)]
    rig.start(task, T1)
    rig.end(task, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(task, [60, 60]))
    reset = rig.store.transitions_of(obs)[-1]
    assert (reset.from_status, reset.to_status) == ("completed", "pending")
    assert reset.reason.startswith("run 1: 1 of 1 tasks completed; series continues: run 2")


# -- the final status is honest ---------------------------------------------------------


def two_tasks_in_half_an_hour(rig: Rig) -> tuple[str, str, str]:
    document = single_target(
        "capella", 79.17, 45.99, window=("2026-12-15T20:00:00Z", "2026-12-15T20:30:00Z")
    )
    document["requests"][0]["iterations"] = 2
    obs = rig.submit(document)
    first, second = (t.id for t in rig.tasks(obs))
    return obs, first, second


def test_every_task_that_could_run_completed_the_window_closes_completed(rig: Rig) -> None:
    """The second task cannot fit what is left of the window: dispatch drops it (canceled).
    That was the last word, so nothing settled the observation; the time limit aborted it."""
    obs, first, second = two_tasks_in_half_an_hour(rig)
    rig.start(first, T1)
    rig.clock.advance(700)
    rig.end(first, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(first, [90] * 3))
    assert rig.status(obs) == "in_progress"
    rig.start(second, T1, minutes=8)
    assert rig.store.get_task(second).status == "canceled", "it cannot finish in its window"
    rig.clock.advance(20 * 60)
    rig.monitors.check_time_limits()
    assert rig.status(obs) == "completed"
    assert rig.path(obs)[-2:] == [
        ("in_progress", "acquisition_complete", "executor"),
        ("acquisition_complete", "completed", "system"),
    ]
    assert_every_transition_is_allowed(rig.announced)


def test_an_observation_with_nothing_left_to_do_is_settled_not_failed_as_stale(rig: Rig) -> None:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["iterations"] = 2
    obs = rig.submit(document)
    first, second = (t.id for t in rig.tasks(obs))
    rig.start(first, T1)
    rig.end(first, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(first, [90] * 3))
    rig.ledger.move_task(second, TaskState.CANCELED, Actor.SYSTEM, "cannot finish in its window")
    for _ in range(3):
        rig.clock.advance(3600)
        rig.monitors.check_stale()
    assert rig.status(obs) == "completed", "nothing was stuck: there was nothing left to do"


def test_a_window_cut_with_a_task_not_done_is_still_aborted(rig: Rig) -> None:
    obs, first, second = two_tasks_in_half_an_hour(rig)
    rig.start(first, T1)
    rig.end(first, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(first, [90] * 3))
    rig.clock.advance(31 * 60)  # the second never got its turn
    rig.monitors.check_time_limits()
    assert rig.status(obs) == "aborted"
    assert rig.store.get_task(second).status == "canceled"


# -- suspended -> acquisition_complete ----------------------------------------------------

G3_R3 = [90.0, 90.0, 90.0, 120.0, 120.0, 120.0]  # single_target's sequence, 630 s


def interrupted_with(rig: Rig, captured: list[Any], threshold: float) -> tuple[str, str]:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["acceptability_threshold"] = threshold
    obs = rig.submit(document)
    [task] = [t.id for t in rig.tasks(obs)]
    rig.start(task, T1)
    rig.eligible[T1] = (False, "astro/constraint/cloud: cloud cover 80% > 30%")
    rig.dispatcher.tick()
    rig.end(
        task,
        T1,
        TaskStatus.ABORTED,
        [ResultCode.ABORTED, "aborted during expose_6"],
        captured,
    )
    return obs, task


def test_interrupted_having_captured_enough_the_observation_completes(rig: Rig) -> None:
    """510 s of 630 s (81 %) captured, the request accepts 80 %: enough data captured."""
    obs, task = interrupted_with(rig, frames("x", G3_R3, partial_last=True), threshold=0.8)
    assert rig.store.get_task(task).status == "completed"
    assert rig.status(obs) == "completed"
    assert rig.path(obs)[-4:] == [
        ("assigned", "in_progress", "executor"),
        ("in_progress", "suspended", "system"),
        ("suspended", "acquisition_complete", "system"),
        ("acquisition_complete", "completed", "system"),
    ]
    reason = rig.store.transitions_of(obs)[-2].reason
    assert reason.startswith("enough data captured")
    completed = rig.store.transitions_of(task, "task")[-1]
    assert (completed.to_status, completed.actor) == ("completed", "executor")
    assert "510 s of 630 s" in completed.reason
    assert_every_transition_is_allowed(rig.announced)


def test_interrupted_below_its_threshold_the_task_is_requeued(rig: Rig) -> None:
    obs, task = interrupted_with(rig, frames("x", G3_R3, partial_last=True), threshold=0.9)
    assert rig.store.get_task(task).status == "pending"
    assert rig.status(obs) == "suspended"


# -- acquisition_complete -> failed --------------------------------------------------------


def test_a_completed_task_whose_data_could_not_be_recorded_is_an_upload_error(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    [task] = [t.id for t in rig.tasks(obs)]
    rig.start(task, T2)
    rig.end(task, T2, TaskStatus.COMPLETED, [ResultCode.OK, "completed"], frames(task, G3_R3))
    assert rig.store.get_task(task).status == "completed", "its exposures were captured"
    assert rig.status(obs) == "failed"
    assert rig.path(obs)[-2:] == [
        ("in_progress", "acquisition_complete", "executor"),
        ("acquisition_complete", "failed", "system"),
    ]
    reason = rig.store.transitions_of(obs)[-1].reason
    assert reason.startswith("upload error") and "GetAssets timed out" in reason
    assert_every_transition_is_allowed(rig.announced)


def test_an_upload_error_fails_one_series_run_not_the_series(rig: Rig) -> None:
    obs = rig.submit(series(1))
    [task] = [t.id for t in rig.tasks(obs)]
    rig.start(task, T2)
    rig.end(task, T2, TaskStatus.COMPLETED, [ResultCode.OK, "completed"], frames(task, [60, 60]))
    assert rig.status(obs) == "pending"
    [run] = rig.store.series_history(obs)
    assert run.outcome == "failed"
    reset = rig.store.transitions_of(obs)[-1].reason
    assert reset.startswith("run 1: 1 of 1 tasks completed, failed: upload error")


def test_the_last_task_dropped_by_dispatch_settles_the_observation_at_once(rig: Rig) -> None:
    """Not at the next time-limit or stale check: the drop itself was the last word."""
    obs, first, second = two_tasks_in_half_an_hour(rig)
    rig.start(first, T1)
    rig.clock.advance(700)
    rig.end(first, T1, TaskStatus.COMPLETED, [ResultCode.OK, "done"], frames(first, [90] * 3))
    rig.start(second, T1, minutes=8)
    assert rig.store.get_task(second).status == "canceled"
    assert rig.status(obs) == "completed"
    assert_every_transition_is_allowed(rig.announced)
