"""The real device simulators a hardware session runs on: ``indiserver`` and ``alpaca-simulators``.

Each runs on loopback (``indiserver`` listens on every interface: it is given a private UNIX
socket and a port the caller picked), in its own process group, with its files (INDI's HOME,
park data) under the run directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from pathlib import Path

from astrotango.launcher.processes import Child

__all__ = [
    "INDI_DRIVERS",
    "INDI_RADIO_DRIVERS",
    "SimulatorError",
    "free_port_pair",
    "free_port_run",
    "start_alpaca",
    "start_indi",
]

#: The INDI simulators one optical telescope and its weather station need.
INDI_DRIVERS = (
    "indi_simulator_telescope",
    "indi_simulator_ccd",
    "indi_simulator_dome",
    "indi_simulator_wheel",
    "indi_simulator_weather",
    "indi_simulator_focus",
)
#: The INDI simulators one radio telescope needs: its mount and its receiver.
INDI_RADIO_DRIVERS = ("indi_simulator_telescope", "indi_simulator_receiver")


class SimulatorError(RuntimeError):
    """A simulator is not installed or did not start; the message says which and why."""


def free_port_pair() -> int:
    """A loopback port ``p`` with ``p + 1`` free too (one simulator set per telescope)."""
    return free_port_run(2)


def free_port_run(count: int) -> int:
    """A loopback port ``p`` with ``p + 1 .. p + count - 1`` free too.

    Raises:
        SimulatorError: no such run found in 50 tries.
    """
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port + count - 1 <= 65_535 and all(_free(port + k) for k in range(1, count)):
            return port
    raise SimulatorError(f"no {count} adjacent free ports on 127.0.0.1")


def start_indi(port: int, home: Path, drivers: tuple[str, ...] = INDI_DRIVERS) -> Child:
    """``indiserver`` with ``drivers`` on ``port``; returns once it accepts clients.

    Raises:
        SimulatorError: indi-bin is not installed, or the server exited or is not listening.
    """
    if shutil.which("indiserver") is None:
        raise SimulatorError("indiserver is not installed (Debian: apt-get install indi-bin)")
    home.mkdir(parents=True, exist_ok=True)
    argv = ["indiserver", "-u", str(home / "indi.sock"), "-p", str(port), *drivers]
    child = Child(
        f"indiserver:{port}", argv, home / "indiserver.log", {**os.environ, "HOME": str(home)}
    )
    _await_port(child, port, 15.0)
    return child


def start_alpaca(port: int, home: Path) -> Child:
    """``alpaca-simulators`` on 127.0.0.1:``port``; returns once it accepts clients.

    Raises:
        SimulatorError: alpaca-simulators is not installed, or it exited or is not listening.
    """
    import importlib.util

    if importlib.util.find_spec("alpaca_simulators") is None:
        raise SimulatorError("alpaca-simulators is not installed (pip install alpaca-simulators)")
    home.mkdir(parents=True, exist_ok=True)
    module = [sys.executable, "-m", "alpaca_simulators.run_simulator"]
    argv = [*module, "--host", "127.0.0.1", "--port", str(port)]
    child = Child(f"alpaca-simulators:{port}", argv, home / "alpaca.log", dict(os.environ))
    _await_port(child, port, 30.0)
    return child


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _await_port(child: Child, port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not child.alive():
            raise SimulatorError(f"{child.name} exited:\n{child.log_tail()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    child.stop()
    raise SimulatorError(f"{child.name} not listening after {timeout_s:g} s:\n{child.log_tail()}")
