"""Status sets derived from the lifecycle tables: who may end what, and what nothing leaves.

Issue 13: a hand-kept set of "open" tasks included ``failed``, from which no edge leads to
``canceled``; every such set is now read off the tables, and these tests hold the tables and
the sets read off them to mission/000 and mission/001.
"""

from __future__ import annotations

import itertools

import pytest

from astrotango.domain import (
    TERMINAL_OBSERVATION_STATUSES,
    TERMINAL_TASK_STATES,
    Actor,
    IllegalTransition,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.domain.lifecycle import observation_sources, task_sources

OS, T, A = ObservationStatus, TaskState, Actor
_OPEN = frozenset({T.PENDING, T.SCHEDULED, T.RUNNING})

TASK_SOURCES = [
    # what an abort or cancel_on may cancel: failed is the task's own end, it stays failed
    (T.CANCELED, A.USER, _OPEN),
    (T.CANCELED, A.SYSTEM, _OPEN),
    (T.CANCELED, A.EXECUTOR, frozenset()),
    (T.FAILED, A.EXECUTOR, frozenset({T.SCHEDULED, T.RUNNING})),
    (T.FAILED, A.USER, frozenset()),
    (T.PENDING, A.SCHEDULER, frozenset({T.SCHEDULED, T.FAILED})),
    (T.PENDING, A.SYSTEM, frozenset({T.SCHEDULED, T.RUNNING, T.FAILED})),
    (T.SCHEDULED, A.SCHEDULER, frozenset({T.PENDING})),
    (T.COMPLETED, A.EXECUTOR, frozenset({T.RUNNING})),
]
OBSERVATION_SOURCES = [
    (OS.ABORTED, A.USER, frozenset({OS.PENDING, OS.ASSIGNED, OS.IN_PROGRESS, OS.SUSPENDED})),
    (OS.ABORTED, A.SYSTEM, frozenset({OS.PENDING, OS.ASSIGNED, OS.IN_PROGRESS, OS.SUSPENDED})),
    (OS.ABORTED, A.EXECUTOR, frozenset()),
    (OS.FAILED, A.SYSTEM, frozenset(OS) - {OS.PENDING, *TERMINAL_OBSERVATION_STATUSES}),
    (OS.PENDING, A.SCHEDULER, frozenset({OS.ASSIGNED})),
    (OS.IN_PROGRESS, A.EXECUTOR, frozenset({OS.ASSIGNED, OS.SUSPENDED})),
]


@pytest.mark.parametrize(("to", "actor", "expected"), TASK_SOURCES)
def test_task_sources_are_read_off_the_table(
    to: TaskState, actor: Actor, expected: frozenset[TaskState]
) -> None:
    assert task_sources(to, actor) == expected


@pytest.mark.parametrize(("to", "actor", "expected"), OBSERVATION_SOURCES)
def test_observation_sources_are_read_off_the_table(
    to: ObservationStatus, actor: Actor, expected: frozenset[ObservationStatus]
) -> None:
    assert observation_sources(to, actor) == expected


@pytest.mark.parametrize(("to", "actor"), list(itertools.product(T, A)))
def test_a_task_source_is_exactly_a_state_the_checker_lets_actor_move_to_to(
    to: TaskState, actor: Actor
) -> None:
    sources = task_sources(to, actor)
    for start in T:
        if start == to:
            continue
        if start in sources:
            check_task_transition(start, to, actor)
        else:
            with pytest.raises(IllegalTransition):
                check_task_transition(start, to, actor)


@pytest.mark.parametrize(("to", "actor"), list(itertools.product(OS, A)))
def test_an_observation_source_is_exactly_a_status_the_checker_allows(
    to: ObservationStatus, actor: Actor
) -> None:
    sources = observation_sources(to, actor)
    for start in OS:
        if start == to:
            continue
        if start in sources:
            check_observation_transition(start, to, actor)
        else:
            with pytest.raises(IllegalTransition):
                check_observation_transition(start, to, actor)


def test_terminal_sets_are_the_states_nothing_ordinary_leaves() -> None:
    assert frozenset({OS.COMPLETED, OS.FAILED, OS.ABORTED}) == TERMINAL_OBSERVATION_STATUSES
    assert frozenset({T.COMPLETED, T.CANCELED}) == TERMINAL_TASK_STATES
    for status in OS:
        leaves = any(observation_sources(to, a) & {status} for to in OS for a in A)
        assert leaves is (status not in TERMINAL_OBSERVATION_STATUSES), status
    for state in T:
        leaves = any(task_sources(to, a) & {state} for to in T for a in A)
        assert leaves is (state not in TERMINAL_TASK_STATES), state
