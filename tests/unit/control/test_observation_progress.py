"""Issue 13: one observation progress, and every state change announced exactly once.

- ``GetObservation`` and ``status`` said 0 % while ``activeObservations`` said 11.8 %: two
  formulas, and the observations table's ``progress`` column was never written. Now the
  domain computes it once, the store writes it with every task change, every reader reads it.
- The re-queue of a refused task was never announced on ``lastTransition``; the other fenced
  writes were announced by hand. Now one ledger method writes and announces them.

The rig wires the controller component manager as the device does: ``activeObservations``
rows are re-read at each observation transition, progress arrives in between.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_links import FakeLink
from sched_rig import NIGHT, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation.component_manager import (
    ObservationControllerComponentManager,
)
from astrotango.control.observation.dispatch import Dispatcher
from astrotango.control.observation.fleet import Fleet
from astrotango.control.observation.outcomes import OutcomeHandler
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.store import Store, TransitionRecord, open_store

T1, T2 = "astro/telescope/t1", "astro/telescope/t2"


class Rig:
    """The controller's component manager and a dispatcher on one store, telescopes faked."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = ManualClock(NIGHT)
        self.announced: list[TransitionRecord] = []
        self.cm = ObservationControllerComponentManager(
            store=store, clock=self.clock, announce=self._on_transition
        )
        self.links = {T1: FakeLink(T1), T2: FakeLink(T2)}
        self.eligible = {T1: (True, ""), T2: (True, "")}
        self.dispatcher = Dispatcher(
            self.cm.ledger,
            Fleet(self.links),
            OutcomeHandler(self.cm.ledger, self._on_progress),
            eligibility=lambda t, queue: self.eligible[t],
        )

    # what devices/controller.py does with the two callbacks
    def _on_transition(self, record: TransitionRecord) -> None:
        self.announced.append(record)
        if record.entity_kind == "observation":
            self.cm.active(reread=True)

    def _on_progress(self, observation_id: str, progress: float) -> None:
        self.cm.active()

    def submit(self, iterations: int) -> tuple[str, list[str]]:
        document = single_target("capella", 79.17, 45.99)
        document["iterations"] = iterations
        observation_id = self.cm.submit_observation(json.dumps(document))
        return observation_id, [t.id for t in self.store.tasks_of_observation(observation_id)]

    def plan(self, task_id: str, telescope: str) -> None:
        start = self.clock.now().isoformat()
        self.dispatcher.apply_schedule([{"task": task_id, "telescope": telescope, "start": start}])
        self.dispatcher.tick()

    def progress_everywhere(self, observation_id: str) -> dict[str, Any]:
        """The observation's progress as each reader gives it."""
        active = {row["id"]: row["progress"] for row in self.cm.active()}
        [listed] = [r for r in self.cm.observations({}) if r["id"] == observation_id]
        return {
            "stored": self.store.get_observation(observation_id).progress,
            "GetObservation": self.cm.observation(observation_id)["progress"],
            "ListObservations": listed["progress"],
            "activeObservations": active.get(observation_id),
        }


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield Rig(store)
    store.close()


def assert_progress(rig: Rig, observation_id: str, expected: float, *, active: bool = True) -> None:
    seen = rig.progress_everywhere(observation_id)
    assert seen["stored"] == pytest.approx(expected, abs=1e-9), seen
    assert seen["GetObservation"] == seen["stored"], seen
    assert seen["ListObservations"] == seen["stored"], seen
    if active:
        assert seen["activeObservations"] == round(seen["stored"], 3), seen
    else:
        assert seen["activeObservations"] is None, seen


