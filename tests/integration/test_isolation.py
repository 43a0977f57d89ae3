"""One system's launcher never touches another Tango database, nor writes outside its run dir.

A decoy Tango database is started the way the launcher starts its embedded one; TANGO_HOST and
the Tango host files name it (``~/.tangorc`` of the passwd home, which cppTango reads whatever
$HOME says, and ``/etc/tangorc``; shown in a private mount namespace). ``astrotango run`` and
``up`` must leave it untouched: not one request reaches it (it logs every one it serves), no
device of ours is exported to it or defined in its file, and the system's state is under its
run directory only.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import tango

from astrotango.client.scenario import load_scenario
from astrotango.launcher import STATE_FILE, pid_alive
from astrotango.samples import night_scenario

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
_READY = re.compile(r"host=(?P<host>[^,\s]+),\s*port=(?P<port>\d+)")


@dataclass
class Decoy:
    """Someone else's Tango database, with a Starter registered for this host."""

    tango_host: str
    db_file: Path
    log: Path

    def requests(self) -> list[str]:
        """Every request the database has served so far (its log at INFO level)."""
        return [line for line in self.log.read_text().splitlines() if "Entering '" in line]

    def database(self) -> tango.Database:
        host, port = self.tango_host.split(":")
        return tango.Database(host, int(port))

    def astro_rows(self) -> list[str]:
        with sqlite3.connect(self.db_file) as db:
            return [r[0] for r in db.execute("SELECT name FROM device WHERE name LIKE 'astro/%'")]


