"""The benchmark format: sample-n25 planned with zero violations by the independent checker."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from astrotango.scheduling import parse_workload, plan_workload

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = Path("/work/shared/bench/sample-n25-t1.json")


def _checker():
    spec = importlib.util.spec_from_file_location("sched_check", ROOT / "bench/scheduler/check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def document() -> dict:
    if not SAMPLE.exists():
        pytest.skip("shared sample workload not available")
    return json.loads(SAMPLE.read_text())


def test_parse(document: dict) -> None:
    w = parse_workload(document)
    assert len(w.tasks) == 25 and [t.id for t in w.telescopes] == ["T1"]
    assert w.tasks[3].time_window is not None


def test_rejects_other_formats(document: dict) -> None:
    with pytest.raises(ValueError, match="format"):
        parse_workload({**document, "format": "other/1"})


def test_sample_n25_has_zero_violations(document: dict) -> None:
    out = plan_workload(document)
    assert set(out) == {"blocks", "wall_s"} and out["wall_s"] > 0
    assert out["blocks"] and set(out["blocks"][0]) == {"id", "telescope", "start", "end"}
    assert all(b["start"].endswith("Z") and b["end"].endswith("Z") for b in out["blocks"])
    report = _checker().check_plan(document, out["blocks"])
    assert report["violating_blocks"] == 0, report["violations"]
    assert report["overlaps"] == 0 and report["duplicate_tasks"] == 0
