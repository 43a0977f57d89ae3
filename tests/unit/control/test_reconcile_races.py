"""Races between the settling paths of a run: its follower, the reconciler, other writers.

Issue 13: "Reconciliation threw ``ClaimRejected`` on a 42-observation night". A run must be
settled once, by whoever holds it: the follower of a run it dispatched, or the reconciler
of a run it adopted. Each test here reproduces one way a run was settled twice (or under a
stale fencing token) before that was so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from control_rig import T1, T2, ControlRig
from fake_links import FakeLink
from sched_rig import single_target

from astrotango.control.observation.dispatch import Dispatcher
from astrotango.control.observation.monitors import Monitors
from astrotango.control.observation.reconcile import Reconciler
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.store import Store, TransitionRecord, open_store

EXPOSURES = sum(e["count"] for e in single_target("x", 1, 1)["requests"][0]["exposures"])


@dataclass
class ProbedLink(FakeLink):
    """A fake telescope that runs ``probe`` (once) when asked for a task's assets.

    The follower asks for the assets while it applies the run's outcome: the probe is the
    controller's loop thread getting in at that moment.
    """

    probe: Callable[[], None] | None = None

    def assets(self, task_id: str) -> list[dict[str, Any]]:
        probe, self.probe = self.probe, None
        if probe is not None:
            probe()
        return super().assets(task_id)


class Rig(ControlRig):
    links: dict[str, ProbedLink]

    def __init__(self, store: Store) -> None:
        super().__init__(store, {T1: ProbedLink(T1), T2: ProbedLink(T2)})
        self.dispatcher = self.controller()

    def controller(self) -> Dispatcher:
        """A fresh dispatcher over the rig's store and telescopes: a restart."""
        return self.new_dispatcher()

    def run_on(self, observation_id: str, telescope: str, dispatcher: Dispatcher) -> str:
        """Plan the observation's first pending task on ``telescope`` now and start it."""
        [task] = [
            t for t in self.store.tasks_of_observation(observation_id) if t.status == "pending"
        ][:1]
        dispatcher.apply_schedule(
            [{"task": task.id, "telescope": telescope, "start": self.clock.now().isoformat()}]
        )
        dispatcher.tick()
        return task.id

    def capture_all(self, task_id: str, telescope: str = T1) -> None:
        """The telescope captured every planned exposure of the task, none cut short."""
        self.links[telescope].captured[task_id] = [
            {"id": f"{task_id}-f{i}", "kind": "fits", "task_info": {"task_id": task_id}}
            for i in range(EXPOSURES)
        ]

    def ends(self, task_id: str) -> list[TransitionRecord]:
        """The task's announced moves out of running."""
        return [
            t
            for t in self.announced
            if t.entity_id == task_id and t.from_status == "running" and t.entity_kind == "task"
        ]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield Rig(store)
    store.close()


def loop_round(dispatcher: Dispatcher, round_: Callable[[], None]) -> Callable[[], None]:
    """A probe: the loop thread runs ``round_`` if it can take the dispatcher's lock now.

    Run on a thread of its own (the lock is re-entrant: the follower's own thread would
    always get it), joined before the probe returns, so the interleaving is fixed.
    """

    def probe() -> None:
        def loop() -> None:
            if dispatcher.lock.acquire(blocking=False):
                try:
                    round_()
                finally:
                    dispatcher.lock.release()

        thread = threading.Thread(target=loop)
        thread.start()
        thread.join()

    return probe


def test_a_run_being_settled_by_its_follower_is_not_adopted(rig: Rig) -> None:
    """The follower took the run out of ``running`` before writing its end: a reconciler
    round in between adopted it, and settled it again once the telescope moved on
    (ClaimRejected out of the controller's tick)."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.run_on(obs, T1, rig.dispatcher)
    rig.capture_all(task_id)
    reconciler = Reconciler(rig.dispatcher)
    link = rig.links[T1]
    link.probe = loop_round(rig.dispatcher, reconciler.run)
    link.finish(task_id)
    assert rig.store.get_task(task_id).status == "completed"
    assert not reconciler.adopted, "adopted while its follower settled it"
    link.executed.append("something-else")  # the telescope moves on
    reconciler.run()
    assert [t.to_status for t in rig.ends(task_id)] == ["completed"]
    assert not reconciler.adopted


def test_a_run_is_settled_once_by_its_follower_not_also_by_the_reconciler(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """The same window, the telescope already idle: the reconciler settled the run from
    its assets and the follower's own outcome was refused by the fence."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.run_on(obs, T1, rig.dispatcher)
    rig.capture_all(task_id)
    link = rig.links[T1]
    link.executed.append("something-else")  # done: the telescope reports itself idle
    link.probe = loop_round(rig.dispatcher, Reconciler(rig.dispatcher).run)
    with caplog.at_level(logging.INFO):
        link.callbacks[task_id][1](TaskStatus.COMPLETED, [ResultCode.OK, "done"])
    [end] = rig.ends(task_id)
    assert end.reason == f"completed on {T1}", "the follower's outcome is the one applied"
    assert "refused by the fence" not in caplog.text
    assert rig.store.get_observation(obs).status == "completed"


