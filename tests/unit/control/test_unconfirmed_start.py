"""An ExecuteTask that got no answer in time is not a refusal: the task must never run twice.

Seen in a loaded night: ``refused: astro/telescope/t1.ExecuteTask: TRANSIENT_CallTimedout``;
the task went back to pending and was sent again, while t1 had queued the first call and
ran it: 140 frames for a 90-frame observation. Now the claim stays and the reconciler
follows what the telescope really does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import tango
from control_rig import T1, T2, ControlRig
from fake_links import FakeLink
from sched_rig import single_target

from astrotango.control.observation.links import OnDone, OnProgress, TaskUnconfirmedError
from astrotango.control.observation.reconcile import Reconciler
from astrotango.control.proxies import NoAnswer, ProxyError, _call_failed
from astrotango.store import Store, open_store

EXPOSURES = sum(e["count"] for e in single_target("x", 1, 1)["requests"][0]["exposures"])


@dataclass
class SlowLink(FakeLink):
    """Takes the task (``accepted``) or not, but its answer never comes back in time."""

    accepted: bool = True
    unconfirmed: int = 1  # this many calls time out

    def execute(self, spec_json: str, on_progress: OnProgress, on_done: OnDone) -> str:
        if self.unconfirmed:
            self.unconfirmed -= 1
            if self.accepted:
                super().execute(spec_json, on_progress, on_done)
            raise TaskUnconfirmedError(f"{self.name}.ExecuteTask: TRANSIENT_CallTimedout")
        return super().execute(spec_json, on_progress, on_done)


class Rig(ControlRig):
    links: dict[str, SlowLink]

    def __init__(self, store: Store, *, accepted: bool) -> None:
        super().__init__(store, {T1: SlowLink(T1, accepted=accepted), T2: SlowLink(T2)})
        self.dispatcher = self.new_dispatcher()
        self.reconciler = Reconciler(self.dispatcher, silence_s=60.0)

    def start_one(self) -> tuple[str, str]:
        observation = self.submit(single_target("capella", 79.17, 45.99))
        [task] = self.tasks(observation)
        self.dispatcher.apply_schedule(
            [{"task": task.id, "telescope": T1, "start": self.clock.now().isoformat()}]
        )
        self.dispatcher.tick()
        return observation, task.id

    def round(self) -> None:
        self.reconciler.run()
        self.dispatcher.tick()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


def test_a_start_that_got_no_answer_is_followed_not_sent_again(store: Store) -> None:
    rig = Rig(store, accepted=True)
    observation, task_id = rig.start_one()
    assert rig.task(task_id).status == "running", "not re-queued: it may be running"
    for _ in range(3):
        rig.round()  # adopted and followed while t1 reports it as current
    assert rig.links[T1].executed == [task_id], "sent once"
    assert rig.task(task_id).fencing_token == 1
    assert rig.status(observation) == "in_progress"
    rig.links[T1].captured[task_id] = [
        {"id": f"{task_id}-f{i}", "kind": "fits", "task_info": {"task_id": task_id}}
        for i in range(EXPOSURES)
    ]
    rig.links[T1].executed.append("")  # t1 moved on: its current task is none
    rig.round()
    assert rig.task(task_id).status == "completed"
    assert rig.status(observation) == "completed"
    assert rig.links[T1].executed == [task_id, ""], "never sent twice"


def test_a_start_the_telescope_never_had_goes_back_to_pending(store: Store) -> None:
    rig = Rig(store, accepted=False)
    observation, task_id = rig.start_one()
    assert rig.task(task_id).status == "running"
    rig.round()  # t1 reports no current task: found unfinished, re-queued
    task = rig.task(task_id)
    assert task.status == "pending" and task.claimed_by is None
    assert rig.status(observation) == "suspended", "interrupted before it ran"
    assert rig.links[T1].executed == []


def test_a_timeout_is_told_apart_from_a_refusal() -> None:
    def failed(reason: str, desc: str) -> tango.DevFailed:
        error = tango.DevError()
        error.reason, error.desc = reason, desc
        return tango.DevFailed(error)

    timed_out = failed("API_DeviceTimedOut", "Timeout (3000 mS) exceeded on device t1")
    transient = failed(
        "API_CorbaException", "TRANSIENT CORBA system exception: TRANSIENT_CallTimedout"
    )
    refused = failed("API_CommandFailed", "target below the horizon")
    assert isinstance(_call_failed("t1.ExecuteTask", timed_out), NoAnswer)
    assert isinstance(_call_failed("t1.ExecuteTask", transient), NoAnswer)
    error = _call_failed("t1.ExecuteTask", refused)
    assert type(error) is ProxyError and "below the horizon" in str(error)
