"""Task runs read from the observations' histories, and the tolerant readers of their JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "RUNNING",
    "TaskRun",
    "as_dicts",
    "as_mapping",
    "as_text",
    "aware",
    "task_runs",
    "utc_stamp",
]


#: The outcome of a run whose task was still running at the end of the night.
RUNNING = "running"

#: The telescope of a run whose task was never assigned to one.
_UNASSIGNED = "(unassigned)"


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One execution of a task: from its transition into ``running`` to the next one out."""

    telescope: str
    observation_id: str
    observation_name: str
    task_id: str
    start: datetime
    end: datetime
    outcome: str
    """The status the task left ``running`` for, or ``running`` if still running at the end."""


def task_runs(rows: Sequence[Mapping[str, Any]], end: datetime) -> list[TaskRun]:
    """Every run of every task in ``rows``, ordered by start.

    Args:
        rows: parsed ``GetObservation`` answers (``task_history``, ``assignment_history`` and
            ``tasks`` are read; malformed entries are skipped).
        end: the end of the night: a task still running then has a run ending here.

    Returns:
        The runs; a run's telescope is the ``to_telescope`` of the task's latest reassignment
        at or before the run's start, else the task's ``telescope`` field.
    """
    runs = [run for row in rows for run in _row_runs(row, end)]
    return sorted(runs, key=lambda r: (r.start, r.telescope, r.task_id))


def _row_runs(row: Mapping[str, Any], end: datetime) -> list[TaskRun]:
    observation_id = as_text(row.get("id"))
    name = as_text(row.get("name"))
    fallback = {str(t.get("id")): t.get("telescope") for t in as_dicts(row.get("tasks"))}
    assignments = as_mapping(row.get("assignment_history"))
    runs = []
    for task, transitions in as_mapping(row.get("task_history")).items():
        for t0, t1, outcome in _running_intervals(as_dicts(transitions), end):
            telescope = _telescope_at(as_dicts(assignments.get(task)), t0) or fallback.get(task)
            runs.append(
                TaskRun(
                    str(telescope or _UNASSIGNED),
                    observation_id,
                    name,
                    str(task),
                    t0,
                    t1,
                    outcome,
                )
            )
    return runs


def _running_intervals(
    transitions: Iterable[Mapping[str, Any]], end: datetime
) -> list[tuple[datetime, datetime, str]]:
    intervals = []
    since: datetime | None = None
    for at, transition in _by_time(transitions):
        status = str(transition.get("to_status"))
        if since is None and status == RUNNING:
            since = at
        elif since is not None and status != RUNNING:
            intervals.append((since, at, status))
            since = None
    if since is not None:
        intervals.append((since, max(since, aware(end)), RUNNING))
    return intervals


def _telescope_at(assignments: Iterable[Mapping[str, Any]], when: datetime) -> str | None:
    telescope = None
    for at, change in _by_time(assignments):
        if at > when:
            break
        telescope = change.get("to_telescope")
    return None if telescope is None else str(telescope)


def _by_time(
    entries: Iterable[Mapping[str, Any]],
) -> list[tuple[datetime, Mapping[str, Any]]]:
    timed = [(at, e) for e in entries if (at := _instant(e.get("at"))) is not None]
    return sorted(timed, key=lambda pair: pair[0])


def as_text(value: object) -> str:
    """``value`` as text; ``None`` is empty."""
    return "" if value is None else str(value)


def aware(when: datetime) -> datetime:
    """``when``, a naive one taken as UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def utc_stamp(when: datetime) -> str:
    """``when`` as ``YYYY-MM-DD HH:MM:SS`` UTC."""
    return aware(when).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, str):
        try:
            return aware(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def as_mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def as_dicts(value: object) -> list[Mapping[str, Any]]:
    """The mappings in ``value`` if it is a list, else none."""
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]
