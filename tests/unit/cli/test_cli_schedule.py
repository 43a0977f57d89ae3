from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from astrotango.cli import app

SAMPLE = Path(__file__).resolve().parents[4] / "shared" / "bench" / "sample-n25-t1.json"


def test_schedule_prints_non_overlapping_blocks_inside_the_night() -> None:
    result = CliRunner().invoke(app, ["schedule", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    workload = json.loads(SAMPLE.read_text())
    ids = {t["id"] for t in workload["tasks"]}
    night = [datetime.fromisoformat(workload["night"][k]) for k in ("start", "end")]
    blocks = printed["blocks"]
    assert blocks and printed["wall_s"] > 0
    assert len({b["id"] for b in blocks}) == len(blocks) and {b["id"] for b in blocks} <= ids
    spans = sorted(
        (datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in blocks
    )
    assert all(b["start"].endswith("Z") and b["telescope"] == "T1" for b in blocks)
    assert night[0] <= spans[0][0] and spans[-1][1] <= night[1]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_schedule_refuses_a_file_that_is_not_a_workload(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "peerbench-workload/1"}')
    result = CliRunner().invoke(app, ["schedule", str(bad)])
    assert result.exit_code == 2
    assert "not a peerbench-workload/1 document" in result.output
