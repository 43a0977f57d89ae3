"""The whole system on a simulated night: real Tango database, every server a process, the
client in this process. Slow: each test starts the default observatory."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import Night
from sched_rig import single_target

from astrotango.domain import (
    OBSERVATION_RESET_TRANSITIONS,
    OBSERVATION_TRANSITIONS,
    Actor,
    ObservationStatus,
)

pytestmark = pytest.mark.slow


def capella(exposures: int, exposure_s: float) -> dict[str, Any]:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [
        {"filter": "r", "exposure_s": exposure_s, "count": exposures}
    ]
    return document


def assert_lifecycle_edges(transitions: list[dict[str, Any]], observation_id: str) -> list[str]:
    """Every observation transition seen on lastTransition is an allowed edge, right actor."""
    seen = [t for t in transitions if t["id"] == observation_id]
    table = {**OBSERVATION_TRANSITIONS, **OBSERVATION_RESET_TRANSITIONS}
    for t in seen:
        if t["from"] is None:
            continue
        edge = (ObservationStatus(t["from"]), ObservationStatus(t["to"]))
        assert edge in table, f"{edge} is not a lifecycle edge"
        assert Actor(t["actor"]) in table[edge], f"{t['actor']} may not cause {edge}"
    return [t["to"] for t in seen]


def running_on(night: Night, observation_id: str) -> str:
    [task] = night.observation(observation_id)["tasks"]
    return str(task["telescope"]) if task["status"] == "running" else ""


def test_clouds_mid_task_interrupt_suspend_resume_and_complete(night: Night) -> None:
    obs = night.submit(capella(exposures=5, exposure_s=120.0))
    night.wait_until("the task to run", lambda: running_on(night, obs) != "")
    telescope = night.system.proxy(running_on(night, obs))
    task_id = night.observation(obs)["tasks"][0]["id"]
    night.wait_until("a first exposure", lambda: json.loads(telescope.GetAssets(task_id)) != [])
    weather = night.system.proxy("astro/weather/1")
    weather.InjectFault(json.dumps({"sensor": "cloudCover", "fault": "fixed", "value": 95}))
    night.wait_until("the suspension", lambda: night.status(obs) == "suspended")
    view = night.observation(obs)
    assert view["assets"], "what the interrupted run captured is kept (the partial result)"
    assert view["tasks"][0]["status"] in ("pending", "scheduled")
    assert "interrupted" in (view["tasks"][0]["reason"] or "")
    weather.ClearFaults()
    night.wait_until("completion", lambda: night.status(obs) == "completed", timeout_s=240)
    path = assert_lifecycle_edges(night.transitions, obs)
    assert path[:1] == ["pending"] and path[-2:] == ["acquisition_complete", "completed"]
    assert "suspended" in path and path[path.index("suspended") + 1] == "in_progress"
    final = night.observation(obs)
    assert any(not a["partial"] for a in final["assets"])
    assert all(a["task_info"]["task_id"] == final["tasks"][0]["id"] for a in final["assets"])


def test_a_killed_telescope_server_gives_its_work_to_another_telescope(night: Night) -> None:
    obs = night.submit(capella(exposures=5, exposure_s=120.0))
    night.wait_until("the task to run", lambda: running_on(night, obs) != "")
    first = running_on(night, obs)
    night.system.children[f"AstroTelescope/{first.rsplit('/', 1)[1]}"].kill()
    night.wait_until("the task to come back", lambda: night.status(obs) == "suspended")
    night.wait_until("completion", lambda: night.status(obs) == "completed", timeout_s=240)
    view = night.observation(obs)
    [task] = view["tasks"]
    assert task["telescope"] != first
    moves = [
        (a["from_telescope"], a["to_telescope"]) for a in view["assignment_history"][task["id"]]
    ]
    assert (first, task["telescope"]) in moves, moves
    started = [h for h in view["task_history"][task["id"]] if h["to_status"] == "running"]
    assert len(started) == 2 and task["fencing_token"] == 2, "one run per claim, never two at once"
    assert_lifecycle_edges(night.transitions, obs)


def test_the_rain_interlock_makes_every_telescope_safe_and_stops_dispatch(night: Night) -> None:
    weather = night.system.proxy("astro/weather/1")
    interlock = night.system.proxy("astro/interlock/rain")
    weather.InjectFault(json.dumps({"sensor": "rain", "fault": "fixed", "value": 4.0}))
    night.wait_until("the interlock", lambda: bool(interlock.fired), timeout_s=60)
    telescopes = [f"astro/telescope/{t}" for t in ("t1", "t2", "r1", "r2")]

    def all_safe() -> bool:
        proxies = [night.system.proxy(t) for t in telescopes]
        return all(p.parked for p in proxies) and all(
            p.enclosureState.name in ("CLOSED", "NONE") for p in proxies
        )

    night.wait_until("every telescope safe", all_safe, timeout_s=120)
    obs = night.submit(capella(exposures=1, exposure_s=30.0))
    night.wait_until("a few dispatch rounds", lambda: night.system.clock().now().minute % 10 == 0)
    assert night.status(obs) == "pending", "nothing is dispatched while the interlock holds"
    assert night.observation(obs)["tasks"][0]["status"] == "pending"


def test_a_controller_killed_mid_night_reconciles_and_loses_nothing(night: Night) -> None:
    running = night.submit(capella(exposures=5, exposure_s=120.0))
    waiting = night.submit(single_target("vega", 279.23, 38.78))
    night.wait_until("the task to run", lambda: running_on(night, running) != "")
    night.close()
    night.system.children["AstroController/1"].kill()
    night.system.start_server("AstroController/1")
    restarted = Night(night.system)
    restarted.wait_until("completion", lambda: restarted.status(running) == "completed")
    [task] = restarted.observation(running)["tasks"]
    starts = [
        h
        for h in restarted.observation(running)["task_history"][task["id"]]
        if h["to_status"] == "running"
    ]
    assert len(starts) == 1 and task["fencing_token"] == 1, "the run was followed, not repeated"
    assert restarted.status(waiting) in ("pending", "assigned", "in_progress", "completed")
    restarted.close()


def test_a_monitoring_series_runs_its_cadence_and_stops_at_max_observations(
    night: Night,
) -> None:
    document = capella(exposures=1, exposure_s=60.0)
    document["name"] = "capella every half hour"
    document["monitoring"] = {"cadence_s": 1800, "max_observations": 3}
    obs = night.submit(document)
    night.wait_until(
        "three runs", lambda: len(night.observation(obs)["series_history"]) == 3, timeout_s=240
    )
    night.wait_until("the series to end", lambda: night.status(obs) == "completed", timeout_s=30)
    view = night.observation(obs)
    runs = view["series_history"]
    assert [r["run"] for r in runs] == [1, 2, 3]
    assert all(r["outcome"] == "completed" for r in runs), runs
    starts = sorted(
        h["at"]
        for history in view["task_history"].values()
        for h in history
        if h["to_status"] == "running"
    )
    assert len(starts) == 3, "one run per cadence step, none after the third"
    # Runs are anchored to cadence slots (window start + k x 30 min): each run starts no
    # earlier than the slot its predecessor's end made it eligible for, one run per slot.
    for run, later in zip(runs, starts[1:], strict=False):
        eligible = datetime.fromisoformat(run["next_eligible"])
        assert datetime.fromisoformat(later) >= eligible, (runs, starts)
    slots = [
        (datetime.fromisoformat(s) - datetime.fromisoformat(view["tasks"][0]["window_start"]))
        // timedelta(seconds=1800)
        for s in starts
    ]
    assert len(set(slots)) == 3, f"one run per cadence slot: {starts}"
    assert len([a for a in view["assets"] if not a["partial"]]) == 3
    path = assert_lifecycle_edges(night.transitions, obs)
    assert path.count("acquisition_complete") == 3 and path[-1] == "completed", path
    night.wait_until("a later dispatch round", lambda: night.system.clock().now().minute % 15 == 0)
    assert night.status(obs) == "completed", "no fourth run"
