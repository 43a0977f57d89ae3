"""The night as a timeline: which observation is submitted at which simulated instant.

A scenario file (``astrotango-scenario/1``, JSON) makes a night a script that plays the same
on every run, whatever the machine's load::

    {
      "format": "astrotango-scenario/1",
      "start": "2026-12-15T17:30:00Z",
      "end": "2026-12-16T07:30:00Z",
      "operator": {"reset_after_clear_min": 30},
      "submissions": [
        {"at": "2026-12-15T17:30:00Z", "document": "observations/m31_mosaic.json"},
        {"at": "2026-12-15T23:10:00Z", "document": "observations/grb_afterglow_too.json"}
      ]
    }

``document`` paths are relative to the scenario file. Bounds: the night lasts more than 0 and
at most 48 simulated hours; every submission is at or after ``start`` and before ``end``;
``reset_after_clear_min`` is in [0, 1440]. The packaged sample night is
:func:`astrotango.samples.night_scenario`; :func:`folder_scenario` turns a folder of
documents into a night that submits them all at its start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "Scenario", "ScenarioError", "Submission", "folder_scenario", "load_scenario"]

FORMAT = "astrotango-scenario/1"
_MAX_NIGHT = timedelta(hours=48)
_MAX_RESET_MIN = 1440.0


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names the field and the reason."""


@dataclass(frozen=True)
class Submission:
    """One observation document, submitted at a simulated instant."""

    at: datetime
    name: str
    document: str


@dataclass(frozen=True)
class Scenario:
    """A night: its span, the submissions in time order, and the operator's patience."""

    start: datetime
    end: datetime
    submissions: tuple[Submission, ...]
    reset_after_clear: timedelta = timedelta(minutes=30)

    def until(self, end: datetime) -> Scenario:
        """The same night cut (or stretched) to end at ``end``; later submissions dropped."""
        if not self.start < end <= self.start + _MAX_NIGHT:
            raise ScenarioError(f"end: {end.isoformat()} is not within 48 h after the start")
        kept = tuple(s for s in self.submissions if s.at < end)
        return Scenario(self.start, end, kept, self.reset_after_clear)


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file.

    Raises:
        ScenarioError: naming the field and the reason, for any file that cannot be played.
    """
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ScenarioError(f"format: a scenario file says {FORMAT!r}")
    start, end = _instant(raw, "start"), _instant(raw, "end")
    if not start < end <= start + _MAX_NIGHT:
        raise ScenarioError("end: must be after start and at most 48 h later")
    entries = raw.get("submissions")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError("submissions: a non-empty list of {at, document}")
    submissions = tuple(
        sorted(
            (_submission(entry, i, path.parent, start, end) for i, entry in enumerate(entries)),
            key=lambda s: s.at,
        )
    )
    return Scenario(start, end, submissions, _reset_after(raw.get("operator", {})))


def folder_scenario(folder: Path, start: datetime, end: datetime) -> Scenario:
    """Every ``*.json`` document in ``folder``, all submitted at ``start``."""
    documents = sorted(folder.glob("*.json"))
    if not documents:
        raise ScenarioError(f"{folder}: no observation document (*.json)")
    return Scenario(start, end, tuple(Submission(start, p.stem, p.read_text()) for p in documents))


def _instant(raw: dict[str, Any], field: str, label: str = "") -> datetime:
    text = raw.get(field)
    field = label or field
    try:
        when = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ScenarioError(f"{field}: {text!r} is not an ISO 8601 time with a time zone")
    return when


def _submission(entry: Any, index: int, base: Path, start: datetime, end: datetime) -> Submission:
    field = f"submissions.{index}"
    if not isinstance(entry, dict):
        raise ScenarioError(f"{field}: an object {{at, document}}")
    at = _instant(entry, "at", f"{field}.at")
    if not start <= at < end:
        raise ScenarioError(f"{field}.at: {at.isoformat()} is outside the night")
    name = entry.get("document")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{field}.document: a path relative to the scenario file")
    path = base / name
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(f"{field}.document: {path} cannot be read ({exc})") from exc
    return Submission(at, path.stem, text)


def _reset_after(operator: Any) -> timedelta:
    minutes = operator.get("reset_after_clear_min", 30) if isinstance(operator, dict) else None
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int | float)
        or not 0 <= minutes <= _MAX_RESET_MIN
    ):
        raise ScenarioError("operator.reset_after_clear_min: a number of minutes in [0, 1440]")
    return timedelta(minutes=minutes)
