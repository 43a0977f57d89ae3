"""The whole system on a simulated night: real Tango database, every server a process, the
client in this process. Slow: each test starts the default observatory."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tango
from conftest import INTERLOCKS, NIGHT_START, SUNRISE, Night, observatory, safety_verdicts
from sched_rig import single_target

from astrotango.client.safety_oracle import all_ok, safety_text
from astrotango.domain import (
    OBSERVATION_RESET_TRANSITIONS,
    OBSERVATION_TRANSITIONS,
    Actor,
    ObservationStatus,
    expand_observation,
    parse_observation,
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
    killed_at = night.system.clock().now()
    night.system.children[f"AstroTelescope/{first.rsplit('/', 1)[1]}"].kill()
    night.wait_until("completion", lambda: night.status(obs) == "completed", timeout_s=240)
    view = night.observation(obs)
    # suspended lasts only until the next plan (seconds): read it from the history, not a poll
    reached = [h["to_status"] for h in view["history"]]
    assert "suspended" in reached, f"the work came back before moving: {reached}"
    [task] = view["tasks"]
    assert task["telescope"] != first
    moves = [
        (a["from_telescope"], a["to_telescope"]) for a in view["assignment_history"][task["id"]]
    ]
    assert (first, task["telescope"]) in moves, moves
    history = view["task_history"][task["id"]]
    runs = [(h["at"], h["from_status"], h["to_status"], h.get("reason")) for h in history]
    started = [h for h in history if h["to_status"] == "running"]
    # A start the telescope refuses under load is a run of its own claim (then re-queued):
    # what must hold is one claim per run and never a run begun while another is open.
    assert len(started) >= 2 and task["fencing_token"] == len(started), runs
    assert all(h["from_status"] != "running" for h in started), runs
    lost = [h["reason"] for h in history if "heartbeat" in (h["reason"] or "")]
    assert lost and all(first in reason for reason in lost), f"only {first} was lost: {runs}"
    seen_lost = min(
        datetime.fromisoformat(h["at"]) for h in history if "heartbeat" in (h["reason"] or "")
    )
    # within the controller's HeartbeatTimeout (60 s) and a few of its 10 s ticks, simulated
    assert (seen_lost - killed_at).total_seconds() <= 60 + 30, (killed_at, seen_lost)
    assert_lifecycle_edges(night.transitions, obs)


def test_a_sensor_server_stopped_for_three_seconds_trips_nothing(night: Night) -> None:
    """Issue 12: a SIGSTOP of the sensor server for 3 real s, while a telescope exposes, only
    pauses virtual time: no gate goes stale, no interlock fires, the task runs once."""
    obs = night.submit(capella(exposures=3, exposure_s=120.0))
    night.wait_until("the task to run", lambda: running_on(night, obs) != "")
    sensors = night.system.children["AstroSensors/1"]
    stopped = threading.Event()

    def stop_three_real_seconds() -> None:  # not a participant: the night may go on meanwhile
        os.kill(sensors.pid, signal.SIGSTOP)
        try:
            time.sleep(3.0)
        finally:
            os.kill(sensors.pid, signal.SIGCONT)
            stopped.set()

    threading.Thread(target=stop_three_real_seconds, name="sigstop").start()
    night.wait_until("completion", lambda: night.status(obs) == "completed", timeout_s=240)
    assert stopped.wait(10.0)
    view = night.observation(obs)
    [task] = view["tasks"]
    reached = [h["to_status"] for h in view["history"]]
    assert "suspended" not in reached and task["fencing_token"] == 1, view["history"]
    for name in ("astro/interlock/rain", "astro/interlock/gusts_r1", "astro/interlock/gusts_r2"):
        assert not night.system.proxy(name).fired, f"{name} fired"


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
    waiting = night.submit(single_target("aldebaran", 68.98, 16.51))
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


TELESCOPES = [f"astro/telescope/{t}" for t in ("t1", "t2", "r1", "r2")]


def radio_track(name: str, ra_deg: float, dec_deg: float, duration_s: float) -> dict[str, Any]:
    return {
        "name": name,
        "owner": "tests",
        "queue": "research",
        "priority": 5,
        "window": {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"},
        "requests": [
            {
                "type": "radio_tracking",
                "target": {"name": name, "ra_deg": ra_deg, "dec_deg": dec_deg},
                "frequency_ghz": 1.42,
                "duration_s": duration_s,
            }
        ],
    }


def is_safe(proxy: Any) -> bool:
    return bool(proxy.parked) and proxy.enclosureState.name in ("CLOSED", "NONE")


def test_the_rain_interlock_fired_while_every_telescope_executes_wins_every_race(
    night: Night,
) -> None:
    """Issue 11: with every telescope executing, the interlock fires and in the same instant
    the controller (played here by the test too) sends Abort to every telescope."""
    observations = [
        night.submit(capella(exposures=10, exposure_s=300.0)),
        night.submit({**single_target("m31", 10.68, 41.27), "priority": 5}),
        night.submit(single_target("pleiades", 56.75, 24.12)),
        night.submit(radio_track("Cas A", 350.85, 58.815, 7200)),
        night.submit(radio_track("Crab", 83.63, 22.01, 7200)),
    ]
    proxies = {name: night.system.proxy(name) for name in TELESCOPES}
    night.wait_until(
        "every telescope exposing or integrating",
        lambda: all(
            str(p.currentSubtask).startswith(("expose", "integrate")) for p in proxies.values()
        ),
        timeout_s=180,
    )
    running = {name: str(p.currentTaskId) for name, p in proxies.items()}
    weather = night.system.proxy("astro/weather/1")
    interlock = night.system.proxy("astro/interlock/rain")
    weather.InjectFault(json.dumps({"sensor": "rain", "fault": "fixed", "value": 2.5}))
    # the controller's stop, within a tenth of a simulated second of the storm
    night.wait_until("the rain interlock", lambda: bool(interlock.fired), 60, step_s=0.1)
    for proxy in proxies.values():
        proxy.Abort()
    clock = night.system.clock()
    night.wait_until("every telescope safe", lambda: all(map(is_safe, proxies.values())), 120)
    safe_at = clock.now()
    record = json.loads(interlock.lastShutdown)
    fired_at = datetime.fromisoformat(record["fired_at"])
    assert (safe_at - fired_at) <= timedelta(seconds=120 + 30), "beyond the shutdown allowance"
    night.wait_until("the storm's result", lambda: "result" in json.loads(interlock.lastShutdown))
    record = json.loads(interlock.lastShutdown)
    assert record["failed"] == [], record
    assert all(name in record["result"][1] for name in TELESCOPES), record["result"]
    # every running task was interrupted, its frames kept, and re-queued
    by_task = {t["id"]: (obs, t) for obs in observations for t in night.observation(obs)["tasks"]}
    for telescope, task_id in running.items():
        observation_id, _ = by_task[task_id]
        night.wait_until(
            f"{task_id} re-queued",
            lambda o=observation_id, i=task_id: (
                next(t for t in night.observation(o)["tasks"] if t["id"] == i)["status"]
                == "pending"
            ),
            timeout_s=30,
        )
        history = night.observation(observation_id)["task_history"][task_id]
        assert any("interrupted" in (h["reason"] or "") for h in history), history
        assets = night.observation(observation_id)["assets"]
        assert any(a["task_info"]["task_id"] == task_id for a in assets), (telescope, assets)
    # the telescopes themselves refuse to open while the interlock holds
    t1 = proxies["astro/telescope/t1"]
    for command in ("Unpark", "OpenEnclosure"):
        with pytest.raises(tango.DevFailed, match="astro/interlock/rain"):
            t1.command_inout(command)
    spec = expand_observation(parse_observation(capella(1, 30.0)), "obs-refused")[0]
    with pytest.raises(tango.DevFailed) as refused:
        t1.ExecuteTask(spec.model_dump_json())
    assert refused.value.args[0].reason == "InterlockFired", refused.value.args[0].desc
    # nothing is dispatched until Reset
    until = clock.now() + timedelta(minutes=20)
    night.wait_until("20 simulated minutes", lambda: clock.now() >= until)
    assert all(not p.currentTaskId and is_safe(p) for p in proxies.values())
    with pytest.raises(tango.DevFailed):
        interlock.Reset()  # the trigger still reads rain
    weather.ClearFaults()
    night.wait_until("the trigger clear", lambda: interlock.triggerState == "CLEAR")
    interlock.Reset()
    night.wait_until("work to resume", lambda: any(p.currentTaskId for p in proxies.values()), 180)


def test_every_optical_telescope_is_closed_and_parked_by_sunrise(dawn: Any) -> None:
    """Left open before dawn (an operator's flats, the end of a night's work), t1 and t2 close
    and park by themselves once the sun passes their -2 deg limit, before it rises; opening
    again is refused in daylight, and the oracle reads zero."""
    night, recorder = dawn
    optical = {
        name: night.system.proxy(name) for name in ("astro/telescope/t1", "astro/telescope/t2")
    }
    clock = night.system.clock()

    refusals: dict[str, list[tuple[str, str]]] = {}

    def opened(proxy: Any) -> bool:
        try:
            proxy.Unpark()
            proxy.OpenEnclosure()
        except tango.DevFailed as exc:  # the safing gates are still settling: not yet
            seen = refusals.setdefault(proxy.dev_name(), [])
            if not seen or seen[-1][1] != exc.args[0].desc:  # each change of reason, once
                seen.append((f"{clock.now():%H:%M:%S}", exc.args[0].desc))
            return False
        return True

    try:
        night.wait_until("the gates to settle and t1, t2 to open", lambda: all(
            opened(p) for p in optical.values()
        ), timeout_s=60)  # fmt: skip
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last refusals: {refusals}") from None
    night.wait_until(
        "both open", lambda: all(p.enclosureOpen and not p.parked for p in optical.values())
    )
    opened_at = clock.now()
    assert opened_at < SUNRISE - timedelta(minutes=20), "opened well before dawn"
    night.wait_until(
        "both closed and parked", lambda: all(is_safe(p) for p in optical.values()), timeout_s=90
    )
    closed_at = clock.now()
    assert closed_at < SUNRISE, f"safe at {closed_at:%H:%M:%S}, after sunrise"
    for name, proxy in optical.items():
        safing = json.loads(proxy.lastSafing)
        assert safing["reason"].startswith("daylight: the sun is at"), (name, safing)
        assert safing["outcome"].startswith("COMPLETED"), (name, safing)
        assert datetime.fromisoformat(safing["at"]) > opened_at
        with pytest.raises(tango.DevFailed) as info:
            proxy.OpenEnclosure()
        assert info.value.args[0].reason == "UnsafeToOpen" and "sun" in info.value.args[0].desc
    verdicts = safety_verdicts(recorder, night.system)
    assert all_ok(verdicts), safety_text(verdicts)


#: One server of every kind, killed in turn; the controller last (the test's client of it
#: reconnects by itself, as any DeviceProxy does).
KILLED = (
    "AstroConstraints/1",
    "AstroSensors/1",
    "AstroScheduler/1",
    "AstroInterlocks/1",
    "AstroReference/1",
    "AstroTelescope/t2",
    "AstroController/1",
)


def reset_interlocks(night: Night) -> list[str]:
    """What the night's operator does: Reset each fired interlock once its trigger cleared
    (refused while it holds); the ones that had fired."""
    fired = []
    for name in INTERLOCKS:
        proxy = night.system.proxy(name)
        if not proxy.read_attribute("fired").value:
            continue
        fired.append(name)

        def reset(proxy: tango.DeviceProxy = proxy) -> bool:
            try:
                proxy.Reset()
            except tango.DevFailed:
                return False  # its trigger still holds (no fresh sensor reading yet)
            return True

        night.wait_until(f"{name} to accept Reset", reset, step_s=10.0)
    return fired


@pytest.mark.xfail(
    strict=False,
    reason="issue 15 open: once in five runs (a CI run beside two other nights) t1 kept "
    "observing 131 s with its camera-temperature safing gate bad after the sensor server's "
    "restart (the host simulator restarts with a warm camera): beyond the 120 s allowance",
)
def test_a_supervised_night_restarts_each_killed_server_and_dispatch_carries_on(
    tmp_path: Path,
) -> None:
    """issue 15: after the constraint server was killed and restarted, dispatch once stopped
    for good (the controller kept its gate subscription's error and never told the Scheduler
    the telescopes were available again), and nothing restarted a killed server.

    A supervised restart costs no simulated time (time is held from the death to the
    restarted devices' answer), so nothing goes stale meanwhile: not even the lost sensors
    fire an interlock. Were one to fire, the operator's Reset is what would clear it.
    Before, the sensors' restart fired all three, the restart's real seconds having passed
    as simulated minutes."""
    with observatory(tmp_path / "run", NIGHT_START, supervise=True) as (night, recorder):
        _kill_each_server_in_turn(night)
        verdicts = safety_verdicts(recorder, night.system)
        assert all_ok(verdicts), safety_text(verdicts)


def _kill_each_server_in_turn(night: Night) -> None:
    system = night.system
    assert system.supervisor is not None
    fired: dict[str, list[str]] = {}
    for key in KILLED:
        old = system.children[key].pid
        system.children[key].kill()
        night.wait_until(
            f"{key} restarted",
            lambda key=key, old=old: (
                system.children[key].pid != old and system.children[key].alive()
            ),
            step_s=1.0,
        )
        system.wait_for_devices(
            next(s.devices for s in system.servers if s.key == key),
            servers=[system.children[key]],
        )
        fired[key] = reset_interlocks(night)
        observation = night.submit(capella(exposures=2, exposure_s=30.0))
        night.wait_until(
            f"an observation submitted after {key} came back to complete",
            lambda observation=observation: night.status(observation) == "completed",
        )
    assert all(f == [] for f in fired.values()), fired
    restarted = [r.server for r in system.supervisor.restarts if r.started]
    assert restarted == list(KILLED), system.supervisor.restarts
    log = (system.run_dir / "logs" / "supervisor.log").read_text()
    for key in KILLED:
        assert f"server {key} exited" in log and f"server {key} restarted" in log
