"""A sync group starts within the dispatcher's start tolerance, or not at all (issue 13).

Dispatch starts a group's members one after another; each telescope takes its time to
accept ExecuteTask. The members' starts must lie within ``sync_tolerance_s`` of each other:
otherwise the group is stopped and re-queued whole, never left with members apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from control_rig import T1, T2, ControlRig
from fake_links import FakeLink
from sched_rig import single_target

from astrotango.clock import ManualClock
from astrotango.control.observation.dispatch import DEFAULT_SYNC_TOLERANCE_S, Dispatcher
from astrotango.control.observation.links import OnDone, OnProgress
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.store import Store, open_store


@dataclass
class SlowLink(FakeLink):
    """A telescope that takes ``accept_s`` clock seconds to accept ExecuteTask."""

    clock: ManualClock | None = None
    accept_s: float = 0.0

    def execute(self, spec_json: str, on_progress: OnProgress, on_done: OnDone) -> str:
        assert self.clock is not None
        self.clock.advance(self.accept_s)
        return super().execute(spec_json, on_progress, on_done)


class Rig(ControlRig):
    links: dict[str, SlowLink]

    def __init__(self, store: Store) -> None:
        super().__init__(store, {})
        self.links = {name: SlowLink(name, clock=self.clock) for name in (T1, T2)}

    def dispatcher(self, **kwargs: Any) -> Dispatcher:
        return self.new_dispatcher(**kwargs)

    def pair(self, dispatcher: Dispatcher) -> tuple[str, list[str]]:
        """A synchronized pair planned on T1 and T2 now."""
        document = single_target("capella", 79.17, 45.99)
        document["requests"][0]["assignment_mode"] = "parallel_synchronized"
        document["requests"][0]["instruments"] = 2
        obs = self.submit(document)
        tasks = [t.id for t in self.store.tasks_of_observation(obs)]
        now = self.clock.now().isoformat()
        dispatcher.apply_schedule(
            [
                {"task": task_id, "telescope": telescope, "start": now}
                for task_id, telescope in zip(tasks, (T1, T2), strict=True)
            ]
        )
        return obs, tasks


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield Rig(store)
    store.close()


def test_the_default_tolerance_is_the_oracles_and_a_negative_one_is_refused(rig: Rig) -> None:
    from astrotango.client.correctness_oracle import DEFAULT_SYNC_TOLERANCE_S as ORACLES

    assert rig.dispatcher().sync_tolerance_s == DEFAULT_SYNC_TOLERANCE_S == ORACLES
    with pytest.raises(ValueError, match="sync_tolerance_s"):
        rig.dispatcher(sync_tolerance_s=-1.0)


@pytest.mark.parametrize(("accept_s", "tolerance_s"), [(0.0, 0.0), (30.0, 30.0), (45.0, 60.0)])
def test_members_starting_within_the_tolerance_run_together(
    rig: Rig, accept_s: float, tolerance_s: float
) -> None:
    rig.links[T1].accept_s = accept_s
    dispatcher = rig.dispatcher(sync_tolerance_s=tolerance_s)
    _, (one, other) = rig.pair(dispatcher)
    dispatcher.tick()
    assert (rig.task(one).status, rig.task(other).status) == ("running", "running")
    assert rig.links[T1].stops == rig.links[T2].stops == 0


def test_a_first_member_slow_to_start_requeues_the_group_and_its_partner_never_starts(
    rig: Rig,
) -> None:
    rig.links[T1].accept_s = 45.0  # T2 would start 45 s after T1
    dispatcher = rig.dispatcher(sync_tolerance_s=30.0)
    obs, (one, other) = rig.pair(dispatcher)
    dispatcher.tick()
    assert rig.links[T2].executed == [], "not started once the group is out of tolerance"
    assert rig.task(other).status == "pending"
    assert rig.links[T1].stops == 1, "the member that started is stopped"
    rig.links[T1].finish(one, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "stop"])
    assert (rig.task(one).status, rig.task(other).status) == ("pending", "pending")
    reasons = [t.reason for t in rig.store.transitions_of(one, "task")]
    assert any("within 30 s" in r for r in reasons), reasons
    assert rig.store.get_observation(obs).status == "suspended"


def test_a_last_member_slow_to_start_stops_the_whole_group(rig: Rig) -> None:
    rig.links[T2].accept_s = 31.0
    dispatcher = rig.dispatcher(sync_tolerance_s=30.0)
    _, (one, other) = rig.pair(dispatcher)
    dispatcher.tick()
    assert rig.links[T1].stops == rig.links[T2].stops == 1
    for link, task_id in ((rig.links[T1], one), (rig.links[T2], other)):
        link.finish(task_id, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "stop"])
    assert (rig.task(one).status, rig.task(other).status) == ("pending", "pending")
    assert rig.store.get_task(one).attempts == 1, "an interrupted start counts as an attempt"
