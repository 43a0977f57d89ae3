"""The supervisor restarts a dead server with backoff and logs it; nothing once it stops."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from astrotango.launcher.processes import Child
from astrotango.launcher.supervision import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class HeldClock:
    """Counts the holds on time (acquire/release), as a virtual clock would keep them."""

    def __init__(self) -> None:
        self.held = 0
        self.holds = 0

    def acquire(self) -> None:
        self.held += 1
        self.holds += 1

    def release(self) -> None:
        self.held -= 1


class Servers:
    """What the supervisor needs of a System: its children, its clock, a way to start one."""

    def __init__(self, run_dir: Path, *, failing: int = 0) -> None:
        self.run_dir = run_dir
        self.held_clock = HeldClock()
        self.children: dict[str, Child] = {}
        self.starts: list[tuple[str, float]] = []
        self.failing = failing  # this many starts raise first

    def start_server(self, key: str) -> None:
        self.starts.append((key, time.monotonic()))
        if self.failing:
            self.failing -= 1
            raise RuntimeError(f"{key}: device did not answer\nlog tail")
        self.children[key] = Child(key, SLEEPER, self.run_dir / f"{key}.log", {})

    def clock(self) -> HeldClock:
        return self.held_clock

    def stop(self) -> None:
        for child in self.children.values():
            child.stop()


def wait_for(predicate, timeout_s: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def servers(tmp_path: Path):  # type: ignore[no-untyped-def]
    servers = Servers(tmp_path)
    yield servers
    servers.stop()


def test_a_killed_server_is_restarted_and_the_restart_logged(servers: Servers) -> None:
    servers.start_server("AstroSensors/1")
    servers.start_server("AstroReference/1")
    supervisor = Supervisor(servers, poll_s=0.02, first_backoff_s=0.05).start()  # type: ignore[arg-type]
    try:
        killed = servers.children["AstroSensors/1"]
        killed.kill()
        wait_for(lambda: len(supervisor.restarts) == 1)
        [restart] = supervisor.restarts
        assert (restart.server, restart.exit_code, restart.attempt) == ("AstroSensors/1", -9, 1)
        assert restart.started and servers.children["AstroSensors/1"].alive()
        assert servers.children["AstroSensors/1"].pid != killed.pid
        assert [k for k, _ in servers.starts].count("AstroReference/1") == 1, "the live one kept"
    finally:
        supervisor.stop()
    log = (servers.run_dir / "logs" / "supervisor.log").read_text()
    assert "server AstroSensors/1 exited (code -9); restart 1 in 0.05 s" in log
    assert "server AstroSensors/1 restarted (restart 1)" in log


def test_failed_restarts_back_off_doubling_up_to_the_limit(tmp_path: Path) -> None:
    servers = Servers(tmp_path, failing=2)
    exits = [sys.executable, "-c", "pass"]  # a server that dies at once
    servers.children["AstroScheduler/1"] = Child("s", exits, tmp_path / "s.log", {})
    supervisor = Supervisor(
        servers,  # type: ignore[arg-type]
        poll_s=0.01,
        first_backoff_s=0.1,
        max_backoff_s=0.3,
    ).start()
    try:
        wait_for(lambda: len(supervisor.restarts) == 3)
    finally:
        supervisor.stop()
        servers.stop()
    restarts = supervisor.restarts
    assert [(r.attempt, r.backoff_s, r.started, r.exit_code) for r in restarts] == [
        (1, 0.1, False, 0),
        (2, 0.2, False, 0),
        (3, 0.3, True, 0),
    ]
    assert restarts[0].error == "AstroScheduler/1: device did not answer", "first line only"
    starts = [at for _, at in servers.starts]
    assert starts[1] - starts[0] >= 0.2 and starts[2] - starts[1] >= 0.3


def test_nothing_is_restarted_once_stopped(servers: Servers) -> None:
    servers.start_server("AstroInterlocks/1")
    supervisor = Supervisor(servers, poll_s=0.02, first_backoff_s=0.05).start()  # type: ignore[arg-type]
    supervisor.stop()
    servers.children["AstroInterlocks/1"].kill()
    time.sleep(0.2)  # several polls' worth: a stopped supervisor must not act
    assert supervisor.restarts == [] and len(servers.starts) == 1


def test_a_backoff_that_cannot_be_is_refused(servers: Servers) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Supervisor(servers, first_backoff_s=5, max_backoff_s=1)  # type: ignore[arg-type]


def test_a_death_the_clock_reports_holds_time_until_the_restart(servers: Servers) -> None:
    """The keeper reports the dead process before it moves time: from then until the restart's
    devices answer, time is held, so the outage costs no simulated time."""
    servers.start_server("AstroConstraints/1")
    killed = servers.children["AstroConstraints/1"]
    supervisor = Supervisor(servers, poll_s=0.02, first_backoff_s=0.2).start()  # type: ignore[arg-type]
    try:
        killed.kill()
        supervisor.died(killed.pid)  # what the keeper does on finding it gone
        supervisor.died(killed.pid)  # told twice: held once
        supervisor.died(424242)  # not one of ours: nothing
        assert servers.held_clock.held == 1
        wait_for(lambda: len(supervisor.restarts) == 1)
        assert servers.held_clock.held == 0 and servers.held_clock.holds == 1
    finally:
        supervisor.stop()
