"""Start and stop a whole astrotango system: Tango database, configuration, device servers.

:class:`System` is what ``astrotango up`` runs and what every integration test uses: it starts
pytango's SQLite Tango database on a free (or given) port with its state in a run directory,
loads every ``tango-db/*.json`` with dsconfig, starts each declared device server as a child
process, and waits until every device answers a ping. ``stop`` ends everything it started.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType

import tango

from astrotango.clock import (
    SHARED_CLOCK_ENV,
    VIRTUAL,
    Clock,
    ClockKeeper,
    make_clock,
    shared_clock,
    shared_clock_spec,
    virtual_clock_spec,
)
from astrotango.control_model import AdminMode
from astrotango.hardware.fits import DATA_DIR_ENV
from astrotango.launcher.config import ServerSpec, config_files, load_servers, real_hardware
from astrotango.launcher.processes import Child
from astrotango.launcher.supervision import Supervisor

__all__ = ["STATE_FILE", "LaunchError", "System"]

STATE_FILE = "system.json"
_PORT_LINE = re.compile(r"host=(?P<host>[^,\s]+),\s*port=(?P<port>\d+)")


class LaunchError(RuntimeError):
    """The system could not be started; the message says which part and shows its log."""


def _free_port(host: str) -> int:
    """A TCP port on ``host`` nobody listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class System:
    """A running astrotango system (context manager).

    Args:
        config_dir: The folder of dsconfig JSON files (``tango-db/``).
        run_dir: Where the Tango database file, logs and the state file live.
        host: Address the Tango database listens on.
        port: Its port; 0 picks a free one.
        env: Extra environment for the device servers.
        startup_timeout_s: How long every device has to answer.
        sim_start: Run every server on one simulated clock starting at this time ...
        time_scale: ... running this many times faster than real time, or, with
            :data:`VIRTUAL`, on virtual time (as fast as the CPU allows, the same whatever
            the load: :mod:`astrotango.clock.virtual`). On virtual time the system starts
            with time held at ``sim_start`` (start-up costs no simulated time) until
            :meth:`resume`.
        supervise: Restart a server that dies, with backoff (:mod:`.supervision`), from the
            end of :meth:`start` to :meth:`stop`.
        database: ``host:port`` of a running Tango database (a site's MariaDB ``DataBaseds``)
            to load the configuration into and serve from, instead of starting the embedded
            one; it is neither started nor stopped here.
    """

    def __init__(
        self,
        config_dir: Path,
        run_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        env: dict[str, str] | None = None,
        startup_timeout_s: float = 60.0,
        sim_start: datetime | None = None,
        time_scale: float = 1.0,
        supervise: bool = False,
        database: str | None = None,
    ) -> None:
        self.config_dir = Path(config_dir)
        self.run_dir = Path(run_dir)
        self.host = host
        self.port = port
        self.external_database = database is not None
        if database is not None:
            self.host, _, text = database.rpartition(":")
            if not self.host or not text.isdigit():
                raise ValueError(f"database: {database!r} is not host:port")
            self.port = int(text)
        self.extra_env = dict(env or {})
        self.startup_timeout_s = startup_timeout_s
        self.sim_start = sim_start
        self.time_scale = time_scale
        self.servers: list[ServerSpec] = load_servers(self.config_dir)
        self.database: Child | None = None
        self.children: dict[str, Child] = {}
        self.keeper: ClockKeeper | None = None
        self._held = False
        self._supervise = supervise
        self.supervisor: Supervisor | None = None
        self._starting = threading.Lock()  # one start of a server at a time

    @property
    def virtual(self) -> bool:
        """Whether the system runs on virtual time."""
        return self.sim_start is not None and self.time_scale == VIRTUAL

    def resume(self) -> None:
        """Let virtual time run (it is held from :meth:`start`); nothing on other clocks."""
        if self._held:
            self._held = False
            self.clock().release()

    def end_time_at(self, until: datetime) -> None:
        """Virtual time never passes ``until`` (the night's end); nothing on other clocks.

        What the launcher reads and stops after the night then happens at the night's last
        instant: no server acts after the end the report is written for.
        """
        if self.keeper is not None:
            self.keeper.until = until.timestamp()

    def instants(self) -> tuple[int, dict[str, int]]:
        """Virtual time so far: the instants it moved to, and who asked for each.

        A process is named by its server key (``"launcher"`` for this one); an instant asked
        for by several counts for each. ``(0, {})`` on other clocks.
        """
        if self.keeper is None:
            return 0, {}
        names = {c.pid: key for key, c in self.children.items()} | {os.getpid(): "launcher"}
        asked = {names.get(pid, str(pid)): n for pid, n in self.keeper.asked_by.items()}
        return self.keeper.advances, asked

    def held_s(self) -> dict[str, float]:
        """Virtual time so far: per process, the real seconds time stood still for it.

        Named as in :meth:`instants`; empty on other clocks.
        """
        if self.keeper is None:
            return {}
        names = {c.pid: key for key, c in self.children.items()} | {os.getpid(): "launcher"}
        return {names.get(pid, str(pid)): s for pid, s in self.keeper.held_by.items()}

    @property
    def tango_host(self) -> str:
        """``host:port`` of the Tango database."""
        return f"{self.host}:{self.port}"

    @property
    def devices(self) -> list[str]:
        """Every device the configuration declares."""
        return [d for spec in self.servers for d in spec.devices]

    @property
    def store_url(self) -> str:
        """The store every server shares: ``$ASTROTANGO_STORE_URL`` or SQLite in the run dir."""
        return self.extra_env.get("ASTROTANGO_STORE_URL") or os.environ.get(
            "ASTROTANGO_STORE_URL", f"sqlite:///{self._own_store}"
        )

    @property
    def _own_store(self) -> Path:
        """The SQLite store in the run dir (used unless ASTROTANGO_STORE_URL names another)."""
        return self.run_dir / "astrotango.db"

    def env(self) -> dict[str, str]:
        """The environment every child (and client) needs: TANGO_HOST, the store, data, extras.

        Data products go to ``$ASTROTANGO_DATA_DIR`` when set, else ``<run dir>/data``.
        """
        data = os.environ.get(DATA_DIR_ENV) or str(self.run_dir / "data")
        return {
            DATA_DIR_ENV: data,
            **os.environ,
            **self.extra_env,
            "TANGO_HOST": self.tango_host,
            "ASTROTANGO_STORE_URL": self.store_url,
        }

    def __enter__(self) -> System:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the database, load the configuration, start and wait for every server.

        Raises:
            LaunchError: naming the part that failed, with the end of its log.
        """
        hardware = real_hardware(self.config_dir) if self.sim_start is not None else []
        if hardware:
            raise LaunchError(
                f"{', '.join(hardware)} drive real hardware, which moves in real time: start "
                "this configuration in real time (no --start, --scenario or simulated night)"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.sim_start is not None:
            self._set_aside_last_night()
        if self.virtual:
            assert self.sim_start is not None
            path = self.run_dir / "clock" / "clock.bin"
            self.keeper = ClockKeeper(path, self.sim_start).start()
            self.extra_env[SHARED_CLOCK_ENV] = virtual_clock_spec(path)
            self.clock().acquire()  # held until resume(): start-up is no part of the night
            self._held = True
        elif self.sim_start is not None:
            self.extra_env[SHARED_CLOCK_ENV] = shared_clock_spec(
                self.sim_start, self.time_scale, time.time()
            )
        try:
            if not self.external_database:
                self._start_database()
            self._load_configuration()
            for spec in self.servers:
                self.start_server(spec.key, wait=False)
            self.wait_for_devices(self.devices)
        except BaseException:
            self.stop()
            raise
        self._write_state()
        if self._supervise:
            self.supervisor = Supervisor(self).start()
            if self.keeper is not None:
                self.keeper.on_death = self.supervisor.died

    def _set_aside_last_night(self) -> None:
        """A simulated night starts on an empty store: the run dir's last one moves aside.

        Its observations were submitted on another timeline (the same sample night replayed
        gives the same ids) and would be planned again; they, its report and its data move
        to ``<run dir>/previous/`` (one night kept). A store named by
        ``ASTROTANGO_STORE_URL`` is the operator's and is never touched.
        """
        if self.store_url != f"sqlite:///{self._own_store}" or not self._own_store.exists():
            return
        names = ("astrotango.db", "astrotango.db-wal", "astrotango.db-shm", "report", "data")
        previous = self.run_dir / "previous"
        shutil.rmtree(previous, ignore_errors=True)
        previous.mkdir()
        for name in names:
            if (self.run_dir / name).exists():
                (self.run_dir / name).rename(previous / name)

    def _start_database(self) -> None:
        """Start the SQLite Tango database; on a free port, retried if that port was taken.

        Raises:
            LaunchError: when it does not start, with the end of its log.
        """
        for _ in range(1 if self.port else 3):
            if self._try_database(self.port or _free_port(self.host)):
                return
        assert self.database is not None
        raise LaunchError(f"the Tango database did not start:\n{self.database.log_tail()}")

    def _try_database(self, port: int) -> bool:
        """Start the database on ``port``; True once it accepts requests, False if it exited.

        Its own TANGO_HOST names itself: the database is a Tango client too (it tells the
        host's Starter, ``tango/admin/<host>``, about every server that exports), and without
        TANGO_HOST it would look that Starter up in whatever database a Tango host file
        (``$HOME/.tangorc``, ``/etc/tangorc``) names, and refuse every export when another
        database answers. The port is therefore chosen before it starts.

        Raises:
            LaunchError: when it neither accepts requests nor exits within the start-up timeout.
        """
        log = self.run_dir / "logs" / "databaseds.log"
        log.unlink(missing_ok=True)
        argv = [
            sys.executable,
            "-m",
            "tango.databaseds.database",
            "--host",
            self.host,
            "--port",
            str(port),
            "--print-host-port",
            "2",
        ]
        env = {
            **os.environ,
            "PYTANGO_DATABASE_NAME": str(self.run_dir / "tango_database.db"),
            "TANGO_HOST": f"{self.host}:{port}",
        }
        self.database = Child("databaseds", argv, log, env)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            match = _PORT_LINE.search(text)
            if match and "Ready to accept request" in text:
                self.port = int(match["port"])
                return True
            if not self.database.alive():
                return False
            time.sleep(0.05)
        raise LaunchError(f"the Tango database did not start:\n{self.database.log_tail()}")

    def _load_configuration(self) -> None:
        json2tango = shutil.which("json2tango", path=str(Path(sys.executable).parent))
        argv = [json2tango] if json2tango else [sys.executable, "-m", "dsconfig.json2tango"]
        for path in config_files(self.config_dir):
            done = subprocess.run(
                [*argv, "-w", "-a", "-u", str(path)],
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            if done.returncode not in (0, 2):  # 2 = applied, 0 = nothing to do
                raise LaunchError(f"json2tango {path.name} failed:\n{done.stdout}{done.stderr}")

    def start_server(self, key: str, *, wait: bool = True) -> None:
        """Start (or restart) the server ``Name/instance`` and, with ``wait``, its devices.

        One already running (the supervisor restarted it first) is not started twice: its
        devices are waited for.
        """
        spec = next((s for s in self.servers if s.key == key), None)
        if spec is None:
            raise LaunchError(f"no server {key} in {self.config_dir}")
        argv = [sys.executable, "-m", "astrotango.devices.servers", spec.name, spec.instance]
        log = self.run_dir / "logs" / f"{spec.name}-{spec.instance}.log"
        with self.clock().hold():  # a restart mid-night: its start-up costs no simulated time
            with self._starting:
                child = self.children.get(key)
                if child is None or not child.alive():
                    child = Child(key, argv, log, {**self.env(), "PYTHONUNBUFFERED": "1"})
                    self.children[key] = child
            if wait:
                self.wait_for_devices(spec.devices, servers=[child])

    def wait_for_devices(self, devices: Sequence[str], servers: Sequence[Child] = ()) -> None:
        """Block until every device answers a ping and a state read, its admin mode in force.

        A ping is answered by the server's ORB; the state read goes through the device's own
        serialisation, so a device still busy starting (its admin mode, its subscriptions)
        is waited for rather than handed to clients. A device whose remembered admin mode is
        ONLINE or ENGINEERING starts talking to its component once its server serves: until
        then it is DISABLE, and waited for too.

        Args:
            devices: The devices.
            servers: The servers serving them (default: every server of the system).

        Raises:
            LaunchError: when one does not within the start-up timeout, or its server died.
        """
        deadline = time.monotonic() + self.startup_timeout_s
        pending = list(devices)
        while pending:
            device = pending[0]
            try:
                proxy = self.proxy(device)
                proxy.ping()
                if not _starting(proxy):
                    pending.pop(0)
                    continue
            except tango.DevFailed:
                pass
            dead = [c for c in servers or self.children.values() if not c.alive()]
            if dead:
                raise LaunchError(f"server {dead[0].name} exited:\n{dead[0].log_tail()}")
            if time.monotonic() > deadline:
                raise LaunchError(
                    f"device {device} did not answer within {self.startup_timeout_s:.0f} s"
                )
            time.sleep(0.1)

    def clock(self) -> Clock:
        """The system's clock, as its servers see it."""
        spec = self.extra_env.get(SHARED_CLOCK_ENV)
        return make_clock() if spec is None else shared_clock(spec)

    def proxy(self, device: str) -> tango.DeviceProxy:
        """A client of ``device`` in this system.

        The name is fully qualified with this system's database: a process that has talked to
        another Tango database keeps that one as its default, whatever TANGO_HOST says later.
        """
        return tango.DeviceProxy(f"tango://{self.tango_host}/{device}")

    def stop(self) -> None:
        """Stop every server, then the database and the clock keeper; remove the state file."""
        if self.supervisor is not None:
            if self.keeper is not None:
                self.keeper.on_death = None
            self.supervisor.stop()  # nothing is restarted while the system stops
            self.supervisor = None
        self.resume()  # servers stopping may wait on the clock
        for child in sorted(self.children.values(), key=_stop_rank):
            child.stop()
        if self.database is not None:
            self.database.stop()
        if self.keeper is not None:
            self.keeper.stop()
            self.keeper = None
            close = getattr(self.clock(), "close", None)
            if close is not None:
                close()
        (self.run_dir / STATE_FILE).unlink(missing_ok=True)

    def _write_state(self) -> None:
        state = {
            "launcher_pid": os.getpid(),
            "tango_host": self.tango_host,
            "pids": [c.pid for c in [self.database, *self.children.values()] if c is not None],
            "devices": self.devices,
        }
        (self.run_dir / STATE_FILE).write_text(json.dumps(state, indent=2))


#: Servers stop from the top of the control hierarchy down. An orchestrator stopped after the
#: devices it commands takes their going for failures (a task failed in its slew, telescopes
#: lost, observations suspended) and writes them into the night's store after the night.
_STOP_ORDER = ("AstroController", "AstroScheduler", "AstroInterlocks", "AstroTelescope")


def _stop_rank(child: Child) -> int:
    """Where ``child`` (named ``Server/instance``) stops in :data:`_STOP_ORDER`; others last."""
    server = child.name.split("/")[0]
    return _STOP_ORDER.index(server) if server in _STOP_ORDER else len(_STOP_ORDER)


def _starting(proxy: tango.DeviceProxy) -> bool:
    """Whether a device is DISABLE while its admin mode says it talks to its component."""
    if proxy.state() != tango.DevState.DISABLE:
        return False
    if "adminMode" not in proxy.get_attribute_list():
        return False
    return AdminMode(int(proxy.read_attribute("adminMode").value)) in (
        AdminMode.ONLINE,
        AdminMode.ENGINEERING,
    )
