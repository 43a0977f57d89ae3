"""Per-queue gates: a telescope closed to one queue still takes the others' tasks."""

from __future__ import annotations

from conftest import END, LA_PALMA, START

from astrotango.scheduling import SchedulableTask, Telescope, explain_task, plan


def _pair() -> list[SchedulableTask]:
    return [
        SchedulableTask("science", 60.0, 30.0, 600.0, priority=9, queue="research"),
        SchedulableTask("flat", 60.0, 30.0, 600.0, priority=1, queue="maintenance"),
    ]


def test_a_telescope_closed_to_research_takes_maintenance_work_only() -> None:
    closed = Telescope("T1", LA_PALMA, closed_queues=frozenset({"research"}))
    result = plan(_pair(), [closed], START, END)
    assert result.block_of("science") is None
    flat = result.block_of("flat")
    assert flat is not None and flat.telescope_id == "T1"


def test_research_goes_to_the_telescope_open_to_it() -> None:
    closed = Telescope("T1", LA_PALMA, closed_queues=frozenset({"research"}))
    result = plan(_pair(), [closed, Telescope("T2", LA_PALMA)], START, END)
    science = result.block_of("science")
    assert science is not None and science.telescope_id == "T2"


def test_explain_names_the_closed_queue_not_a_missing_instrument() -> None:
    closed = Telescope("T1", LA_PALMA, closed_queues=frozenset({"research", "outreach"}))
    science = _pair()[0]
    why = explain_task(science, [closed], START, END)
    assert not why.scheduled
    assert [r.constraint for r in why.reasons] == ["queue"]
    assert "T1 closed to queue 'research'" in why.message, why.message
    assert "camera" not in why.message
