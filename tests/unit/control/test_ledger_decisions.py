"""The ledger applies a decision in one transaction: every move or none, each announced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sched_rig import NIGHT, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake, ObservationLedger
from astrotango.control.observation.records import task_views
from astrotango.domain import (
    Actor,
    ConcurrencyConflict,
    IllegalTransition,
    ObservationStatus,
    TaskState,
)
from astrotango.domain.decisions import Decision, Move, end_observation
from astrotango.store import Store, TransitionRecord, open_store

_O, _T = ObservationStatus, TaskState


class Rig:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = ManualClock(NIGHT)
        self.announced: list[TransitionRecord] = []
        self.ledger = ObservationLedger(store, self.clock, self.announced.append)

    def submit(self, iterations: int = 3) -> tuple[str, list[str]]:
        document = single_target("capella", 79.17, 45.99)
        document["requests"][0]["iterations"] = iterations
        obs = ObservationIntake(self.store, clock=self.clock).submit(json.dumps(document))
        return obs, [t.id for t in self.store.tasks_of_observation(obs)]

    def states(self, obs: str) -> list[str]:
        tasks = self.store.tasks_of_observation(obs)
        return [self.store.get_observation(obs).status, *(t.status for t in tasks)]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield Rig(store)
    store.close()


def test_a_decision_is_applied_whole_and_every_move_announced(rig: Rig) -> None:
    obs, tasks = rig.submit()
    decision = end_observation(
        obs, task_views(rig.store.tasks_of_observation(obs)), _O.ABORTED, Actor.USER, "no"
    )
    written = rig.ledger.apply(decision)
    assert len(written) == 4
    assert rig.states(obs) == ["aborted", "canceled", "canceled", "canceled"]
    assert [(t.entity_id, t.to_status) for t in rig.announced] == [
        *((t, "canceled") for t in tasks),
        (obs, "aborted"),
    ]
    times = {t.at for t in rig.store.transitions_of(obs) if t.to_status != "pending"}
    assert times == {NIGHT}, "one transaction, one instant"


def test_an_illegal_move_anywhere_in_a_decision_writes_nothing(rig: Rig) -> None:
    obs, tasks = rig.submit()
    decision = Decision(
        (
            Move("task", tasks[0], _T.CANCELED, Actor.USER, "x"),
            Move("task", tasks[1], _T.COMPLETED, Actor.USER, "a user cannot complete a task"),
        )
    )
    with pytest.raises(IllegalTransition):
        rig.ledger.apply(decision)
    assert rig.states(obs) == ["pending", "pending", "pending", "pending"]
    assert rig.announced == []


def test_the_store_writes_all_or_nothing(rig: Rig) -> None:
    """A stale version on the second write leaves the first unwritten."""
    from astrotango.store import TransitionWrite

    obs, tasks = rig.submit()
    version = rig.store.get_task(tasks[0]).version
    writes = [
        TransitionWrite("task", tasks[0], version, "pending", "canceled", "user", "x", NIGHT),
        TransitionWrite("task", tasks[1], version + 7, "pending", "canceled", "user", "x", NIGHT),
    ]
    with pytest.raises(ConcurrencyConflict):
        rig.store.transition_all(writes)
    assert rig.states(obs) == ["pending", "pending", "pending", "pending"]


def test_moves_whose_condition_no_longer_holds_are_skipped(rig: Rig) -> None:
    obs, tasks = rig.submit(iterations=1)
    rig.ledger.move_task(tasks[0], _T.CANCELED, Actor.USER, "first")
    decision = Decision(
        (
            Move(
                "task", tasks[0], _T.CANCELED, Actor.USER, "again", expect=frozenset({_T.PENDING})
            ),
            Move("observation", obs, _O.ABORTED, Actor.USER, "no"),
        )
    )
    written = rig.ledger.apply(decision)
    assert [m.entity_id for m in written] == [obs]
    assert rig.states(obs) == ["aborted", "canceled"]
