"""The night's timeline: the packaged sample night, and files that cannot be played."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from astrotango.client.scenario import (
    FORMAT,
    ScenarioError,
    folder_scenario,
    load_scenario,
)
from astrotango.domain import parse_observation
from astrotango.samples import night_scenario, observations_dir

START = datetime(2026, 12, 15, 17, 30, tzinfo=UTC)


def test_the_sample_night_submits_every_sample_through_the_evening_and_a_late_too() -> None:
    night = load_scenario(night_scenario())
    assert (night.start, night.end) == (START, START + timedelta(hours=14))
    assert sorted(s.name for s in night.submissions) == sorted(
        p.stem for p in observations_dir().glob("*.json")
    )
    assert [s.at for s in night.submissions] == sorted(s.at for s in night.submissions)
    too = next(s for s in night.submissions if s.name == "grb_afterglow_too")
    assert too.at == datetime(2026, 12, 15, 23, 10, tzinfo=UTC)
    assert parse_observation(too.document).priority == 10
    assert night.reset_after_clear == timedelta(minutes=30)
    assert any(s.at > START for s in night.submissions if s.name != too.name)


def test_a_shorter_night_drops_what_would_come_after_it() -> None:
    night = load_scenario(night_scenario()).until(START + timedelta(hours=4))
    assert night.end == START + timedelta(hours=4)
    assert "grb_afterglow_too" not in {s.name for s in night.submissions}
    with pytest.raises(ScenarioError, match="end"):
        night.until(START)


def test_a_folder_is_a_night_that_submits_everything_at_its_start(tmp_path: Path) -> None:
    night = folder_scenario(observations_dir(), START, START + timedelta(hours=2))
    assert {s.at for s in night.submissions} == {START}
    with pytest.raises(ScenarioError, match="no observation document"):
        folder_scenario(tmp_path, START, START + timedelta(hours=2))


def _scenario(tmp_path: Path, **change: Any) -> Path:
    (tmp_path / "a.json").write_text("{}")
    raw: dict[str, Any] = {
        "format": FORMAT,
        "start": "2026-12-15T17:30:00Z",
        "end": "2026-12-16T07:30:00Z",
        "submissions": [{"at": "2026-12-15T18:00:00Z", "document": "a.json"}],
    }
    raw.update(change)
    path = tmp_path / "night.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "other/1"}, "format"),
        ({"start": "17:30"}, "start"),
        ({"start": "2026-12-15T17:30:00"}, "start"),
        ({"end": "2026-12-15T17:00:00Z"}, "end"),
        ({"end": "2026-12-18T17:30:00Z"}, "end"),
        ({"submissions": []}, "submissions"),
        ({"submissions": ["a.json"]}, "submissions.0"),
        ({"submissions": [{"document": "a.json"}]}, "submissions.0.at"),
        (
            {"submissions": [{"at": "2026-12-16T08:00:00Z", "document": "a.json"}]},
            "submissions.0.at",
        ),
        ({"submissions": [{"at": "2026-12-15T18:00:00Z"}]}, "submissions.0.document"),
        (
            {"submissions": [{"at": "2026-12-15T18:00:00Z", "document": "missing.json"}]},
            "submissions.0.document",
        ),
        ({"operator": {"reset_after_clear_min": -1}}, "operator.reset_after_clear_min"),
        ({"operator": {"reset_after_clear_min": True}}, "operator.reset_after_clear_min"),
    ],
)
def test_a_scenario_that_cannot_be_played_names_its_field(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_scenario(tmp_path, **change))
    assert str(caught.value).startswith(f"{field}:"), caught.value


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "night.json"
    path.write_text("{")
    with pytest.raises(ScenarioError, match="not a readable JSON file"):
        load_scenario(path)
