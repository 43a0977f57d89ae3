"""The ledger applies a decision in one transaction: every move or none, each announced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sched_rig import NIGHT, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake, ObservationLedger
from astrotango.control.observation.fleet import Running
from astrotango.control.observation.outcomes import OutcomeHandler
from astrotango.control.observation.records import task_views
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import (
    Actor,
    ClaimRejected,
    ConcurrencyConflict,
    IllegalTransition,
    ObservationStatus,
    TaskState,
)
from astrotango.domain.decisions import Decision, Move, end_observation
from astrotango.domain.run_decisions import run_failed
from astrotango.store import Store, TransitionRecord, open_store

_O, _T = ObservationStatus, TaskState


class Rig:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = ManualClock(NIGHT)
        self.announced: list[TransitionRecord] = []
        self.ledger = ObservationLedger(store, self.clock, self.announced.append)

    def submit(self, iterations: int = 3, **fields: object) -> tuple[str, list[str]]:
        document = single_target("capella", 79.17, 45.99) | fields
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


# -- a run's end and what follows it: one transaction ----------------------------------------


def running(rig: Rig, **fields: object) -> tuple[str, list[str], int]:
    """An observation of two tasks in progress, the first running on t1 (legal edges only)."""
    obs, tasks = rig.submit(2, **fields)
    rig.ledger.move_task(
        tasks[0], _T.SCHEDULED, Actor.SCHEDULER, "planned", updates={"telescope": "t1"}
    )
    rig.ledger.move_observation(obs, _O.ASSIGNED, Actor.SCHEDULER, "planned")
    token = rig.ledger.start_run(tasks[0], "t1")
    rig.ledger.move_observation(obs, _O.IN_PROGRESS, Actor.EXECUTOR, "t1 started")
    rig.announced.clear()
    return obs, tasks, token


def test_a_run_end_and_its_retry_are_one_transaction_announced_in_order(rig: Rig) -> None:
    obs, tasks, token = running(rig)
    views = task_views(rig.store.tasks_of_observation(obs))
    decision = run_failed(
        tasks[0], obs, views, telescope="t1", error="shutter", retry=True, reason="retry 2 of 3"
    )
    rig.ledger.apply(decision, token)
    assert rig.states(obs) == ["in_progress", "pending", "pending"]
    assert [(t.from_status, t.to_status, t.actor) for t in rig.announced] == [
        ("running", "failed", "executor"),
        ("failed", "pending", "scheduler"),
    ]
    task = rig.store.get_task(tasks[0])
    assert task.error == "shutter" and task.claimed_by is None


def test_a_stale_token_writes_nothing_of_the_decision(rig: Rig) -> None:
    obs, tasks, token = running(rig)
    views = task_views(rig.store.tasks_of_observation(obs))
    decision = run_failed(
        tasks[0], obs, views, telescope="t1", error="shutter", retry=False, reason="no retry"
    )
    with pytest.raises(ClaimRejected):
        rig.ledger.apply(decision, token + 1)
    assert rig.states(obs) == ["in_progress", "running", "pending"]
    assert rig.announced == []


def test_a_crash_while_failing_the_observation_leaves_the_run_open(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after the run's end was written, before its observation failed.

    Nothing may be half-stored: the task must not stay failed under a live observation
    (nothing would ever end it). Before the fix, the failure was committed on its own.
    """
    from astrotango.store import observations as obs_rows

    obs, tasks, token = running(rig, allow_reassignment=False)
    handler = OutcomeHandler(rig.ledger)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the controller died mid-transaction")

    monkeypatch.setattr(obs_rows, "transition_observation", crash)
    run = Running(tasks[0], obs, "t1", token)
    with pytest.raises(RuntimeError):
        handler.finished(run, TaskStatus.FAILED, [int(ResultCode.FAILED), "shutter"], NoAssets())
    assert rig.states(obs) == ["in_progress", "running", "pending"]
    assert rig.announced == []
    monkeypatch.undo()
    handler.finished(run, TaskStatus.FAILED, [int(ResultCode.FAILED), "shutter"], NoAssets())
    assert rig.states(obs) == ["failed", "failed", "canceled"]


class NoAssets:
    def assets(self, task_id: str) -> list[dict[str, object]]:
        return []
