"""The real device simulators the hardware tests drive: ``indiserver`` and ``alpaca-simulators``.

Each runs on loopback, on a port the test picks, in its own process group (so a kill takes its
drivers with it) and with its files in a temporary directory. Outside CI a missing simulator
skips its tests; in CI (``CI`` set) the tests run and fail, so a missing install step shows.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
import requests
from astropy.coordinates import get_sun
from astropy.time import Time

from astrotango.hardware import HardwareError, Site
from astrotango.hardware.sky import local_sidereal_time_deg
from astrotango.launcher.simulators import INDI_DRIVERS

T = TypeVar("T")

_IN_CI = bool(os.environ.get("CI"))

#: Marks tests that need Debian's indi-bin.
needs_indi = pytest.mark.skipif(
    shutil.which("indiserver") is None and not _IN_CI,
    reason="indiserver (Debian indi-bin) is not installed",
)
#: Marks tests that need PyPI's alpaca-simulators.
needs_alpaca = pytest.mark.skipif(
    importlib.util.find_spec("alpaca_simulators") is None and not _IN_CI,
    reason="alpaca-simulators (PyPI) is not installed: no Alpaca server to test against",
)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def night_site(name: str, latitude_deg: float, elevation_m: float) -> Site:
    """A site where it is the middle of the night now: the anti-sun on the meridian."""
    now = datetime.now(UTC)
    sun = get_sun(Time(now))
    lon = (sun.ra.deg + 180.0 - local_sidereal_time_deg(now, 0.0)) % 360.0
    return Site(name, latitude_deg, (lon + 180.0) % 360.0 - 180.0, elevation_m)


def wait_until(
    what: str, probe: Callable[[], T | None], timeout_s: float, poll_s: float = 0.1
) -> T:
    """Poll ``probe`` until it returns something truthy; HardwareErrors count as not yet."""
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            last = value
            if value:
                return value
        except HardwareError as exc:
            last = exc
        time.sleep(poll_s)
    raise AssertionError(f"{what}: not within {timeout_s} s (last: {last!r})")


class _Server:
    """A simulator process in its own process group, killed with its children."""

    def __init__(self, port: int, home: Path) -> None:
        self.port, self.home = port, home
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:port``."""
        return f"127.0.0.1:{self.port}"

    def _spawn(self, argv: list[str], log_name: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            argv,
            cwd=self.home,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.home / log_name).open("ab"),
            start_new_session=True,
        )

    def _alive(self) -> None:
        assert self.process is not None and self.process.poll() is None, (
            f"{type(self).__name__} exited; see {self.home}"
        )

    def kill(self) -> None:
        """Kill the server and its drivers at once (SIGKILL to its process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None


class IndiServer(_Server):
    """An ``indiserver`` with the simulators; its HOME (park data, configs) is ``home``."""

    def start(self, drivers: tuple[str, ...] = INDI_DRIVERS) -> None:
        """Start it; returns once it listens."""
        env = {**os.environ, "HOME": str(self.home)}
        socket_path = f"/tmp/astrotango-indi-{self.port}-{os.getpid()}"
        argv = ["indiserver", "-u", socket_path, "-p", str(self.port), *drivers]
        self._spawn(argv, "indiserver.log", env)
        wait_until("indiserver listening", self._listening, 10.0)

    def _listening(self) -> bool:
        self._alive()
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0


class AlpacaServer(_Server):
    """``alpaca-simulators`` on 127.0.0.1 only; its working directory is ``home``."""

    def start(self) -> None:
        """Start it; returns once it answers."""
        module = (sys.executable, "-m", "alpaca_simulators.run_simulator")
        self._spawn([*module, "--host", "127.0.0.1", "--port", str(self.port)], "alpaca.log")
        wait_until("alpaca-simulators answering", self._answers, 30.0, poll_s=0.05)

    def _answers(self) -> bool:
        self._alive()
        url = f"http://{self.address}/api/v1/telescope/0/connected"
        try:
            return requests.get(url, timeout=1.0).status_code == 200
        except requests.RequestException:
            return False


#: The INDI receiver simulator alone (its device is ``Receiver Simulator``).
RECEIVER_DRIVERS = ("indi_simulator_receiver",)

#: Marks tests that need indi-bin's receiver simulator.
needs_indi_receiver = pytest.mark.skipif(
    shutil.which("indi_simulator_receiver") is None and not _IN_CI,
    reason="indi_simulator_receiver (Debian indi-bin) is not installed",
)


def receiver_server(home: Path) -> IndiServer:
    """An ``indiserver`` with only :data:`RECEIVER_DRIVERS` on a free loopback port, listening.

    Restart it after a kill with ``start(RECEIVER_DRIVERS)``.
    """
    server = IndiServer(free_port(), home)
    server.start(RECEIVER_DRIVERS)
    return server