def test_one_progress_reaches_every_reader_through_a_night_of_three_tasks(rig: Rig) -> None:
    obs, (a, b, c) = rig.submit(iterations=3)
    assert_progress(rig, obs, 0.0)
    rig.plan(a, T1)
    assert rig.store.get_task(a).status == "running"
    assert_progress(rig, obs, 0.0)
    rig.links[T1].progress(a, 40)
    assert_progress(rig, obs, 0.4 / 3)
    rig.links[T1].finish(a)
    assert_progress(rig, obs, 1 / 3)
    rig.plan(b, T2)
    rig.links[T2].progress(b, 40)
    assert_progress(rig, obs, (1 + 0.4) / 3)
    # clouds: b is interrupted and re-queued; it will start again from nothing
    rig.eligible[T2] = (False, "cloud cover 80% > 30%")
    rig.dispatcher.tick()
    rig.links[T2].finish(
        b, partial=True, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "clouds"]
    )
    assert rig.store.get_observation(obs).status == "suspended"
    assert_progress(rig, obs, 1 / 3)
    rig.eligible[T2] = (True, "")
    rig.plan(b, T2)
    assert_progress(rig, obs, 1 / 3)  # a new attempt: nothing reported yet
    rig.links[T2].progress(b, 70)
    assert_progress(rig, obs, (1 + 0.7) / 3)
    rig.links[T2].finish(b)
    assert_progress(rig, obs, 2 / 3)
    rig.plan(c, T1)
    rig.links[T1].progress(c, 100)
    assert_progress(rig, obs, 1.0)
    rig.links[T1].finish(c)
    assert rig.store.get_observation(obs).status == "completed"
    assert_progress(rig, obs, 1.0, active=False)


def test_an_aborted_observation_keeps_the_share_it_captured(rig: Rig) -> None:
    """Canceled tasks stay in the count: an abort after one of three reads 1/3, not 100 %."""
    obs, (a, b, _) = rig.submit(iterations=3)
    rig.plan(a, T1)
    rig.links[T1].finish(a)
    rig.plan(b, T1)
    rig.links[T1].progress(b, 50)
    rig.cm.abort(obs)
    assert [t.status for t in rig.store.tasks_of_observation(obs)] == [
        "completed",
        "canceled",
        "canceled",
    ]
    assert_progress(rig, obs, 1 / 3, active=False)


def _key(t: TransitionRecord) -> tuple[Any, ...]:
    return (t.entity_kind, t.entity_id, t.from_status, t.to_status, t.actor, t.reason, t.at)


def test_every_recorded_transition_is_announced_exactly_once(rig: Rig) -> None:
    obs, (a, b, c) = rig.submit(iterations=3)
    # a: refused by T1 at once, then interrupted by clouds on T2, then completed on T2
    rig.links[T1].refuse = "camera busy"
    rig.plan(a, T1)
    rig.links[T1].refuse = ""
    assert rig.store.get_task(a).status == "pending"
    rig.plan(a, T2)
    rig.eligible[T2] = (False, "cloud cover 80% > 30%")
    rig.dispatcher.tick()
    rig.links[T2].finish(
        a, partial=True, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "clouds"]
    )
    rig.eligible[T2] = (True, "")
    rig.plan(a, T2)
    rig.links[T2].finish(a)
    # b: an instrument failure, retried, then completed
    rig.plan(b, T1)
    rig.links[T1].finish(b, status=TaskStatus.FAILED, result=[ResultCode.FAILED, "camera timeout"])
    rig.plan(b, T1)
    rig.links[T1].finish(b)
    # c: completed at once; the observation completes
    rig.plan(c, T1)
    rig.links[T1].finish(c)
    assert rig.store.get_observation(obs).status == "completed"

    requeues = [
        t
        for t in rig.announced
        if (t.entity_id, t.from_status, t.to_status) == (a, "running", "pending")
    ]
    assert [t.reason.split(":")[0] for t in requeues] == ["refused", "interrupted"]

    stored = [*rig.store.transitions_of(obs)]
    for task in (a, b, c):
        stored += rig.store.transitions_of(task)
    assert Counter(map(_key, rig.announced)) == Counter(map(_key, stored))
    assert len(rig.announced) == len(stored)
