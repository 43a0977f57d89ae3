"""The night report: task runs from the histories, and the files written for a night."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from astrotango.client.report import (
    SafetySample,
    SiteInfo,
    TaskRun,
    task_runs,
    write_night_report,
)
from astrotango.client.safety_oracle import VERDICT_HEADERS, SafetyVerdict, TelescopeKind
from astrotango.domain import parse_observation

T1 = "astro/telescope/t1"
T2 = "astro/telescope/t2"
START = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)
END = datetime(2026, 12, 15, 23, 0, tzinfo=UTC)
LA_PALMA = SiteInfo("La Palma", 28.7606, -17.8792, 2396.0)
WINDOW = {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"}
EXPOSURES = [{"filter": "r", "exposure_s": 60, "count": 2}]
M31_NAME = "M31 <deep> & friends"


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def iso(hours: float) -> str:
    return at(hours).isoformat()


def move(task: str, old: str | None, new: str, hours: float) -> dict[str, Any]:
    return {
        "task_id": task,
        "from_telescope": old,
        "to_telescope": new,
        "reason": "",
        "at": iso(hours),
    }


def history(task: str, *steps: tuple[str, str, float]) -> list[dict[str, Any]]:
    """Transitions from ``pending`` through ``steps`` of ``(to_status, actor, hours)``."""
    transitions = []
    previous = "pending"
    for status, actor, hours in steps:
        transitions.append(
            {
                "entity_id": task,
                "from_status": previous,
                "to_status": status,
                "actor": actor,
                "reason": "",
                "at": iso(hours),
            }
        )
        previous = status
    return transitions


def task(
    task_id: str, status: str, telescope: str | None, request_index: int = 0
) -> dict[str, Any]:
    return {
        "id": task_id,
        "status": status,
        "telescope": telescope,
        "request_index": request_index,
        "duration_s": 600.0,
        "planned_start": None,
    }


def row(
    oid: str,
    name: str,
    status: str,
    document: Any,
    tasks: list[dict[str, Any]],
    task_history: dict[str, Any],
    assignment_history: dict[str, Any],
    assets: int = 0,
) -> dict[str, Any]:
    return {
        "id": oid,
        "name": name,
        "owner": "org-astro",
        "queue": "research",
        "status": status,
        "priority": 5,
        "window_start": WINDOW["start"],
        "window_end": WINDOW["end"],
        "document": document,
        "tasks": tasks,
        "task_history": task_history,
        "assignment_history": assignment_history,
        "assets": [{"id": f"asset-{i}"} for i in range(assets)],
        "history": [],
        "series_history": [],
    }


def document(name: str, *requests: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "owner": "org-astro",
        "queue": "research",
        "window": WINDOW,
        "requests": list(requests),
    }


M31_TASK = "obs-m31-r0-i0-j0-t0-e0-n0"
JUPITER_TASK = "obs-jup-r0-i0-j0-t0-e0-n0"
JUPITER_TASK_2 = "obs-jup-r1-i0-j0-t0-e0-n0"
BIAS_TASK = "obs-cal-r0-i0-j0-t0-e0-n0"


def night_rows() -> list[dict[str, Any]]:
    m31 = row(
        "obs-m31",
        M31_NAME,
        "completed",
        document(
            M31_NAME,
            {
                "type": "optical_imaging",
                "target": {"name": "M31", "ra_deg": 10.6847, "dec_deg": 41.269},
                "exposures": EXPOSURES,
            },
        ),
        [task(M31_TASK, "completed", T2)],
        {
            # Interrupted on t1 (back to pending), then re-run to completion on t2.
            M31_TASK: history(
                M31_TASK,
                ("scheduled", "scheduler", 0.9),
                ("running", "executor", 1.0),
                ("pending", "executor", 1.25),
                ("scheduled", "scheduler", 1.4),
                ("running", "executor", 1.5),
                ("completed", "executor", 2.0),
            )
        },
        {M31_TASK: [move(M31_TASK, None, T1, 0.8), move(M31_TASK, T1, T2, 1.3)]},
        assets=2,
    )
    jupiter = row(
        "obs-jup",
        "Jupiter tonight",
        "in_progress",
        document(
            "Jupiter tonight",
            {
                "type": "optical_imaging",
                "target": {"kind": "solar_system", "body": "jupiter"},
                "exposures": EXPOSURES,
            },
            {
                "type": "optical_imaging",
                "target": {"kind": "galactic", "name": "Cygnus X", "l_deg": 80.0, "b_deg": 1.0},
                "exposures": EXPOSURES,
            },
        ),
        [task(JUPITER_TASK, "running", T1), task(JUPITER_TASK_2, "completed", T2, 1)],
        {
            # Still running at the end of the night.
            JUPITER_TASK: history(
                JUPITER_TASK, ("scheduled", "scheduler", 2.9), ("running", "executor", 3.0)
            ),
            # No assignment history: the task's own telescope field is used.
            JUPITER_TASK_2: history(
                JUPITER_TASK_2,
                ("scheduled", "scheduler", 2.0),
                ("running", "executor", 2.1),
                ("completed", "executor", 2.4),
            ),
        },
        {JUPITER_TASK: [move(JUPITER_TASK, None, T1, 2.8)]},
    )
    calibration = row(
        "obs-cal",
        "Biases",
        "failed",
        document("Biases", {"type": "calibration", "kind": "bias", "count": 5}),
        [task(BIAS_TASK, "failed", T1)],
        {
            BIAS_TASK: history(
                BIAS_TASK,
                ("scheduled", "scheduler", 0.1),
                ("running", "executor", 0.2),
                ("failed", "executor", 0.3),
            )
        },
        {BIAS_TASK: [move(BIAS_TASK, None, T1, 0.05)]},
    )
    return [m31, jupiter, calibration]


def samples() -> list[SafetySample]:
    states = [("OK", False), ("SETTLING", False), ("BAD", True), ("NO_DATA", False), ("OK", False)]
    return [
        SafetySample(at(0.8 * i), {"clouds": gate, "sun": "INACTIVE"}, {"rain": fired})
        for i, (gate, fired) in enumerate(states)
    ]


NOTES = [(at(1.2), "Closed the dome: rain & wind"), (at(0.5), "Night started")]


def test_documents_of_the_synthetic_night_are_valid() -> None:
    for r in night_rows():
        parse_observation(r["document"])


def test_task_runs_follow_history_and_assignments() -> None:
    runs = task_runs(night_rows(), END)
    assert runs == [
        TaskRun(T1, "obs-cal", "Biases", BIAS_TASK, at(0.2), at(0.3), "failed"),
        TaskRun(T1, "obs-m31", M31_NAME, M31_TASK, at(1.0), at(1.25), "pending"),
        TaskRun(T2, "obs-m31", M31_NAME, M31_TASK, at(1.5), at(2.0), "completed"),
        TaskRun(T2, "obs-jup", "Jupiter tonight", JUPITER_TASK_2, at(2.1), at(2.4), "completed"),
        TaskRun(T1, "obs-jup", "Jupiter tonight", JUPITER_TASK, at(3.0), END, "running"),
    ]


def test_task_runs_sorts_transitions_and_ignores_junk() -> None:
    [m31, *_] = night_rows()
    m31["task_history"][M31_TASK].reverse()
    m31["assignment_history"][M31_TASK].reverse()
    m31["task_history"]["junk-task"] = "not a list"
    m31["task_history"][M31_TASK].append({"to_status": "running", "at": "not a time"})
    runs = task_runs([m31, {"id": "bare"}, {"task_history": 5}], END)
    assert [(r.telescope, r.outcome) for r in runs] == [(T1, "pending"), (T2, "completed")]


def test_run_on_a_never_assigned_task_has_a_placeholder_telescope() -> None:
    r = row(
        "obs-x",
        "x",
        "in_progress",
        {},
        [],
        {"t": history("t", ("running", "executor", 1.0), ("canceled", "operator", 1.5))},
        {},
    )
    [run] = task_runs([r], END)
    assert run.telescope == "(unassigned)"
    assert run.outcome == "canceled"


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 5_000


def test_write_night_report_writes_every_file(tmp_path: Path) -> None:
    rows = night_rows()
    sites = {T1: LA_PALMA, T2: LA_PALMA}
    page = write_night_report(tmp_path / "report", rows, samples(), sites, START, END, NOTES)
    folder = tmp_path / "report"
    assert page == folder / "night.html"
    for image in ("gantt.png", "altitude.png", "constraints.png"):
        assert_png(folder / image)
    night = json.loads((folder / "night.json").read_text())
    assert [r["id"] for r in night["observations"]] == ["obs-m31", "obs-jup", "obs-cal"]
    assert night["safety"] is None
    text = page.read_text(encoding="utf-8")
    for r in rows:
        assert html.escape(r["name"]) in text
    assert "M31 <deep>" not in text
    for image in ("gantt.png", "altitude.png", "constraints.png"):
        assert f'src="{image}"' in text
    for _, note in NOTES:
        assert html.escape(note) in text
    assert text.index("Night started") < text.index("Closed the dome")
    assert JUPITER_TASK in text and "running" in text
    assert "<td>1/1</td>" in text  # M31: tasks completed / total
    assert "<h2>Safety</h2>" not in text  # not checked: no section


SAFE = SafetyVerdict(T1, TelescopeKind.OPTICAL, 0.0, 0.0, 0.0)
UNSAFE = SafetyVerdict(
    T2,
    TelescopeKind.OPTICAL,
    480.0,
    0.0,
    0.0,
    ("astro/interlock/rain: SafeShutdown fired 2026-12-15 20:30:00 (rain > 0): FAILED <stuck>",),
)


def test_the_safety_verdicts_are_in_the_page_and_the_json(tmp_path: Path) -> None:
    sites = {T1: LA_PALMA, T2: LA_PALMA}
    page = write_night_report(
        tmp_path, night_rows(), samples(), sites, START, END, NOTES, safety=[SAFE, UNSAFE]
    )
    text = page.read_text(encoding="utf-8")
    assert "<h2>Safety</h2>" in text
    assert "Safety oracle (120 s allowance): NOT ZERO" in text
    assert text.index("<h2>Safety</h2>") < text.index("<h2>Plots</h2>")
    for heading in VERDICT_HEADERS:
        assert f"<th>{html.escape(heading)}</th>" in text
    assert f"<tr><td>{T2}</td><td>optical</td><td>480.0</td>" in text
    assert "<td>UNSAFE</td>" in text and "<td>OK</td>" in text
    assert "FAILED &lt;stuck&gt;</li>" in text
    night = json.loads((tmp_path / "night.json").read_text())
    assert night["safety"] == [SAFE.as_dict(), UNSAFE.as_dict()]
    assert len(night["observations"]) == 3


def test_a_safe_night_reads_all_zero(tmp_path: Path) -> None:
    page = write_night_report(tmp_path, night_rows(), [], {T1: LA_PALMA}, START, END, safety=[SAFE])
    text = page.read_text(encoding="utf-8")
    assert "Safety oracle (120 s allowance): all zero" in text
    assert "<ul>" not in text  # nothing failed, nothing unchecked


def test_garbage_documents_still_yield_a_report(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = []
    for number, garbage in enumerate(["not json at all", {"requests": 5}, None, 42]):
        [m31, *_] = night_rows()
        rows.append(
            {**m31, "id": f"obs-{number}", "name": f"garbage {number} <x>", "document": garbage}
        )
    rows.append({"id": "obs-bare", "name": "bare & row"})
    page = write_night_report(tmp_path, rows, [], {T1: LA_PALMA}, START, END)
    text = page.read_text(encoding="utf-8")
    for number in range(4):
        assert f"garbage {number} &lt;x&gt;" in text
    assert "bare &amp; row" in text
    for image in ("gantt.png", "altitude.png", "constraints.png"):
        assert_png(tmp_path / image)


def test_two_sites_and_an_unknown_telescope(tmp_path: Path) -> None:
    chile = SiteInfo("Cerro Pachon", -30.24, -70.74, 2715.0)
    rows = night_rows()
    # t2 is in no site: its runs still show (an extra gantt row, the first altitude panel).
    page = write_night_report(tmp_path, rows, samples(), {T1: LA_PALMA, "x/y/z": chile}, START, END)
    assert T2 in page.read_text(encoding="utf-8")
    assert_png(tmp_path / "altitude.png")