def test_an_adopted_run_ended_by_the_time_limit_is_stopped_and_not_settled_again(
    rig: Rig,
) -> None:
    """After a restart the time limit canceled an adopted run: the telescope was never
    told to stop (the dispatcher knew only its own runs), and once it had finished the
    reconciler settled the canceled task as completed under its old token (ClaimRejected)."""
    window = ("2026-12-15T20:00:00Z", "2026-12-15T21:00:00Z")
    obs = rig.submit(single_target("capella", 79.17, 45.99, window=window))
    task_id = rig.run_on(obs, T1, rig.dispatcher)
    fresh = rig.controller()  # the controller restarts
    reconciler = Reconciler(fresh)
    reconciler.run()
    assert task_id in reconciler.adopted
    rig.clock.advance(3600)
    Monitors(fresh).check_time_limits()
    assert rig.links[T1].stops == 1, "the telescope is told to stop the canceled task"
    rig.capture_all(task_id)  # the stop came as its last frame was read out
    rig.links[T1].executed.append("something-else")
    reconciler.run()
    assert rig.store.get_task(task_id).status == "canceled"
    assert rig.store.get_observation(obs).status == "aborted"
    assert len(rig.store.assets_of_task(task_id)) == EXPOSURES, "what it took is kept"
    assert not reconciler.adopted


def test_an_adoption_superseded_by_a_rerun_is_not_settled_under_its_stale_token(
    rig: Rig,
) -> None:
    """An in-process restart (the device's communication restarted) leaves the old
    follower alive: it re-queued the run the new reconciler had adopted, the task ran again
    under a new token, and the reconciler then settled its stale adoption (ClaimRejected)."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.run_on(obs, T1, rig.dispatcher)
    fresh = rig.controller()
    reconciler = Reconciler(fresh)
    reconciler.run()
    assert task_id in reconciler.adopted
    rig.links[T1].finish(
        task_id, partial=True, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "stop"]
    )  # the old follower re-queues it
    assert rig.store.get_task(task_id).status == "pending"
    rig.run_on(obs, T2, fresh)
    assert rig.store.get_task(task_id).fencing_token == 2
    rig.capture_all(task_id)
    rig.links[T1].executed.append("something-else")  # the old run's telescope moves on
    reconciler.run()
    assert rig.store.get_task(task_id).status == "running", "the re-run is not settled"
    assert not reconciler.adopted
    rig.links[T2].finish(task_id)
    assert rig.store.get_task(task_id).status == "completed"
    assert [t.to_status for t in rig.ends(task_id)] == ["pending", "completed"]


def test_an_adopted_sync_member_found_unfinished_stops_its_partner(rig: Rig) -> None:
    """The reconciler adopted a sync group's members without their group: one found
    unfinished left its partner running alone."""
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["assignment_mode"] = "parallel_synchronized"
    document["requests"][0]["instruments"] = 2
    obs = rig.submit(document)
    one, other = (t.id for t in rig.store.tasks_of_observation(obs))
    now = rig.clock.now().isoformat()
    rig.dispatcher.apply_schedule(
        [
            {"task": one, "telescope": T1, "start": now},
            {"task": other, "telescope": T2, "start": now},
        ]
    )
    rig.dispatcher.tick()
    reconciler = Reconciler(rig.controller())
    reconciler.run()
    assert set(reconciler.adopted) == {one, other}
    rig.links[T1].captured[one] = [{"id": "cut", "partial": True}]
    rig.links[T1].executed.append("something-else")  # T1 stopped short
    reconciler.run()
    assert rig.store.get_task(one).status == "pending"
    assert rig.links[T2].stops == 1, "its partner does not run on alone"


def test_a_telescope_whose_run_is_being_reconciled_is_given_no_new_task(rig: Rig) -> None:
    """Busy was read from the store's running tasks: once another writer ended the adopted
    run, its telescope (still executing it) was sent the next task."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.run_on(obs, T1, rig.dispatcher)
    fresh = rig.controller()
    reconciler = Reconciler(fresh)
    reconciler.run()
    rig.links[T1].finish(
        task_id, partial=True, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "stop"]
    )  # the old follower re-queues it
    rig.run_on(obs, T1, fresh)
    assert rig.links[T1].executed.count(task_id) == 1, "T1 is still being reconciled"
    rig.links[T1].executed.append("something-else")
    reconciler.run()  # the adoption ends: T1 is free again
    fresh.tick()
    assert rig.links[T1].executed[-1] == task_id
    assert rig.store.get_task(task_id).fencing_token == 2
