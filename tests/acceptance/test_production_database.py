"""The observatory on the production Tango database: MariaDB with Debian's DataBaseds.

Every test elsewhere serves from pytango's embedded SQLite database; sites run this one. The
configuration is loaded with json2tango as a site would (a second load changes nothing), and
the night runs on it: an observation goes from submission to completion, every telescope
kept safe.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tango
from conftest import NIGHT_START, ROOT, observatory, safety_verdicts
from production_database import missing, production_database
from sched_rig import single_target

from astrotango.client.safety_oracle import all_ok, safety_text
from astrotango.launcher.config import config_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing()), reason=missing() or "runs"),
]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with production_database(tmp_path / "db-logs") as address:
        yield address


def test_a_night_on_the_production_database(tmp_path: Path, database: str) -> None:
    with observatory(tmp_path / "run", NIGHT_START, database=database) as (night, recorder):
        db = tango.DeviceProxy(f"tango://{database}/sys/database/2")
        servers = set(db.DbGetServerList("Astro*"))
        assert {s.key for s in night.system.servers} <= servers, "registered"
        rows = subprocess.run(
            ["mysql", "-N", "-e", "SELECT name FROM tango.device WHERE server LIKE 'Astro%'"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert set(night.system.devices) <= set(rows), "in MariaDB's own tables"
        document = single_target("capella", 79.17, 45.99)
        document["requests"][0]["exposures"] = [{"filter": "r", "exposure_s": 30, "count": 2}]
        observation = night.submit(document)
        night.wait_until("completion", lambda: night.status(observation) == "completed")
        verdicts = safety_verdicts(recorder, night.system)
        assert all_ok(verdicts), safety_text(verdicts)
    json2tango = shutil.which("json2tango", path=str(Path(sys.executable).parent))
    for path in config_files(ROOT / "tango-db"):  # as a site reloads it: nothing changes
        done = subprocess.run(
            [json2tango or "json2tango", "-w", "-a", "-u", str(path)],
            env={"TANGO_HOST": database, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{path.name}: {done.stdout}{done.stderr}"
