"""The same night twice, once beside two CPU-burning processes: the same night (issue 12).

On virtual time a busy machine costs wall time, never simulated time, so every observation
ends in the same status, the same tasks run on the same telescopes, each run starts within
the same simulated minute, and nothing is written into the store after the night.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from astrotango.client.scenario import load_scenario
from astrotango.samples import night_scenario

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HOURS = "2.5"


@contextmanager
def cpu_burners(count: int) -> Iterator[None]:
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def night(run_dir: Path) -> dict[str, object]:
    """The night as the store keeps it: statuses, and each task's runs (telescope, start)."""
    job = subprocess.run(
        [
            sys.executable, "-m", "astrotango", "run",
            "--config", str(ROOT / "tango-db"),
            "--run-dir", str(run_dir),
            "--hours", HOURS,
            "--speed", "virtual",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    assert job.returncode == 0, job.stdout + job.stderr
    start = load_scenario(night_scenario()).start
    end = start + timedelta(hours=float(HOURS))
    with sqlite3.connect(run_dir / "astrotango.db") as store:
        [(last,)] = store.execute("SELECT max(at) FROM transitions")
        assert datetime.fromisoformat(last) <= end, "nothing is written after the night"
        names = dict(store.execute("SELECT id, name FROM observations"))
        statuses = {names[o]: s for o, s in store.execute("SELECT id, status FROM observations")}
        runs: dict[str, list[tuple[str, datetime]]] = {}
        for task, reason, at in store.execute(
            "SELECT entity_id, reason, at FROM transitions"
            " WHERE entity_kind = 'task' AND to_status = 'running' ORDER BY rowid"
        ):
            telescope = reason.split("@")[1].split(" ")[0]  # "claimed by controller@T (token n)"
            observation = next(o for o in names if task.startswith(o))
            key = names[observation] + task[len(observation) :]
            runs.setdefault(key, []).append((telescope, datetime.fromisoformat(at)))
    return {"statuses": statuses, "runs": runs, "output": job.stdout}


@pytest.mark.xfail(
    strict=False,
    reason="issue 12 open: passes in some runs, not all. Fixed: servers acted after the night's"
    " end while stopping (time is now held at the end). Still seen: a re-plan a task's end"
    " triggers lost in one night and not the other; and once, with a second test suite running"
    " beside the two CPU burners, the loaded night left every observation pending",
)
def test_a_loaded_machine_runs_the_same_night(tmp_path: Path) -> None:
    quiet = night(tmp_path / "quiet")
    with cpu_burners(2):
        loaded = night(tmp_path / "loaded")
    assert loaded["statuses"] == quiet["statuses"]
    quiet_runs, loaded_runs = quiet["runs"], loaded["runs"]
    assert isinstance(quiet_runs, dict) and isinstance(loaded_runs, dict)
    assert quiet_runs, "tasks ran"
    assert sorted(loaded_runs) == sorted(quiet_runs), "the same tasks ran"
    for task, runs in quiet_runs.items():
        other = loaded_runs[task]
        assert [t for t, _ in other] == [t for t, _ in runs], f"{task}: other telescopes"
        for (_, a), (_, b) in zip(runs, other, strict=True):
            assert abs((a - b).total_seconds()) <= 60, f"{task}: started {a} and {b}"
