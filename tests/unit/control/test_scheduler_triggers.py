"""Scheduler triggers coalesce: a burst of them while a run plans costs one more run, not many."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sched_rig import NIGHT, TELESCOPES, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake
from astrotango.control.scheduler import (
    SchedulerComponentManager,
    ScheduleSnapshot,
    telescopes_from_json,
)
from astrotango.scheduling import Plan, SchedulableTask, Telescope, plan
from astrotango.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    intake = ObservationIntake(s, clock=ManualClock(NIGHT - timedelta(hours=6)))
    intake.submit(json.dumps(single_target("capella", 79.17, 45.99)))
    yield s
    s.close()


def test_triggers_during_a_run_coalesce_into_one_further_run(store: Store) -> None:
    published: list[ScheduleSnapshot] = []
    calls: list[datetime] = []
    entered, release = threading.Event(), threading.Event()

    def planner(
        tasks: Sequence[SchedulableTask],
        telescopes: Sequence[Telescope],
        start: datetime,
        end: datetime,
    ) -> Plan:
        calls.append(start)
        entered.set()
        assert release.wait(10)
        return plan(tasks, telescopes, start, end)

    cm = SchedulerComponentManager(
        store=store,
        telescopes=telescopes_from_json(json.dumps(TELESCOPES)),
        clock=ManualClock(NIGHT),
        publish=published.append,
        planner=planner,
    )
    try:
        cm.trigger("a task started")
        assert entered.wait(10), "the first trigger's run is planning"
        for n in range(5):
            cm.trigger(f"a task finished ({n})")
        assert cm.executor.queued == 1, "five triggers, one run waiting"
        release.set()
        deadline = datetime.now() + timedelta(seconds=60)
        while cm.executor.busy and datetime.now() < deadline:
            threading.Event().wait(0.05)
        assert not cm.executor.busy
    finally:
        release.set()
        cm.close()
    # the first run was superseded after its first slots (planner call 1, nothing published);
    # the one further run planned its first slots and its full plan (calls 2 and 3)
    assert len(calls) == 3
    assert [s.partial for s in published] == [True, False]
