"""The servers under Debian's Starter: started, reported running, stopped and restarted by it.

Starter runs a server by executing the program named exactly after it (``AstroReference 1``)
from its ``StartDsPath``; the console scripts in the venv's ``bin`` are those programs. A
``python -m`` wrapper answers clients but Starter reports it FAULT, so the check that matters is
Starter's own view agreeing with the device's.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from collections.abc import Iterator
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import tango
from starter_rig import STARTER, StarterRig, process_env, wait_for

from astrotango.devices.servers import SERVERS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: A host-unique instance name: Starter confuses same-named servers of other systems with ours.
INSTANCE = f"starter{os.getpid()}"
#: The default observatory's configuration: every server Starter runs here.
CONFIG = ("astrotango.json", "safety.json", "scheduler.json", "controller.json", "telescopes.json")


def test_every_server_has_a_console_script_named_after_it() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    installed = {e.name: e.value for e in entry_points(group="console_scripts")}
    for name in SERVERS:
        assert declared.get(name, "").startswith("astrotango.devices.servers:"), name
        assert installed.get(name) == declared[name], f"{name}: reinstall (make install)"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[StarterRig]:
    if not STARTER.exists():
        pytest.skip(f"{STARTER} is not installed (apt-get install tango-starter)")
    missing = [name for name in SERVERS if not (BIN / name).exists()]
    assert not missing, f"console scripts {missing} are not in {BIN}: run make install"
    env = {
        "ASTROTANGO_STORE_URL": f"sqlite:///{tmp_path / 'astrotango.db'}",
        "ASTROTANGO_DATA_DIR": str(tmp_path / "data"),
    }
    rig = StarterRig(tmp_path, BIN, env)
    try:
        rig.start_database()
        for name in CONFIG:  # every server of the default observatory, one instance a load
            document = json.loads((ROOT / "tango-db" / name).read_text())
            for server, instances in document["servers"].items():
                for instance, classes in instances.items():
                    one = {**document, "servers": {server: {instance: classes}}}
                    rig.load(f"{server}-{instance}", one, f"{instance}-{INSTANCE}")
        yield rig
    finally:
        rig.close()


def _answers(rig: StarterRig, device: str) -> bool:
    try:
        proxy = rig.proxy(device)
        proxy.ping()
        return bool(proxy.state() != tango.DevState.UNKNOWN)
    except tango.DevFailed:
        return False


def _running(rig: StarterRig, key: str) -> bool:
    """Starter reports ``key`` running, and each of its devices answers."""
    spec = next(s for s in rig.servers if s.key == key)
    running = rig.proxy(rig.starter_device).read_attribute("RunningServers").value or ()
    return (
        rig.server_states().get(key) == "ON"
        and key in running
        and all(_answers(rig, d) for d in spec.devices)
    )


def _stopped(rig: StarterRig, key: str, pid: int) -> bool:
    """Starter reports ``key`` stopped, its process is gone and its devices do not answer.

    Stopping, Starter lists the server in StoppedServers at once, its state MOVING; FAULT
    once it is gone (FAULT is how Starter shows any server that is not running).
    """
    spec = next(s for s in rig.servers if s.key == key)
    stopped = rig.proxy(rig.starter_device).read_attribute("StoppedServers").value or ()
    return (
        rig.server_states().get(key) == "FAULT"
        and key in stopped
        and not rig.ours(pid)
        and not any(_answers(rig, d) for d in spec.devices)
    )


def _seen(rig: StarterRig) -> str:
    return f"Starter reports {rig.server_states()}"


@pytest.mark.slow
def test_starter_starts_stops_and_restarts_the_servers(rig: StarterRig) -> None:
    """Every server of the default observatory (10 processes, every console script)."""
    keys = [spec.key for spec in rig.servers]
    assert {k.split("/")[0] for k in keys} == set(SERVERS), "every server kind"
    starter = rig.start_starter()
    assert rig.server_states() == {}  # a server never run on this host is not listed yet

    for key in keys:
        starter.DevStart(key)
    for key in keys:
        wait_for(partial(_running, rig, key), 60, lambda: _seen(rig))
    first = {key: rig.server_pid(key) for key in keys}
    for key, pid in first.items():
        name, instance = key.split("/")
        env = process_env(pid)
        # Starter hands its own environment on: TANGO_HOST names this database, not a host file's.
        assert env.get("TANGO_HOST") == rig.tango_host, key
        assert env.get("ASTROTANGO_STORE_URL") == rig.env["ASTROTANGO_STORE_URL"], key
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert str(BIN / name).encode() in cmdline and instance.encode() in cmdline, cmdline
    assert sorted(starter.read_attribute("RunningServers").value) == sorted(keys)

    for key in keys:
        starter.DevStop(key)
    for key in keys:
        wait_for(partial(_stopped, rig, key, first[key]), 30, lambda: _seen(rig))

    # Restart (Starter 9.3 has no DevRestart: stop, then start): a new process serves again.
    starter.DevStart(keys[0])
    wait_for(partial(_running, rig, keys[0]), 60, lambda: _seen(rig))
    assert rig.server_pid(keys[0]) not in (0, first[keys[0]])
    proxy = rig.proxy("astro/reference/1")
    assert proxy.state() == tango.DevState.ON
    assert rig.server_states()[keys[1]] == "FAULT"
