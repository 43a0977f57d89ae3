"""The production Tango database for tests: Debian's MariaDB ``DataBaseds`` (package ``tango-db``).

:func:`production_database` makes sure MariaDB runs (it starts ``mariadbd`` when nothing
answers, and stops what it started), starts ``DataBaseds`` as the ``tango`` user on a free
loopback port, and yields its ``host:port``. ``.ci/run`` installs the packages (debconf
preseeded: the ``tango`` schema over the Unix socket); the database is the machine's, so
what a test registers in it stays there unless the test removes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import tango

__all__ = ["DATABASEDS", "missing", "production_database"]

DATABASEDS = Path("/usr/lib/tango/DataBaseds")
_MARIADBD = "mariadbd"


def missing() -> str:
    """Why the production database cannot run here ('' when it can)."""
    if not DATABASEDS.exists():
        return "Debian's tango-db is not installed (.ci/run installs it)"
    if shutil.which(_MARIADBD, path="/usr/sbin:/usr/bin") is None:
        return "mariadb-server is not installed (.ci/run installs it)"
    if os.geteuid() != 0:
        return "starting DataBaseds as the tango user needs root"
    return ""


def _mariadb_answers() -> bool:
    done = subprocess.run(["mysqladmin", "ping"], capture_output=True, check=False, timeout=10)
    return done.returncode == 0


def _wait(what: str, predicate: object, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def production_database(logs: Path) -> Iterator[str]:
    """MariaDB and ``DataBaseds`` running; yields the database's ``host:port``."""
    logs.mkdir(parents=True, exist_ok=True)
    started: list[subprocess.Popen[bytes]] = []
    try:
        if not _mariadb_answers():
            Path("/run/mysqld").mkdir(exist_ok=True)
            shutil.chown("/run/mysqld", "mysql", "mysql")
            log = logs / "mariadbd.log"
            with log.open("ab") as out:
                started.append(
                    subprocess.Popen(
                        [_MARIADBD, "--user=mysql", "--bind-address=127.0.0.1"],
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            _wait("mariadbd", _mariadb_answers, 60, log)
        port = _free_port()
        address = f"127.0.0.1:{port}"
        log = logs / "DataBaseds.log"
        with log.open("ab") as out:
            started.append(
                subprocess.Popen(
                    [
                        "runuser",
                        "-u",
                        "tango",
                        "--",
                        "env",
                        "HOME=/var/lib/tango",
                        f"TANGO_HOST={address}",
                        str(DATABASEDS),
                        "2",
                        "-ORBendPoint",
                        f"giop:tcp:127.0.0.1:{port}",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )

        def answers() -> bool:
            try:
                tango.DeviceProxy(f"tango://{address}/sys/database/2").ping()
            except tango.DevFailed:
                return False
            return True

        _wait("DataBaseds", answers, 60, log)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
