"""Scheduler device with a client in another process: Run progress and result, Explain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import tango
from sched_rig import NIGHT, TELESCOPES, example, moon_position, single_target
from tango.test_context import DeviceTestContext

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake
from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.scheduler import Scheduler
from astrotango.store import open_store


@pytest.fixture(scope="module")
def observations(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sched') / 'store.db'}"
    moon_ra, moon_dec = moon_position(NIGHT + timedelta(hours=3))
    store = open_store(url)
    intake = ObservationIntake(store, clock=ManualClock(NIGHT - timedelta(hours=6)))
    ids = {
        "m31": intake.submit(json.dumps(example("m31_mosaic"))),
        "never": intake.submit(json.dumps(single_target("south", 30.0, -80.0))),
        "moon": intake.submit(
            json.dumps(
                single_target("near-moon", moon_ra, moon_dec + 5.0, min_moon_separation_deg=30.0)
            )
        ),
        "window": intake.submit(
            json.dumps(
                single_target(
                    "too-late", 70.0, 20.0, window=("2026-12-17T20:00:00Z", "2026-12-18T04:00:00Z")
                )
            )
        ),
    }
    store.close()
    return url, ids


@pytest.fixture(scope="module")
def device(observations: tuple[str, dict[str, str]]) -> Iterator[tango.DeviceProxy]:
    url, _ = observations
    properties = {
        "StoreUrl": url,
        "Telescopes": json.dumps(TELESCOPES),
        "SimulationStart": NIGHT.isoformat(),
        "ClockScale": 1.0001,
        "PoolPollSeconds": 60.0,
    }
    with DeviceTestContext(Scheduler, process=True, properties=properties, timeout=60) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def test_run_reports_progress_and_publishes_the_schedule(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "_lrcEvent", "scheduleVersion")
    version = device.scheduleVersion
    [code], [command_id] = device.Run()
    assert code == ResultCode.QUEUED
    log.wait_for(
        lambda n, v: (
            n == "_lrcevent"
            and v[0] == command_id
            and json.loads(v[1]).get("status") == TaskStatus.COMPLETED
        )
    )
    lrc = log.lrc(command_id)
    progress = [e["progress"] for e in lrc if "progress" in e]
    assert progress == sorted(progress) and progress[-1] == 100
    [result] = [e["result"] for e in lrc if "result" in e]
    assert result[0] == ResultCode.OK and "Planned" in result[1]
    assert device.scheduleVersion >= version + 2, "first slots (nextBlocks), then the full plan"
    schedule = json.loads(device.schedule)
    first = json.loads(device.nextBlocks)
    assert first and len({b["telescope"] for b in first}) == len(first), "one per telescope"
    assert schedule and {"task", "telescope", "start", "end", "score", "merits"} <= set(schedule[0])
    assert device.tasksConsidered > 0 and device.lastRunSeconds > 0


def test_explain_names_the_blocking_constraint(
    device: tango.DeviceProxy, observations: tuple[str, dict[str, str]]
) -> None:
    _, ids = observations
    for key, words in (("never", "never rises"), ("moon", "moon"), ("window", "window")):
        [answer] = json.loads(device.Explain(ids[key]))
        assert not answer["scheduled"] and words in answer["message"], answer
        assert answer["reasons"], "each blocking constraint is named"
    with pytest.raises(tango.DevFailed, match="no observation"):
        device.Explain("obs-unknown")


def test_bad_availability_is_refused_naming_the_field(device: tango.DeviceProxy) -> None:
    with pytest.raises(tango.DevFailed, match="telescope"):
        device.SetAvailability(json.dumps({"telescope": "astro/telescope/zz", "available": False}))
    with pytest.raises(tango.DevFailed, match="available"):
        device.SetAvailability(json.dumps({"telescope": "astro/telescope/t1"}))


def test_a_queue_closed_on_every_telescope_is_explained(
    device: tango.DeviceProxy, observations: tuple[str, dict[str, str]], events: Any
) -> None:
    _, ids = observations
    telescopes = [t["id"] for t in TELESCOPES]
    m31 = {a["task"] for a in json.loads(device.Explain(ids["m31"]))}
    log = events(device, "schedule")
    with pytest.raises(tango.DevFailed, match="closed_queues"):
        device.SetAvailability(
            json.dumps({"telescope": telescopes[0], "available": True, "closed_queues": "research"})
        )
    for name in telescopes:
        device.SetAvailability(
            json.dumps({"telescope": name, "available": True, "closed_queues": ["research"]})
        )
    try:
        # the re-plan the last change triggered leaves the research mosaic out
        log.wait_for(lambda n, v: n == "schedule" and not m31 & {b["task"] for b in json.loads(v)})
        answers = json.loads(device.Explain(ids["m31"]))
        assert answers and not any(a["scheduled"] for a in answers)
        assert "closed to queue 'research'" in answers[0]["message"], answers[0]
    finally:
        for name in telescopes:
            device.SetAvailability(json.dumps({"telescope": name, "available": True}))
