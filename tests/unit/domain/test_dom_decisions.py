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
