"""The CLI's client commands against a running system, from separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from astrotango.launcher import System

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with System(ROOT / "tango-db", tmp_path_factory.mktemp("cli")) as running:
        yield running


def cli(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "astrotango", *args],
        env={**os.environ, "TANGO_HOST": system.tango_host, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_submit_status_tasks_explain_abort_and_watch(system: System) -> None:
    submitted = cli(system, "submit", str(ROOT / "examples" / "observations" / "m31_mosaic.json"))
    assert submitted.returncode == 0, submitted.stderr
    observation_id = submitted.stdout.strip()
    assert observation_id.startswith("obs-")
    status = cli(system, "status", observation_id)
    assert status.returncode == 0 and "pending" in status.stdout
    overview = cli(system, "status")
    assert "pending=" in overview.stdout and observation_id in overview.stdout
    tasks = cli(system, "tasks", observation_id)
    assert tasks.returncode == 0 and tasks.stdout.count(observation_id) >= 2
    explained = cli(system, "explain", observation_id)
    assert explained.returncode == 0 and explained.stdout.count(observation_id) >= 2
    assert cli(system, "abort", observation_id).returncode == 0
    assert "aborted" in cli(system, "status", observation_id).stdout
    frame = cli(system, "watch", "--once")
    assert frame.returncode == 0 and "astro/telescope/t1" in frame.stdout
    assert "completed" in frame.stdout


def test_errors_are_clear_and_exit_non_zero(system: System, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    document = json.loads((ROOT / "examples" / "observations" / "m31_mosaic.json").read_text())
    document["requests"][0]["target"]["dec_deg"] = 95
    bad.write_text(json.dumps(document))
    refused = cli(system, "submit", str(bad))
    assert refused.returncode == 1
    assert "AstroTango_ValidationError" in refused.stderr and "dec_deg" in refused.stderr
    missing = cli(system, "status", "obs-none")
    assert missing.returncode == 1 and "obs-none" in missing.stderr
