from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from astrotango.domain import DomainError, RunOutcome, SeriesRun, next_cadence, parse_observation

START = datetime(2026, 12, 15, 18, tzinfo=UTC)


def series(**monitoring: Any):
    return parse_observation(
        {
            "name": "lc",
            "owner": "o",
            "queue": "research",
            "window": {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T06:00:00Z"},
            "monitoring": {"cadence_s": 86400, **monitoring},
            "requests": [{"type": "calibration", "kind": "bias"}],
        }
    )


def history(n: int) -> list[SeriesRun]:
    return [
        SeriesRun(run=i + 1, outcome=RunOutcome.COMPLETED, at=START + timedelta(days=i, hours=2))
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("monitoring", "done", "at", "continues", "next_eligible"),
    [
        ({"max_observations": 3}, 0, START + timedelta(hours=3), True, START + timedelta(days=1)),
        (
            {"max_observations": 3},
            1,
            START + timedelta(days=1, hours=11),
            True,
            START + timedelta(days=2),
        ),
        ({"max_observations": 3}, 2, START + timedelta(days=2, hours=1), False, None),
        # a run delayed by weather: the next slot after it, not a burst of catch-up runs
        (
            {"max_observations": 9},
            0,
            START + timedelta(days=3, hours=1),
            True,
            START + timedelta(days=4),
        ),
        (
            {"end": "2026-12-17T00:00:00Z"},
            0,
            START + timedelta(hours=2),
            True,
            START + timedelta(days=1),
        ),
        ({"end": "2026-12-16T18:00:00Z"}, 0, START + timedelta(hours=2), False, None),
        ({"end": "2026-12-17T00:00:00Z", "max_observations": 1}, 0, START, False, None),
    ],
)
def test_series_decisions(monitoring, done, at, continues, next_eligible) -> None:
    decision = next_cadence(series(**monitoring), history(done), "completed", at)
    assert decision.run.run == done + 1
    assert decision.continues is continues
    assert decision.next_eligible == next_eligible
    if continues:
        assert decision.next_window is not None
        assert decision.next_window.start == next_eligible
        assert decision.next_window.duration_s == 12 * 3600 or decision.next_window.end == (
            series(**monitoring).monitoring.end
        )
    else:
        assert decision.next_window is None and decision.reason


def test_failures_are_recorded_and_count_as_runs() -> None:
    observation = series(max_observations=2)
    first = next_cadence(
        observation, [], RunOutcome.FAILED, START + timedelta(hours=1), reason="clouds"
    )
    assert (
        first.continues and first.run.outcome is RunOutcome.FAILED and first.run.reason == "clouds"
    )
    second = next_cadence(observation, [first.run], "failed", START + timedelta(days=1, hours=1))
    assert not second.continues and "max_observations" in second.reason


def test_next_window_is_clipped_to_series_end() -> None:
    observation = series(end="2026-12-17T00:00:00Z")
    decision = next_cadence(observation, [], "completed", START + timedelta(hours=1))
    assert decision.next_window is not None
    assert decision.next_window.end == datetime(2026, 12, 17, tzinfo=UTC)


def test_not_a_series() -> None:
    observation = series(max_observations=2).model_copy(update={"monitoring": None})
    with pytest.raises(DomainError):
        next_cadence(observation, [], "completed", START)
    with pytest.raises(ValueError):
        next_cadence(series(max_observations=2), [], "completed", datetime(2026, 12, 15))
