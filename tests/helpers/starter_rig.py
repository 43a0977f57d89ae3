"""A private Tango database with Debian's Starter on it: servers run the way a Tango site runs them.

:class:`StarterRig` starts pytango's SQLite Tango database on a free loopback port, loads dsconfig
documents into it, registers each server on this host (controlled, as Astor does), then registers
and runs the host's Starter, ``tango/admin/<short hostname>``, whose ``StartDsPath`` is the venv's
``bin`` (where the ``Astro*`` console scripts are). Every process gets this database's TANGO_HOST,
so no Tango host file (``/etc/tangorc``) is ever read.

Found on the way (Starter 9.3.4, pytango 10.3.1's database):

- The database tells ``tango/admin/<host>`` of every server export and ``DbPutServerInfo``, and
  fails the request (``AttributeError: UpdateServersInfo``) while that device is defined but not
  running. So the servers' info goes in first, the Starter device last, and it is started at once.
- Starter lists only servers whose admin device was last exported from this host: a server never
  run here is absent from ``Servers`` until its first ``DevStart``.
- Starter daemonizes the servers it starts (their parent is init, not Starter): stopping Starter
  leaves them running, so :meth:`close` stops them by the pids the database recorded.
- Starter tells servers apart by program name and instance across the whole host, whatever
  database they serve: a stray ``AstroReference 1`` of another system (or a leaked one) makes
  ``DevStart("AstroReference/1")`` do nothing. Tests therefore give their instances unique names.
- A server Starter started ignores SIGTERM (it exits on its admin device's ``Kill``, which is what
  ``DevStop`` sends, or on SIGKILL).
- ``LogFileHome`` must exist; the servers run in ``<LogFileHome>/ds.log``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import tango

from astrotango.launcher.config import ServerSpec, validate_dsconfig
from astrotango.launcher.processes import Child

__all__ = ["STARTER", "StarterRig", "wait_for"]

#: Debian's ``tango-starter`` binary (``dpkg -L tango-starter``).
STARTER = Path("/usr/lib/tango/Starter")


def wait_for(condition: Callable[[], bool], timeout_s: float, what: Callable[[], str]) -> None:
    """Poll ``condition`` until it holds; fail with ``what()`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f} s: {what()}")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_env(pid: int) -> dict[str, str]:
    """The environment process ``pid`` started with ({} once it is gone or a zombie)."""
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return {}
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except (OSError, IndexError):
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


class StarterRig:
    """A Tango database and this host's Starter; :meth:`close` ends every process of the rig.

    Args:
        run_dir: Where the database file, the dsconfig copies and every log go.
        bin_dir: The Starter's ``StartDsPath``: the folder of the servers' console scripts.
        env: Extra environment for the Starter, which hands its own to every server it starts.
    """

    def __init__(self, run_dir: Path, bin_dir: Path, env: Mapping[str, str]) -> None:
        self.run_dir = run_dir
        self.bin_dir = bin_dir
        self.host = socket.gethostname().split(".")[0]
        self.port = _free_port()
        self.env = {**os.environ, **env, "TANGO_HOST": self.tango_host, "PYTHONUNBUFFERED": "1"}
        self.servers: list[ServerSpec] = []
        self.children: list[Child] = []
        self.logs = run_dir / "logs"

    @property
    def tango_host(self) -> str:
        """``127.0.0.1:<port>`` of the rig's database."""
        return f"127.0.0.1:{self.port}"

    @property
    def starter_device(self) -> str:
        """The host's Starter device, ``tango/admin/<short hostname>``."""
        return f"tango/admin/{self.host}"

    def proxy(self, device: str) -> tango.DeviceProxy:
        """A client of ``device``, named with the rig's database (never a host file's)."""
        return tango.DeviceProxy(f"tango://{self.tango_host}/{device}")

    def database(self) -> tango.Database:
        """A client of the rig's database."""
        return tango.Database("127.0.0.1", self.port)

    def start_database(self, timeout_s: float = 30.0) -> None:
        """Start the SQLite Tango database and wait until it accepts requests."""
        argv = [sys.executable, "-m", "tango.databaseds.database", "--host", "127.0.0.1"]
        log = self.logs / "databaseds.log"
        env = {**self.env, "PYTANGO_DATABASE_NAME": str(self.run_dir / "tango_database.db")}
        child = Child("databaseds", [*argv, "--port", str(self.port), "2"], log, env)
        self.children.append(child)

        def ready() -> bool:
            assert child.alive(), child.log_tail()
            return "Ready to accept request" in log.read_text(errors="replace")

        wait_for(ready, timeout_s, child.log_tail)

    def load(
        self, name: str, document: dict[str, Any], instance: str, level: int = 1
    ) -> list[ServerSpec]:
        """Write ``document`` (dsconfig) with ``json2tango`` and put its servers on this host.

        Each server's one instance is renamed ``instance`` (see the module's note on stray
        processes) and registered controlled, at startup ``level``, as Astor registers it.
        """
        servers = {}
        for server, instances in document["servers"].items():
            assert len(instances) == 1, f"{server}: one instance to rename, not {list(instances)}"
            servers[server] = {instance: next(iter(instances.values()))}
        document = {**document, "servers": servers}
        path = self.run_dir / f"{name}.json"
        path.write_text(json.dumps(document, indent=2))
        specs = validate_dsconfig(document, path.name)
        json2tango = Path(sys.executable).parent / "json2tango"
        done = subprocess.run(
            [str(json2tango), "-w", "-a", "-u", str(path)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode in (0, 2), done.stdout + done.stderr  # 2 = applied
        database = self.database()
        for spec in specs:
            info = tango.DbServerInfo()
            info.name, info.host, info.mode, info.level = spec.key, self.host, 1, level
            database.put_server_info(info)
        self.servers.extend(specs)
        return specs

    def start_starter(self, timeout_s: float = 60.0) -> tango.DeviceProxy:
        """Register ``tango/admin/<host>`` and run Starter; return a client once it answers."""
        log_home = self.logs / "starter"
        log_home.mkdir(parents=True, exist_ok=True)
        device = tango.DbDevInfo()
        device.name, device._class = self.starter_device, "Starter"
        device.server = f"Starter/{self.host}"
        database = self.database()
        database.add_device(device)
        database.put_device_property(
            self.starter_device,
            {
                "StartDsPath": [str(self.bin_dir)],
                "LogFileHome": [str(log_home)],
                "StartServersAtStartup": ["false"],
            },
        )
        child = Child("Starter", [str(STARTER), self.host], self.logs / "starter.log", self.env)
        self.children.append(child)
        starter = self.proxy(self.starter_device)

        def answers() -> bool:
            assert child.alive(), child.log_tail()
            try:
                starter.ping()
            except tango.DevFailed:
                return False
            return True

        wait_for(answers, timeout_s, child.log_tail)
        return starter

    def server_states(self) -> dict[str, str]:
        """Starter's ``Servers`` attribute: server key -> the state Starter reports for it.

        Each entry reads ``Name/instance<TAB>state<TAB>…`` (ON while it runs, MOVING while it
        starts, FAULT when it is not running).
        """
        entries = self.proxy(self.starter_device).read_attribute("Servers").value or ()
        return {fields[0]: fields[1] for fields in (e.split("\t") for e in entries)}

    def server_pid(self, key: str) -> int:
        """The pid the database recorded for server ``key``'s last export (0 if none)."""
        try:
            return int(self.database().get_device_info(f"dserver/{key}").pid)
        except (tango.DevFailed, ValueError):
            return 0

    def ours(self, pid: int) -> bool:
        """Whether ``pid`` is a live process that talks to the rig's database."""
        return pid > 0 and process_env(pid).get("TANGO_HOST") == self.tango_host

    def close(self) -> None:
        """Stop every server Starter started, then Starter and the database.

        A server is asked to go by its admin device's ``Kill`` and, if still there after 5 s,
        SIGKILLed by the pid the database recorded (SIGTERM does not reach it).
        """
        pids = {spec.key: self.server_pid(spec.key) for spec in self.servers}
        alive = {key: pid for key, pid in pids.items() if self.ours(pid)}
        for key in alive:
            with contextlib.suppress(tango.DevFailed):
                self.proxy(f"dserver/{key}").command_inout("Kill")
        deadline = time.monotonic() + 5.0
        while any(self.ours(pid) for pid in alive.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in alive.values():
            if self.ours(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for child in reversed(self.children):
            child.stop()
