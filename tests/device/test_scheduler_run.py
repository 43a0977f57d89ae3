"""Scheduler device: one ``Run`` is one planning run (issue 13: it used to plan twice).

Every planning run that is not superseded publishes twice (the first slots, then the full
plan), so ``scheduleVersion`` counts the runs; the task-pool poll is kept out of the way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import tango
from sched_rig import NIGHT, TELESCOPES, single_target
from tango.test_context import DeviceTestContext

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake
from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.scheduler import Scheduler
from astrotango.store import open_store

_PUBLISHED_PER_RUN = 2  # nextBlocks, then schedule


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tango.DeviceProxy]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sched-run') / 'store.db'}"
    store = open_store(url)
    intake = ObservationIntake(store, clock=ManualClock(NIGHT - timedelta(hours=6)))
    intake.submit(json.dumps(single_target("capella", 79.17, 45.99)))
    store.close()
    properties = {
        "StoreUrl": url,
        "Telescopes": json.dumps(TELESCOPES),
        "SimulationStart": NIGHT.isoformat(),
        "ClockScale": 1.0001,
        "PoolPollSeconds": 3600.0,
    }
    with DeviceTestContext(Scheduler, process=True, properties=properties, timeout=60) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def run_to_completion(device: tango.DeviceProxy, log: Any) -> list[Any]:
    [code], [command_id] = device.Run()
    assert code == ResultCode.QUEUED
    log.wait_for(
        lambda n, v: (
            n == "_lrcevent"
            and v[0] == command_id
            and json.loads(v[1]).get("status") == TaskStatus.COMPLETED
        )
    )
    return [e["result"] for e in log.lrc(command_id) if "result" in e]


def test_one_run_plans_once_and_reports_that_plan(device: tango.DeviceProxy, events: Any) -> None:
    log = events(device, "_lrcEvent")
    version = device.scheduleVersion
    [result] = run_to_completion(device, log)
    assert result[0] == ResultCode.OK and "Planned 1 of 1 tasks" in result[1]
    # The executor runs one command at a time, in order: anything Run queued before its own
    # planning run has published by now.
    assert device.scheduleVersion == version + _PUBLISHED_PER_RUN, "Run planned more than once"
    assert f"schedule version {device.scheduleVersion})" in result[1]


def test_runs_in_a_row_plan_once_each(device: tango.DeviceProxy, events: Any) -> None:
    log = events(device, "_lrcEvent")
    version = device.scheduleVersion
    for _ in range(3):
        [result] = run_to_completion(device, log)
        assert result[0] == ResultCode.OK
    assert device.scheduleVersion == version + 3 * _PUBLISHED_PER_RUN
