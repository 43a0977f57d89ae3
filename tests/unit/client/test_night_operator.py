"""The demo's night operator: resets an interlock only after its trigger stayed clear."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from astrotango.client.night import NightOperator
from astrotango.client.observatory import SafetyView

T0 = datetime(2026, 12, 16, 3, 30, tzinfo=UTC)


def view(fired: bool, trigger: str) -> SafetyView:
    return SafetyView({"rain": "BAD"}, {"rain": fired}, {"rain": trigger})


def test_the_operator_waits_for_a_clear_trigger_then_resets_once() -> None:
    resets: list[str] = []
    operator = NightOperator(resets.append, clear_for=timedelta(minutes=30))
    assert operator.look(T0, view(True, "TRIGGERED")) == ["03:30 interlock rain fired"]
    assert operator.look(T0 + timedelta(minutes=40), view(True, "TRIGGERED")) == []
    assert operator.look(T0 + timedelta(minutes=50), view(True, "CLEAR")) == []
    assert operator.look(T0 + timedelta(minutes=60), view(True, "TRIGGERED")) == []
    assert operator.look(T0 + timedelta(minutes=70), view(True, "CLEAR")) == []
    assert resets == [], "the clear spell restarted when the rain came back"
    [note] = operator.look(T0 + timedelta(minutes=100), view(True, "CLEAR"))
    assert resets == ["rain"] and "operator reset interlock rain" in note
    assert operator.look(T0 + timedelta(minutes=106), view(False, "CLEAR")) == []
    assert operator.look(T0 + timedelta(minutes=120), view(True, "TRIGGERED")) == [
        "05:30 interlock rain fired"
    ]


def test_a_reset_by_someone_else_is_noted() -> None:
    operator = NightOperator(lambda name: None)
    operator.look(T0, view(True, "TRIGGERED"))
    assert operator.look(T0 + timedelta(minutes=5), view(False, "CLEAR")) == [
        "03:35 interlock rain reset"
    ]


def test_a_series_between_runs_says_what_its_runs_did() -> None:
    from astrotango.client.night import _series_note

    row = {
        "status": "pending",
        "is_monitoring": True,
        "cadence_next_eligible": "2026-12-16T18:00:00+00:00",
        "series_history": [
            {
                "run": 1,
                "outcome": "completed",
                "at": "2026-12-16T05:40:12+00:00",
                "tasks_completed": 4,
                "tasks": 4,
            }
        ],
    }
    assert _series_note(row) == " (run 1 completed, 4/4 tasks; run 2 from 12-16 18:00)"
    assert _series_note({**row, "status": "completed"}) == " (run 1 completed, 4/4 tasks)"
    assert _series_note({**row, "is_monitoring": False}) == ""
    assert _series_note({**row, "series_history": []}) == ""