@pytest.fixture
def decoy(tmp_path: Path) -> Iterator[Decoy]:
    folder = tmp_path / "decoy"
    folder.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = folder / "databaseds.log"
    env = {
        **os.environ,
        "PYTANGO_DATABASE_NAME": str(folder / "tango_database.db"),
        "TANGO_HOST": f"127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "tango.databaseds.database", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*argv, "--port", str(port), "--print-host-port", "--logging_level", "1", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while "Ready to accept request" not in log.read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        found = _READY.search(log.read_text())
        assert found is not None
        running = Decoy(f"127.0.0.1:{found['port']}", folder / "tango_database.db", log)
        # The trap of a real site: a Starter for this host, which the SQLite database server
        # notifies of every export it serves.
        starter = tango.DbDevInfo()
        starter.name = f"tango/admin/{socket.gethostname().split('.')[0]}"
        starter._class = "Starter"
        starter.server = "Starter/decoy"
        running.database().add_device(starter)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Scene:
    """Where the command runs: its environment, an empty cwd, a fresh temporary folder."""

    env: dict[str, str]
    cwd: Path
    tmpdir: Path
    home: Path
    prefix: list[str]

    def argv(self, *args: str) -> list[str]:
        return [*self.prefix, sys.executable, "-m", "astrotango", *args]


def _host_files() -> list[Path]:
    """The Tango host files cppTango reads without TANGO_HOST: the passwd home's, then /etc's."""
    return [Path(pwd.getpwuid(os.getuid()).pw_dir) / ".tangorc", Path("/etc/tangorc")]


def _host_files_prefix(tangorc: Path, scratch: Path) -> list[str]:
    """A command prefix that shows ``tangorc`` as every Tango host file, to the command only.

    A private mount namespace: a file that exists is bind-mounted over; a missing one appears
    through an overlay of its folder (writes there go to a scratch folder).
    """
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("showing a Tango host file needs unshare(1) and root (a mount namespace)")
    mounts = []
    for number, target in enumerate(_host_files()):
        if target.exists():
            mounts.append(f"mount --bind {shlex.quote(str(tangorc))} {shlex.quote(str(target))}")
            continue
        upper, work = scratch / f"upper{number}", scratch / f"work{number}"
        upper.mkdir()
        shutil.copy(tangorc, upper / target.name)
        options = f"lowerdir={target.parent},upperdir={upper},workdir={work}"
        mounts.append(
            f"rm -rf {work} && mkdir {work} && "  # the overlay wants an empty work folder
            f"mount -t overlay overlay -o {shlex.quote(options)} {shlex.quote(str(target.parent))}"
        )
    script = " && ".join([*mounts, 'exec "$@"'])
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
    probe = subprocess.run(
        [*prefix, "cat", *map(str, _host_files())], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0 or probe.stdout != tangorc.read_text() * len(_host_files()):
        pytest.skip(f"cannot show a Tango host file here: {probe.stderr.strip()}")
    return prefix


def _scene(tmp_path: Path, decoy: Decoy, *, tango_host: bool) -> Scene:
    """TANGO_HOST (if ``tango_host``) and every Tango host file name the decoy."""
    tangorc = tmp_path / "tangorc"
    tangorc.write_text(f"TANGO_HOST={decoy.tango_host}\n")
    home, cwd, tmpdir = tmp_path / "home", tmp_path / "cwd", tmp_path / "tmp"
    for folder in (home, cwd, tmpdir):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TANGO_", "ASTROTANGO_"))}
    env.pop("XDG_STATE_HOME", None)
    env |= {"HOME": str(home), "TMPDIR": str(tmpdir), "COLUMNS": "200"}
    if tango_host:
        env["TANGO_HOST"] = decoy.tango_host
    return Scene(env, cwd, tmpdir, home, _host_files_prefix(tangorc, tmp_path))


def _assert_untouched(decoy: Decoy, served_before: int) -> None:
    assert decoy.requests()[served_before:] == [], "requests reached the decoy database"
    exported = decoy.database().get_device_exported("*").value_string
    assert sorted(d.lower() for d in exported) == ["dserver/databaseds/2", "sys/database/2"]
    assert decoy.astro_rows() == []


def _assert_nothing_outside(scene: Scene) -> None:
    assert list(scene.cwd.iterdir()) == [], "nothing written in the working directory"
    assert [p.name for p in scene.tmpdir.rglob("astrotango*")] == [], "nothing in the temp dir"
    assert [p for p in scene.home.rglob("*.db")] == [], "no store in the home directory"


def test_run_drives_only_its_own_system(tmp_path: Path, decoy: Decoy) -> None:
    """TANGO_HOST and both host files name the decoy; the night runs on its own database."""
    scene = _scene(tmp_path, decoy, tango_host=True)
    run_dir = tmp_path / "run"
    before = len(decoy.requests())
    job = subprocess.run(
        scene.argv(
            "run",
            "--config", str(ROOT / "tango-db"),
            "--run-dir", str(run_dir),
            "--hours", "2",
            "--speed", "virtual",
        ),
        env=scene.env,
        cwd=scene.cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )  # fmt: skip
    assert job.returncode == 0, job.stdout + job.stderr
    night = load_scenario(night_scenario())
    night = night.until(night.start + timedelta(hours=2))
    at_start = [s for s in night.submissions if s.at <= night.start]
    assert f"Submitted {len(at_start)} observations" in job.stdout
    with sqlite3.connect(run_dir / "astrotango.db") as store:
        [(observations,)] = store.execute("SELECT count(*) FROM observations")
        [(snapshots,)] = store.execute("SELECT count(*) FROM constraint_snapshots")
    assert observations == len(night.submissions), "each submission due in the 2 h, once"
    assert snapshots > 0, "the constraints keep their snapshots in the system's store"
    _assert_untouched(decoy, before)
    _assert_nothing_outside(scene)


def test_up_ignores_a_tango_host_file_and_serves_its_clients(tmp_path: Path, decoy: Decoy) -> None:
    """TANGO_HOST unset, the Tango host files name the decoy: `up` runs on its own database."""
    scene = _scene(tmp_path, decoy, tango_host=False)
    run_dir = tmp_path / "run"
    before = len(decoy.requests())
    up = subprocess.Popen(
        scene.argv("up", "--config", str(ROOT / "tango-db"), "--run-dir", str(run_dir)),
        env=scene.env,
        cwd=scene.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not (run_dir / STATE_FILE).exists():
            assert up.poll() is None, up.stdout.read() if up.stdout else ""
            assert time.monotonic() < deadline, "astrotango up did not come up"
            time.sleep(0.1)
        state = json.loads((run_dir / STATE_FILE).read_text())
        # a stand-alone client, pointed at the system by TANGO_HOST as before
        client = subprocess.run(
            scene.argv("status"),
            env={**scene.env, "TANGO_HOST": state["tango_host"]},
            cwd=scene.cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert client.returncode == 0 and "pending=0" in client.stdout, client.stderr
        down = subprocess.run(
            scene.argv("down", "--run-dir", str(run_dir)),
            env=scene.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert down.returncode == 0, down.stdout + down.stderr
        assert up.wait(timeout=30) == 0
    finally:
        if up.poll() is None:
            up.kill()
    assert not any(pid_alive(pid) for pid in state["pids"])
    _assert_untouched(decoy, before)
    _assert_nothing_outside(scene)
