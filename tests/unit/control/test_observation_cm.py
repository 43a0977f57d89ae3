"""The ObservationController's cancel and abort against a real store, tasks in every state.

Issue 13: an abort whose observation held a failed task canceled the tasks before it, then
raised ``IllegalTransition`` (failed -> canceled is no edge) and left the observation assigned.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from control_rig import T1, T2, ControlRig
from fake_links import FakeLink
from sched_rig import single_target

from astrotango.control.observation.component_manager import (
    ObservationControllerComponentManager,
)
from astrotango.domain import (
    Actor,
    IllegalTransition,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.store import Store, TransitionRecord, open_store

_T, _O = TaskState, ObservationStatus


class Rig(ControlRig):
    """A controller component manager and a dispatcher on one store, telescopes faked."""

    links: dict[str, FakeLink]

    def __init__(self, store: Store) -> None:
        super().__init__(store, {T1: FakeLink(T1), T2: FakeLink(T2)})
        self.dispatcher = self.new_dispatcher()
        self.cm = ObservationControllerComponentManager(
            store=store,
            clock=self.clock,
            announce=self.announced.append,
            stop_task=self.dispatcher.stop_task,
        )

    def submit_tasks(self, tasks: int) -> tuple[str, list[str]]:
        document = single_target("capella", 79.17, 45.99)
        document["requests"] = [copy.deepcopy(document["requests"][0]) for _ in range(tasks)]
        observation_id = self.submit(document)
        ids = [t.id for t in self.store.tasks_of_observation(observation_id)]
        assert len(ids) == tasks
        return observation_id, ids

    def schedule(self, task_id: str, telescope: str, minutes: int) -> None:
        start = self.clock.now() + timedelta(minutes=minutes)
        self.dispatcher.assign_blocks(
            [{"task": task_id, "telescope": telescope, "start": start.isoformat()}]
        )

    def put(self, task_id: str, state: TaskState) -> None:
        """Bring one task into ``state`` through legal edges only."""
        if state is _T.PENDING:
            return
        if state is _T.CANCELED:
            self.ledger.move_task(task_id, _T.CANCELED, Actor.SYSTEM, "cancel_on passed")
            return
        if state in (_T.RUNNING, _T.COMPLETED):
            self.schedule(task_id, T1, minutes=0)
            self.dispatcher.tick()
            if state is _T.COMPLETED:
                self.links[T1].finish(task_id)
            return
        self.schedule(task_id, T2, minutes=60)
        if state is _T.FAILED:
            self.ledger.move_task(task_id, _T.FAILED, Actor.EXECUTOR, "ExecuteTask refused")

    def states(self, observation_id: str) -> list[str]:
        return [t.status for t in self.store.tasks_of_observation(observation_id)]

    def status(self, observation_id: str) -> str:
        return self.store.get_observation(observation_id).status


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    rig = Rig(store)
    yield rig
    rig.cm.close()
    store.close()


def assert_every_transition_is_allowed(announced: list[TransitionRecord]) -> None:
    for t in announced:
        if t.from_status is None:
            continue
        if t.entity_kind == "observation":
            check_observation_transition(t.from_status, t.to_status, t.actor)
        else:
            check_task_transition(t.from_status, t.to_status, t.actor)


def test_abort_with_a_failed_last_task_cancels_the_open_ones_and_keeps_the_failure(
    rig: Rig,
) -> None:
    """Issue 13: seven tasks, the last failed; the abort used to stop after six."""
    obs, tasks = rig.submit_tasks(7)
    done, running, scheduled, *_, failed = tasks
    rig.put(done, _T.COMPLETED)
    rig.put(running, _T.RUNNING)
    rig.put(scheduled, _T.SCHEDULED)
    rig.put(failed, _T.FAILED)
    assert rig.states(obs) == ["completed", "running", "scheduled", *["pending"] * 3, "failed"]
    assert rig.status(obs) == "in_progress"

    rig.cm.abort(obs)

    assert rig.states(obs) == ["completed", *["canceled"] * 5, "failed"]
    assert rig.status(obs) == "aborted"
    assert rig.links[T1].stops == 1, "the running task was stopped on its telescope"
    [ended] = [t for t in rig.announced if t.entity_id == obs and t.to_status == "aborted"]
    assert (ended.from_status, ended.actor) == ("in_progress", "user")
    assert_every_transition_is_allowed(rig.announced)
    # the telescope's late report of the stopped task changes nothing
    rig.links[T1].finish(running, partial=True)
    assert rig.states(obs) == ["completed", *["canceled"] * 5, "failed"]


@pytest.mark.parametrize("state", list(TaskState))
def test_abort_ends_the_observation_whatever_state_a_task_is_in(rig: Rig, state: TaskState) -> None:
    """Nothing half-applied: every task state is either canceled or left as it is."""
    obs, (_, probe, last) = rig.submit_tasks(3)
    rig.put(probe, state)
    rig.put(last, _T.SCHEDULED)
    before = rig.status(obs)

    rig.cm.abort(obs)

    kept = state if state in (_T.COMPLETED, _T.FAILED, _T.CANCELED) else _T.CANCELED
    assert rig.states(obs) == ["canceled", kept.value, "canceled"], f"from {before}"
    assert rig.status(obs) == "aborted"
    assert_every_transition_is_allowed(rig.announced)


@pytest.mark.parametrize("state", [_T.PENDING, _T.SCHEDULED, _T.FAILED, _T.CANCELED])
def test_cancel_before_execution_keeps_a_failed_task_failed(rig: Rig, state: TaskState) -> None:
    obs, (probe, other) = rig.submit_tasks(2)
    rig.put(probe, state)
    rig.put(other, _T.SCHEDULED)
    assert rig.status(obs) == "assigned"

    rig.cm.cancel(obs)

    kept = state if state in (_T.FAILED, _T.CANCELED) else _T.CANCELED
    assert rig.states(obs) == [kept.value, "canceled"]
    assert rig.status(obs) == "aborted"
    assert_every_transition_is_allowed(rig.announced)


def test_cancel_and_abort_refuse_what_they_may_not_end_and_change_nothing(rig: Rig) -> None:
    obs, (running, _) = rig.submit_tasks(2)
    rig.put(running, _T.RUNNING)
    with pytest.raises(IllegalTransition, match="abort one that runs"):
        rig.cm.cancel(obs)
    assert rig.states(obs) == ["running", "pending"] and rig.status(obs) == "in_progress"
    rig.cm.abort(obs)
    with pytest.raises(IllegalTransition, match="already finished"):
        rig.cm.abort(obs)
    assert rig.states(obs) == ["canceled", "canceled"] and rig.status(obs) == "aborted"
