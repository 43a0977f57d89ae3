"""The launcher with a real Tango database: `astrotango up`, a client in another process, `down`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from astrotango.launcher import STATE_FILE, System, pid_alive

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CLIENT = """
import json, sys, tango
from astrotango.client import invoke_lrc
proxy = tango.DeviceProxy("astro/reference/1")
proxy.ping()
outcome = invoke_lrc(proxy, "Exercise", json.dumps({"steps": 4, "step_s": 0.05}))
print(json.dumps({"state": str(proxy.state()), "status": outcome.status.name,
                  "result": outcome.result, "progress": outcome.progress}))
"""


def wait_for_state(run_dir: Path, process: subprocess.Popen[str], timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state_file = run_dir / STATE_FILE
        if state_file.exists():
            return json.loads(state_file.read_text())
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        time.sleep(0.1)
    raise AssertionError("astrotango up did not come up")


def wait_gone(pids: list[int], timeout_s: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if pid_alive(p)]


def astrotango(*args: str) -> list[str]:
    return [sys.executable, "-m", "astrotango", *args]


def test_up_serves_a_client_in_another_process_and_down_leaves_nothing(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    up = subprocess.Popen(
        astrotango("up", "--config", str(ROOT / "tango-db"), "--run-dir", str(run_dir)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        state = wait_for_state(run_dir, up)
        assert "astro/reference/1" in state["devices"]
        env = {**os.environ, "TANGO_HOST": state["tango_host"]}
        client = subprocess.run(
            [sys.executable, "-c", CLIENT], env=env, capture_output=True, text=True, timeout=60
        )
        assert client.returncode == 0, client.stderr
        seen = json.loads(client.stdout.strip().splitlines()[-1])
        assert seen["state"] == "ON"
        assert seen["status"] == "COMPLETED"
        assert seen["result"] == [0, "Exercise of 4 steps completed"]
        assert seen["progress"][-1] == 100
        down = subprocess.run(
            astrotango("down", "--run-dir", str(run_dir)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert down.returncode == 0, down.stdout + down.stderr
        assert up.wait(timeout=30) == 0
        assert wait_gone([state["launcher_pid"], *state["pids"]]) == []
        assert not (run_dir / STATE_FILE).exists()
        assert not list(ROOT.glob("*.db")), "no state in the source tree"
    finally:
        if up.poll() is None:
            up.kill()


def test_children_die_with_a_killed_launcher(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    up = subprocess.Popen(
        astrotango("up", "--config", str(ROOT / "tango-db"), "--run-dir", str(run_dir)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    state = wait_for_state(run_dir, up)  # type: ignore[arg-type]
    up.send_signal(signal.SIGKILL)
    up.wait(timeout=10)
    assert wait_gone(state["pids"]) == [], "no orphan outlives its launcher"


def test_the_system_harness_restarts_a_killed_server(tmp_path: Path) -> None:
    import tango

    with System(ROOT / "tango-db", tmp_path / "run") as system:
        proxy = system.proxy("astro/reference/1")
        assert proxy.state() == tango.DevState.ON
        system.children["AstroReference/1"].kill()
        with pytest.raises(tango.DevFailed):
            proxy.ping()
        system.start_server("AstroReference/1")
        # the memorized adminMode came back from the Tango database
        assert system.proxy("astro/reference/1").state() == tango.DevState.ON
        pids = [c.pid for c in system.children.values()]
    assert wait_gone(pids) == []


def test_every_server_publishes_events_after_a_start_and_a_restart(tmp_path: Path) -> None:
    """A server whose memorized adminMode starts it talking to other devices while it is
    still starting up once broke its own event publisher ("Class DServer is not
    initialised!", then every subscription to it failed): it must publish, always."""
    import tango

    def publishes(system: System) -> list[str]:
        broken = []
        for key in system.children:
            info = system.proxy(f"dserver/{key}").command_inout(
                "ZmqEventSubscriptionChange", ["info"]
            )
            heard = [e for e in info[1] if e.startswith("Event:")]
            if any(e.endswith(":") for e in heard):
                broken.append(f"{key}: {heard}")
        return broken

    with System(ROOT / "tango-db", tmp_path / "run") as system:
        for device in system.devices:  # one subscription each: every publisher binds
            proxy = system.proxy(device)
            proxy.unsubscribe_event(
                proxy.subscribe_event("state", tango.EventType.CHANGE_EVENT, lambda _: None)
            )
        assert publishes(system) == []
        system.children["AstroInterlocks/1"].kill()
        system.start_server("AstroInterlocks/1")
        proxy = system.proxy("astro/interlock/rain")
        proxy.unsubscribe_event(
            proxy.subscribe_event("fired", tango.EventType.CHANGE_EVENT, lambda _: None)
        )
        assert publishes(system) == []
        assert (
            "Class DServer is not initialised"
            not in (tmp_path / "run" / "logs" / "AstroInterlocks-1.log").read_text()
        )


def test_the_observatory_reads_many_devices_at_once_and_names_each_failure(
    tmp_path: Path,
) -> None:
    import tango

    from astrotango.client.observatory import Observatory

    with System(ROOT / "tango-db", tmp_path / "run") as system:
        observatory = Observatory(system.tango_host)
        read = observatory.read_many(
            [
                ("astro/reference/1", ["State", "adminMode"]),
                ("astro/no/such", ["State"]),
            ]
        )
        assert read["astro/reference/1"] == [tango.DevState.ON, 0]
        assert isinstance(read["astro/no/such"], tango.DevFailed)
        bad = observatory.read_many([("astro/reference/1", ["State", "noSuchAttribute"])])
        assert isinstance(bad["astro/reference/1"], tango.DevFailed), "one failed: all failed"
        views = observatory.telescopes()
        assert {v.name for v in views} == set(observatory.devices_of_class("Telescope"))
        assert all(v.state != "UNREACHABLE" for v in views)
        safety = observatory.safety()
        assert set(safety.gates) and "UNREACHABLE" not in safety.gates.values()
        assert set(safety.triggers) == {"gusts_r1", "gusts_r2", "rain"}


def test_run_finishes_the_night_with_the_report_written_and_no_process_left(
    tmp_path: Path,
) -> None:
    """`make run`'s command, shortened: the main job from start to its report."""
    run_dir = tmp_path / "run"
    job = subprocess.Popen(
        astrotango(
            "run",
            "--config", str(ROOT / "tango-db"),
            "--examples", str(ROOT / "examples" / "observations"),
            "--run-dir", str(run_dir),
            "--hours", "3",
            "--speed", "virtual",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )  # fmt: skip
    try:
        state = wait_for_state(run_dir, job)
        output, _ = job.communicate(timeout=240)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, output
    assert "All devices answered and every self-test passed" in output
    report = run_dir / "report"
    page = (report / "night.html").read_text()
    for image in ("gantt.png", "altitude.png", "constraints.png"):
        assert (report / image).read_bytes().startswith(b"\x89PNG") and image in page
    night = json.loads((report / "night.json").read_text())
    rows = night["observations"]
    assert len(rows) == len(list((ROOT / "examples" / "observations").glob("*.json")))
    assert all(row["name"] in page for row in rows)
    assert any(run["to_status"] == "running" for row in rows for h in row["task_history"].values()
               for run in h), "the night got tasks running"  # fmt: skip
    assert "Safety oracle (120 s allowance): all zero" in output
    assert [v["ok"] for v in night["safety"]] == [True] * 4, night["safety"]
    telescopes = {f"astro/telescope/{t}" for t in ("t1", "t2", "r1", "r2")}
    assert {v["telescope"] for v in night["safety"]} == telescopes
    assert wait_gone([state["launcher_pid"], *state["pids"]]) == [], "every process gone"
    assert not (run_dir / STATE_FILE).exists()


def test_up_plays_a_scenario_each_document_at_its_instant(tmp_path: Path) -> None:
    """`up --scenario`: the night starts at the scenario's start and each document is
    submitted at its simulated instant (the store's submission transitions say when)."""
    samples = ROOT / "examples" / "observations"
    timeline = tmp_path / "night.json"
    timeline.write_text(
        json.dumps(
            {
                "format": "astrotango-scenario/1",
                "start": "2026-12-15T17:30:00Z",
                "end": "2026-12-16T07:30:00Z",
                "submissions": [
                    {
                        "at": "2026-12-15T17:30:00Z",
                        "document": str(samples / "calibration_night.json"),
                    },
                    {
                        "at": "2026-12-15T18:45:00Z",
                        "document": str(samples / "jupiter_outreach.json"),
                    },
                ],
            }
        )
    )
    run_dir = tmp_path / "run"
    up = subprocess.Popen(
        astrotango("up", "--config", str(ROOT / "tango-db"), "--run-dir", str(run_dir),
                   "--scenario", str(timeline)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        wait_for_state(run_dir, up)
        deadline = time.monotonic() + 120
        submitted: list[str] = []
        while len(submitted) < 2:
            assert up.poll() is None and time.monotonic() < deadline, "not both submitted"
            with sqlite3.connect(run_dir / "astrotango.db") as store:
                submitted = [
                    at
                    for (at,) in store.execute(
                        "SELECT at FROM transitions WHERE entity_kind = 'observation'"
                        " AND from_status IS NULL ORDER BY at"
                    )
                ]
            time.sleep(0.5)
    finally:
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=120)
    assert submitted == ["2026-12-15 17:30:00.000000+00:00", "2026-12-15 18:45:00.000000+00:00"]
    assert "submitted calibration_night" in output and "Stopped; no process left behind." in output
