"""Science efficiency per telescope: observable time, science within it, idle time with work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from astrotango.client.report import (
    Conditions,
    SafetySample,
    efficiencies,
    task_runs,
)
from astrotango.client.report.efficiency import efficiency_row

T1, T2 = "astro/telescope/t1", "astro/telescope/t2"
EVENING = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)
END = EVENING + timedelta(hours=5)


def at(hours: float) -> datetime:
    return EVENING + timedelta(hours=hours)


def task(task_id: str, kind: str, telescope: str, *steps: tuple[float, str, str]) -> Any:
    history = [{"to_status": s, "at": at(h).isoformat(), "reason": r} for h, s, r in steps]
    row = {
        "id": task_id,
        "type": kind,
        "telescope": telescope,
        "window_start": at(0).isoformat(),
        "window_end": at(6).isoformat(),
    }
    return row, history


def night() -> list[dict[str, Any]]:
    planned = f"planned on {T1}"
    tasks = [
        task("a", "optical_imaging", T1, (0, "pending", "submitted"),
             (50 / 60, "scheduled", planned), (1, "running", "claimed"), (1.5, "completed", "")),
        task("c", "calibration", T1, (0, "pending", "submitted"),
             (55 / 60, "scheduled", planned), (1.5, "running", "claimed"),
             (1.75, "completed", "")),
        task("x", "optical_imaging", T1, (0, "pending", "submitted"),
             (110 / 60, "scheduled", planned), (4.25, "running", "claimed"),
             (4.5, "completed", "")),
        task("y", "optical_imaging", T2, (0, "pending", "submitted"),
             (0.5, "scheduled", f"planned on {T2}")),
    ]  # fmt: skip
    return [
        {
            "id": f"obs-{row['id']}",
            "name": row["id"],
            "tasks": [row],
            "task_history": {row["id"]: history},
            "assignment_history": {},
        }
        for row, history in tasks
    ]


def samples() -> list[SafetySample]:
    ok = {"clouds": "OK", "sun_altitude": "OK"}
    return [
        SafetySample(at(1), ok, {"rain": False}),
        SafetySample(at(2), ok | {"clouds": "BAD"}, {"rain": False}),
        SafetySample(at(3), ok, {"rain": True}),
        SafetySample(at(4), ok, {"rain": False}),
    ]


def test_observable_science_and_idle_time_with_the_reasons() -> None:
    rows = night()
    conditions = {
        T1: Conditions(("clouds", "sun_altitude"), ("rain",)),
        T2: Conditions(("sun_altitude",), ()),
    }
    by_name = {
        e.telescope: e for e in efficiencies(rows, task_runs(rows, END), samples(), conditions, END)
    }
    t1 = by_name[T1]
    assert t1.observable_s == pytest.approx(2 * 3600)  # 20-21 and 23-24: clouds, then rain
    assert t1.science_s == pytest.approx(0.75 * 3600), "a and x; the calibration is no science"
    assert t1.efficiency == pytest.approx(0.375)
    # idle and observable: 20:45-21:00 (x waiting), 23:00-23:15 (x planned), 23:30-24:00 (none)
    assert t1.idle_with_work_s == pytest.approx(30 * 60)
    assert dict(t1.idle_reasons) == pytest.approx({f"planned on {T1}": 25 * 60, "submitted": 300})
    t2 = by_name[T2]
    assert t2.observable_s == pytest.approx(4 * 3600) and t2.science_s == 0
    assert t2.idle_with_work_s == pytest.approx(4 * 3600), "y waited all the observable night"
    assert efficiency_row(t1) == (T1, "2.0 h", "0.8 h", "38 %", "0.5 h", (
        f"planned on {T1} 0.4 h; submitted 0.1 h"
    ))  # fmt: skip


def test_a_telescope_that_could_never_observe_has_no_efficiency() -> None:
    rows = night()
    never = {T1: Conditions(("wind",), ())}  # never sampled: never OK
    [e] = efficiencies(rows, task_runs(rows, END), samples(), never, END)
    assert e.observable_s == 0 and e.efficiency is None
    assert efficiency_row(e)[3] == "-"
    assert e.as_dict()["efficiency"] is None
