"""A fired interlock survives the SIGKILL of its server: fired, same reason, storm re-run.

The system here is the Tango database and the AstroInterlocks server of ``tango-db/`` alone
(its telescopes are absent, so the interlock cannot make them safe and says so), over the
SQLite store in the run directory that the launcher hands to every server.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import tango

from astrotango.control_model import ResultCode
from astrotango.launcher import System

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SERVER = "AstroInterlocks/1"
GUSTS = "astro/interlock/gusts_r1"


def interlocks_only(folder: Path) -> Path:
    safety = json.loads((ROOT / "tango-db" / "safety.json").read_text())
    folder.mkdir()
    servers = {"AstroInterlocks": safety["servers"]["AstroInterlocks"]}
    (folder / "safety.json").write_text(json.dumps({"servers": servers}))
    return folder


def eventually(what: str, predicate, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.1)


def test_a_killed_interlock_server_comes_back_fired_with_its_reason(tmp_path: Path) -> None:
    with System(interlocks_only(tmp_path / "config"), tmp_path / "run") as system:
        gusts = system.proxy(GUSTS)
        assert not gusts.fired
        [code], [_] = gusts.Fire("gust 25 m/s at r1")
        assert code == ResultCode.QUEUED
        assert gusts.fired and gusts.reason == "manual: gust 25 m/s at r1"
        fired_at = gusts.firedAt
        assert fired_at
        system.children[SERVER].kill()  # SIGKILL: nobody reset it, nothing was flushed
        with pytest.raises(tango.DevFailed):
            gusts.ping()
        system.start_server(SERVER)
        again = system.proxy(GUSTS)
        assert again.fired, "the fired latch came back from the store"
        assert again.reason == "manual: gust 25 m/s at r1" and again.firedAt == fired_at
        # fired, it ran the storm again on start: r1 does not exist here, so it is not safe
        eventually(
            "r1 named unsafe", lambda: list(again.unsafeTelescopes or ()) == ["astro/telescope/r1"]
        )
        assert again.state() == tango.DevState.FAULT and "astro/telescope/r1" in again.status()
        assert json.loads(again.lastShutdown)["fired_at"] == fired_at
        with pytest.raises(tango.DevFailed, match="trigger has not cleared"):
            again.Reset()  # its fail-safe sensor trigger has not read clear since the restart
        assert again.fired
        assert not system.proxy("astro/interlock/rain").fired, "only the fired one is latched"
