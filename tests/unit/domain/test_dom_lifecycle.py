from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astrotango.domain import (
    OBSERVATION_TRANSITIONS,
    TASK_TRANSITIONS,
    TERMINAL_OBSERVATION_STATUSES,
    TERMINAL_TASK_STATES,
    Actor,
    AssignmentChange,
    EntityKind,
    IllegalTransition,
    ObservationStatus,
    TaskState,
    Window,
    check_observation_transition,
    check_task_transition,
    parse_observation,
    resubmit,
    transition_observation,
    transition_task,
)

AT = datetime(2026, 12, 15, 20, tzinfo=UTC)
OS, T, A = ObservationStatus, TaskState, Actor

# every edge drawn in mission/001's diagram, with the actor its text names
DIAGRAM = [
    (OS.PENDING, OS.ASSIGNED, A.SCHEDULER),
    (OS.ASSIGNED, OS.IN_PROGRESS, A.EXECUTOR),
    (OS.ASSIGNED, OS.PENDING, A.SYSTEM),
    (OS.ASSIGNED, OS.FAILED, A.EXECUTOR),
    (OS.ASSIGNED, OS.ABORTED, A.USER),
    (OS.IN_PROGRESS, OS.ACQUISITION_COMPLETE, A.EXECUTOR),
    (OS.IN_PROGRESS, OS.FAILED, A.EXECUTOR),
    (OS.IN_PROGRESS, OS.ABORTED, A.USER),
    (OS.IN_PROGRESS, OS.SUSPENDED, A.SYSTEM),
    (OS.SUSPENDED, OS.IN_PROGRESS, A.SYSTEM),
    (OS.SUSPENDED, OS.ACQUISITION_COMPLETE, A.SYSTEM),
    (OS.SUSPENDED, OS.ABORTED, A.USER),
    (OS.ACQUISITION_COMPLETE, OS.COMPLETED, A.SYSTEM),
    (OS.ACQUISITION_COMPLETE, OS.FAILED, A.SYSTEM),
]

ILLEGAL = [
    (OS.PENDING, OS.ASSIGNED, A.USER),
    (OS.PENDING, OS.IN_PROGRESS, A.EXECUTOR),
    (OS.PENDING, OS.COMPLETED, A.SYSTEM),
    (OS.ASSIGNED, OS.IN_PROGRESS, A.SCHEDULER),
    (OS.IN_PROGRESS, OS.SUSPENDED, A.USER),
    (OS.IN_PROGRESS, OS.COMPLETED, A.EXECUTOR),
    (OS.SUSPENDED, OS.PENDING, A.SYSTEM),
    (OS.ACQUISITION_COMPLETE, OS.ABORTED, A.USER),
    (OS.COMPLETED, OS.PENDING, A.SYSTEM),
    (OS.FAILED, OS.PENDING, A.SYSTEM),
    (OS.ABORTED, OS.PENDING, A.SYSTEM),
    (OS.COMPLETED, OS.FAILED, A.SYSTEM),
]


def test_status_values_are_exactly_the_mission_strings() -> None:
    assert [s.value for s in OS] == [
        "pending",
        "assigned",
        "in_progress",
        "acquisition_complete",
        "suspended",
        "completed",
        "failed",
        "aborted",
    ]
    assert [s.value for s in T] == [
        "pending",
        "scheduled",
        "running",
        "completed",
        "failed",
        "canceled",
    ]
    assert [a.value for a in A] == ["scheduler", "executor", "user", "system"]


@pytest.mark.parametrize(("start", "end", "actor"), DIAGRAM)
def test_every_diagram_edge_is_allowed(start, end, actor) -> None:
    check_observation_transition(start, end, actor)
    assert (start, end) in OBSERVATION_TRANSITIONS


@pytest.mark.parametrize(("start", "end", "actor"), ILLEGAL)
def test_illegal_edges_name_from_to_and_actor(start, end, actor) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_observation_transition(start, end, actor)
    error = caught.value
    assert (error.entity, error.from_state, error.to_state, error.actor) == (
        "observation",
        start.value,
        end.value,
        actor.value,
    )
    assert f"{start.value} -> {end.value} by {actor.value}" in str(error)


def test_terminal_states_have_no_ordinary_exit() -> None:
    for start, _end in OBSERVATION_TRANSITIONS:
        assert start not in TERMINAL_OBSERVATION_STATUSES
    for start, _end in TASK_TRANSITIONS:
        assert start not in TERMINAL_TASK_STATES


@pytest.mark.parametrize("start", [OS.COMPLETED, OS.FAILED])
def test_monitoring_reset_only_by_system_and_only_when_allowed(start) -> None:
    check_observation_transition(start, OS.PENDING, A.SYSTEM, monitoring_reset_allowed=True)
    with pytest.raises(IllegalTransition, match="monitoring reset"):
        check_observation_transition(start, OS.PENDING, A.SYSTEM)
    with pytest.raises(IllegalTransition):
        check_observation_transition(start, OS.PENDING, A.USER, monitoring_reset_allowed=True)


def test_aborted_is_never_reset() -> None:
    with pytest.raises(IllegalTransition):
        check_observation_transition(
            OS.ABORTED, OS.PENDING, A.SYSTEM, monitoring_reset_allowed=True
        )


