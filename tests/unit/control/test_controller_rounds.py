"""The controller's loop wakes at the next planned start, not only at its tick.

Before, a task planned between two ticks started at the tick after its slot (up to a tick
late: 10 simulated seconds with the default observatory).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fake_devices import Proxies
from sched_rig import NIGHT, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake, ObservationLedger
from astrotango.control.observation.runtime import ControllerRuntime
from astrotango.store import open_store

T1 = "astro/telescope/t1"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[ControllerRuntime]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    clock = ManualClock(NIGHT + timedelta(seconds=1))  # 9 s before the next 10 s tick
    ledger = ObservationLedger(store, clock)
    yield ControllerRuntime(ledger=ledger, proxies=Proxies(), telescopes=[T1], tick_s=10.0)
    store.close()


def plan_at(runtime: ControllerRuntime, seconds: float) -> None:
    store = runtime.dispatcher.store
    clock = runtime.dispatcher.ledger.clock
    intake = ObservationIntake(store, clock=clock)
    observation = intake.submit(json.dumps(single_target("a", 60.0, 30.0)))
    [task] = store.tasks_of_observation(observation)
    start = clock.now() + timedelta(seconds=seconds)
    runtime.dispatcher.apply_schedule(
        [{"task": task.id, "telescope": T1, "start": start.isoformat()}]
    )
    runtime.dispatcher.tick()  # the round that reads the schedule


def test_with_nothing_planned_the_loop_waits_for_its_tick(runtime: ControllerRuntime) -> None:
    assert runtime._until_next_round() == pytest.approx(9.0)


def test_a_start_before_the_tick_wakes_the_loop_at_that_start(runtime: ControllerRuntime) -> None:
    plan_at(runtime, 3.5)
    assert runtime._until_next_round() == pytest.approx(3.5)


def test_a_start_after_the_tick_leaves_the_tick(runtime: ControllerRuntime) -> None:
    plan_at(runtime, 40.0)
    assert runtime._until_next_round() == pytest.approx(9.0)
