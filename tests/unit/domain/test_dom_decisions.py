"""The controller's decisions from tables: the moves each asks for, nothing applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from astrotango.domain import (
    Actor,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.domain.decisions import (
    STALE_ACTIONS,
    Decision,
    Staleness,
    TaskView,
    end_observation,
    stale_decision,
    staleness,
)
from astrotango.domain.run_decisions import (
    interrupted,
    not_started,
    refused,
    resumed,
    run_failed,
    settle,
)

_O, _T = ObservationStatus, TaskState
NOW = datetime(2026, 12, 15, 23, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def task(k: int, status: TaskState, **kw: object) -> TaskView:
    return TaskView(f"t{k}", status, NOW - 5 * HOUR, **kw)  # type: ignore[arg-type]


ALL_STATES = [task(k, s) for k, s in enumerate(_T)]


def edges(decision: Decision) -> list[tuple[str, str]]:
    return [(m.entity_id, m.to.value) for m in decision.moves]


@pytest.mark.parametrize(
    ("to", "actor"),
    [(_O.ABORTED, Actor.USER), (_O.ABORTED, Actor.SYSTEM), (_O.FAILED, Actor.SYSTEM)],
)
def test_ending_cancels_the_open_tasks_stops_the_running_one_and_ends_it_last(
    to: ObservationStatus, actor: Actor
) -> None:
    decision = end_observation("obs", ALL_STATES, to, actor, "why")

    open_ones = [t.id for t in ALL_STATES if t.status in (_T.PENDING, _T.SCHEDULED, _T.RUNNING)]
    assert edges(decision) == [(t, "canceled") for t in open_ones] + [("obs", to.value)]
    assert decision.stop == tuple(t.id for t in ALL_STATES if t.status is _T.RUNNING)
    assert decision.ends is to and decision.why == "why"
    for move, view in zip(
        decision.moves, [t for t in ALL_STATES if t.id in open_ones], strict=False
    ):
        check_task_transition(view.status, move.to, move.actor)  # every edge the table's
    obs_move = decision.moves[-1]
    for status in obs_move.expect or ():
        check_observation_transition(status, to, actor)


def test_a_failed_or_completed_task_is_kept_as_it_ended() -> None:
    kept = [task(0, _T.FAILED), task(1, _T.COMPLETED), task(2, _T.CANCELED)]
    decision = end_observation("obs", kept, _O.ABORTED, Actor.USER, "aborted by user")
    assert edges(decision) == [("obs", "aborted")] and decision.stop == ()


def test_the_tasks_may_say_something_else_and_the_start_states_be_narrowed() -> None:
    live = frozenset({_O.IN_PROGRESS})
    decision = end_observation(
        "obs", [task(0, _T.PENDING)], _O.FAILED, Actor.SYSTEM, "x", task_reason="y", expect=live
    )
    assert [m.reason for m in decision.moves] == ["y", "x"]
    assert decision.moves[-1].expect == live


@pytest.mark.parametrize(
    ("tasks", "updated", "expected"),
    [
        ([task(0, _T.COMPLETED)], NOW - 30 * timedelta(minutes=1), Staleness.ACTIVE),
        ([task(0, _T.COMPLETED)], NOW - 90 * timedelta(minutes=1), Staleness.WARNING),
        ([task(0, _T.COMPLETED)], NOW - 3 * HOUR, Staleness.STALE),
        # a running three-hour track is alive until its expected end
        (
            [task(0, _T.RUNNING, claimed_at=NOW - 3 * HOUR, duration_s=4 * 3600)],
            NOW - 3 * HOUR,
            Staleness.ACTIVE,
        ),
        # planned for later, or a window not yet open: idle by design
        ([task(0, _T.SCHEDULED, planned_start=NOW + HOUR)], NOW - 3 * HOUR, Staleness.WAITING),
        ([TaskView("t0", _T.PENDING, NOW + HOUR)], NOW - 3 * HOUR, Staleness.WAITING),
    ],
)
def test_staleness_counts_idle_time_as_mission_001_does(
    tasks: list[TaskView], updated: datetime, expected: Staleness
) -> None:
    level, _ = staleness(
        _O.ASSIGNED,
        updated,
        tasks,
        NOW,
        held_at=datetime.min.replace(tzinfo=UTC),
        cadence_next_eligible=None,
        warn_after=HOUR,
        stale_after=2 * HOUR,
    )
    assert level is expected


def test_a_hold_and_the_cadence_are_not_idle_time() -> None:
    common = dict(warn_after=HOUR, stale_after=2 * HOUR)
    tasks = [task(0, _T.COMPLETED)]
    held, idle = staleness(
        _O.IN_PROGRESS,
        NOW - 5 * HOUR,
        tasks,
        NOW,
        held_at=NOW - 10 * timedelta(minutes=1),
        cadence_next_eligible=None,
        **common,  # type: ignore[arg-type]
    )
    assert (held, idle) == (Staleness.ACTIVE, timedelta(minutes=10))
    waiting, _ = staleness(
        _O.IN_PROGRESS,
        NOW - 5 * HOUR,
        tasks,
        NOW,
        held_at=NOW - 5 * HOUR,
        cadence_next_eligible=NOW + HOUR,
        **common,  # type: ignore[arg-type]
    )
    assert waiting is Staleness.WAITING


def test_in_progress_between_tasks_waits_for_the_scheduler() -> None:
    tasks = [task(0, _T.COMPLETED), task(1, _T.PENDING)]
    level, _ = staleness(
        _O.IN_PROGRESS,
        NOW - 5 * HOUR,
        tasks,
        NOW,
        held_at=NOW - 5 * HOUR,
        cadence_next_eligible=None,
        warn_after=HOUR,
        stale_after=2 * HOUR,
    )
    assert level is Staleness.WAITING


def test_the_stale_table_is_mission_001s() -> None:
    assert STALE_ACTIONS == {
        _O.ASSIGNED: _O.PENDING,
        _O.IN_PROGRESS: _O.FAILED,
        _O.SUSPENDED: _O.FAILED,
    }


@pytest.mark.parametrize("status", [_O.IN_PROGRESS, _O.SUSPENDED])
def test_stale_in_progress_or_suspended_fails(status: ObservationStatus) -> None:
    decision = stale_decision("obs", status, [task(0, _T.RUNNING)], 2.5 * HOUR)
    assert decision.ends is _O.FAILED and decision.stop == ("t0",)
    assert decision.why == f"stale: {status.value} for 2.5 h"


def test_stale_assigned_goes_back_to_pending_with_its_planned_tasks() -> None:
    tasks = [task(0, _T.SCHEDULED), task(1, _T.PENDING), task(2, _T.COMPLETED)]
    decision = stale_decision("obs", _O.ASSIGNED, tasks, 2 * HOUR)
    assert edges(decision) == [("t0", "pending"), ("obs", "pending")]
    assert decision.ends is None
    for move in decision.moves:
        check = check_task_transition if move.kind == "task" else check_observation_transition
        check(_T.SCHEDULED if move.kind == "task" else _O.ASSIGNED, move.to, move.actor)


def test_stale_assigned_with_a_task_running_is_not_stuck() -> None:
    decision = stale_decision("obs", _O.ASSIGNED, [task(0, _T.RUNNING)], 2 * HOUR)
    assert not decision


# -- what follows a task's run ---------------------------------------------------------------


def legal(decision: Decision, states: dict[str, ObservationStatus | TaskState]) -> None:
    """Every write of the decision is an edge of the table from the state it meets."""
    now = dict(states)
    if decision.run_end is not None:
        end = decision.run_end
        assert now[end.task_id] is _T.RUNNING
        check_task_transition(_T.RUNNING, end.to, end.actor)
        now[end.task_id] = end.to
    for move in decision.moves:
        if move.expect is not None and now[move.entity_id] not in move.expect:
            continue
        check = check_task_transition if move.kind == "task" else check_observation_transition
        check(now[move.entity_id], move.to, move.actor)  # type: ignore[arg-type]
        now[move.entity_id] = move.to


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        (True, [("t0", "pending")]),
        (False, [("t1", "canceled"), ("t2", "canceled"), ("obs", "failed")]),
    ],
)
def test_a_failed_run_is_retried_or_fails_its_observation_in_one_decision(
    retry: bool, expected: list[tuple[str, str]]
) -> None:

    tasks = [task(0, _T.RUNNING), task(1, _T.PENDING), task(2, _T.RUNNING), task(3, _T.COMPLETED)]
    decision = run_failed(
        "t0", "obs", tasks, telescope="t1", error="shutter", retry=retry, reason="r"
    )
    end = decision.run_end
    assert end is not None and (end.task_id, end.to, end.error) == ("t0", _T.FAILED, "shutter")
    assert end.reason == "failed on t1: shutter"
    assert edges(decision) == expected
    # the failed task is not stopped (it ended), its running sibling is
    assert decision.stop == (() if retry else ("t2",))
    assert decision.ends is (None if retry else _O.FAILED)
    legal(decision, {"obs": _O.IN_PROGRESS, **{t.id: t.status for t in tasks}})


@pytest.mark.parametrize(
    ("captured", "to", "actor"),
    [("3 of 4 frames", _T.COMPLETED, Actor.EXECUTOR), (None, _T.PENDING, Actor.SYSTEM)],
)
def test_an_interrupted_run_suspends_and_keeps_what_is_enough(
    captured: str | None, to: TaskState, actor: Actor
) -> None:

    decision = interrupted("t0", "obs", "wind", captured=captured)
    assert decision.run_end is not None
    assert (decision.run_end.to, decision.run_end.actor) == (to, actor)
    assert edges(decision) == [("obs", "suspended")]
    assert decision.moves[0].expect == frozenset({_O.IN_PROGRESS})
    legal(decision, {"obs": _O.IN_PROGRESS, "t0": _T.RUNNING})


def test_not_started_goes_back_to_pending_and_the_observation_when_idle() -> None:

    alone = not_started("t0", "obs", [task(0, _T.SCHEDULED)], "dome", cancel_on=None, now=NOW)
    assert edges(alone) == [("t0", "pending"), ("obs", "pending")]
    legal(alone, {"obs": _O.ASSIGNED, "t0": _T.SCHEDULED})
    busy = not_started(
        "t0", "obs", [task(0, _T.SCHEDULED), task(1, _T.SCHEDULED)], "dome", cancel_on=None, now=NOW
    )
    assert edges(busy) == [("t0", "pending")], "a sibling still holds its slot"


def test_not_started_after_cancel_on_fails_the_task_and_the_observation() -> None:

    tasks = [task(0, _T.SCHEDULED), task(1, _T.PENDING)]
    decision = not_started("t0", "obs", tasks, "dome", cancel_on=NOW - HOUR, now=NOW)
    assert edges(decision) == [("t0", "failed"), ("t1", "canceled"), ("obs", "failed")]
    assert decision.ends is _O.FAILED and decision.why == "dome; cancel_on passed"
    legal(decision, {"obs": _O.ASSIGNED, "t0": _T.SCHEDULED, "t1": _T.PENDING})


def test_a_refused_run_ends_in_pending() -> None:

    decision = refused("t0", "obs", [task(0, _T.RUNNING)], "busy")
    assert decision.run_end is not None and decision.run_end.to is _T.PENDING
    assert edges(decision) == [("obs", "pending")]
    legal(decision, {"obs": _O.ASSIGNED, "t0": _T.RUNNING})


@pytest.mark.parametrize(
    ("status", "actor"), [(_O.ASSIGNED, Actor.EXECUTOR), (_O.SUSPENDED, Actor.SYSTEM)]
)
def test_a_start_puts_the_observation_in_progress(status: ObservationStatus, actor: Actor) -> None:

    decision = resumed("obs", status, "t1")
    assert edges(decision) == [("obs", "in_progress")] and decision.moves[0].actor is actor
    legal(decision, {"obs": status})


@pytest.mark.parametrize(
    ("status", "unrecorded", "expected", "ends"),
    [
        (_O.IN_PROGRESS, [], [("obs", "acquisition_complete"), ("obs", "completed")], _O.COMPLETED),
        (_O.SUSPENDED, ["t0"], [("obs", "acquisition_complete"), ("obs", "failed")], _O.FAILED),
        (
            _O.ACQUISITION_COMPLETE,
            [],
            [("obs", "acquisition_complete"), ("obs", "completed")],
            _O.COMPLETED,
        ),
    ],
)
def test_settling_ends_the_acquisition_and_the_observation_in_one_decision(
    status: ObservationStatus,
    unrecorded: list[str],
    expected: list[tuple[str, str]],
    ends: ObservationStatus,
) -> None:

    decision = settle("obs", status, [task(0, _T.COMPLETED)], unrecorded=unrecorded)
    assert edges(decision) == expected and decision.ends is ends
    legal(decision, {"obs": status})
    if unrecorded:
        assert decision.why == "upload error: no data recorded for t0"
    assert not settle("obs", _O.PENDING, [task(0, _T.COMPLETED)]), "not acquiring"