TASK_LEGAL = [
    (T.PENDING, T.SCHEDULED, A.SCHEDULER),
    (T.SCHEDULED, T.RUNNING, A.EXECUTOR),
    (T.RUNNING, T.COMPLETED, A.EXECUTOR),
    (T.RUNNING, T.FAILED, A.EXECUTOR),
    (T.FAILED, T.PENDING, A.SCHEDULER),
    (T.RUNNING, T.PENDING, A.SYSTEM),
    (T.SCHEDULED, T.PENDING, A.SCHEDULER),
    (T.PENDING, T.CANCELED, A.USER),
]
TASK_ILLEGAL = [
    (T.PENDING, T.RUNNING, A.EXECUTOR),
    (T.COMPLETED, T.PENDING, A.SCHEDULER),
    (T.CANCELED, T.PENDING, A.SYSTEM),
    (T.SCHEDULED, T.COMPLETED, A.EXECUTOR),
    (T.RUNNING, T.COMPLETED, A.SYSTEM),
]


@pytest.mark.parametrize(("start", "end", "actor"), TASK_LEGAL)
def test_task_edges_allowed(start, end, actor) -> None:
    check_task_transition(start, end, actor)


@pytest.mark.parametrize(("start", "end", "actor"), TASK_ILLEGAL)
def test_task_edges_refused(start, end, actor) -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_task_transition(start.value, end.value, actor.value)
    assert caught.value.entity == "task"


def test_task_monitoring_reset() -> None:
    check_task_transition(T.COMPLETED, T.PENDING, A.SYSTEM, monitoring_reset_allowed=True)
    check_task_transition(T.CANCELED, T.PENDING, A.SYSTEM, monitoring_reset_allowed=True)


def test_unknown_values_are_value_errors() -> None:
    with pytest.raises(ValueError):
        check_observation_transition("pending", "done", "system")
    with pytest.raises(ValueError):
        check_task_transition("pending", "scheduled", "robot")


def test_transition_records() -> None:
    record = transition_observation(
        "obs-1", "pending", "assigned", "scheduler", at=AT, reason="slot at 20:05"
    )
    assert (record.entity, record.entity_id, record.from_state, record.to_state) == (
        EntityKind.OBSERVATION,
        "obs-1",
        "pending",
        "assigned",
    )
    assert record.actor is A.SCHEDULER and record.at == AT and record.reason == "slot at 20:05"
    task = transition_task("obs-1-r0-i0-j0-t0-e0-n0", T.RUNNING, T.PENDING, A.SYSTEM, at=AT)
    assert task.entity is EntityKind.TASK
    assert task.model_dump(mode="json")["to_state"] == "pending"
    with pytest.raises(IllegalTransition):
        transition_task("x", T.CANCELED, T.RUNNING, A.EXECUTOR, at=AT)


def test_assignment_change() -> None:
    change = AssignmentChange(
        task_id="t",
        from_telescope="astro/telescope/t1",
        to_telescope="astro/telescope/t2",
        reason="instrument lock timeout",
        at=AT,
    )
    assert change.from_instrument is None
    with pytest.raises(ValueError):
        AssignmentChange(task_id="t", from_telescope="a", to_telescope="a", at=AT)


def test_resubmit_same_settings_new_window() -> None:
    text = Path(__file__).resolve().parents[3] / "examples/observations/m31_mosaic.json"
    original = parse_observation(text.read_text())
    assert resubmit(original) == original
    window = Window(
        start=datetime(2027, 1, 10, 18, tzinfo=UTC), end=datetime(2027, 1, 11, 5, tzinfo=UTC)
    )
    again = resubmit(original, window=window, name="M31 again")
    assert again.window == window and again.name == "M31 again"
    assert again.requests == original.requests


# ---- properties --------------------------------------------------------------------------

observation_steps = st.lists(st.tuples(st.sampled_from(OS), st.sampled_from(A), st.booleans()))


@given(observation_steps)
def test_random_sequences_never_leave_terminal_except_by_reset(steps) -> None:
    state = OS.PENDING
    for target, actor, reset_allowed in steps:
        try:
            check_observation_transition(
                state, target, actor, monitoring_reset_allowed=reset_allowed
            )
        except IllegalTransition:
            continue
        if state in TERMINAL_OBSERVATION_STATUSES:
            assert target is OS.PENDING and actor is A.SYSTEM and reset_allowed
            assert state is not OS.ABORTED
        state = target


task_steps = st.lists(st.tuples(st.sampled_from(T), st.sampled_from(A), st.booleans()))


@given(task_steps)
def test_random_task_sequences_never_leave_terminal_except_by_reset(steps) -> None:
    state = T.PENDING
    for target, actor, reset_allowed in steps:
        try:
            check_task_transition(state, target, actor, monitoring_reset_allowed=reset_allowed)
        except IllegalTransition:
            continue
        if state in TERMINAL_TASK_STATES:
            assert state in (T.COMPLETED, T.CANCELED), "only a series reset re-arms a task"
            assert (target, actor, reset_allowed) == (T.PENDING, A.SYSTEM, True)
        state = target
