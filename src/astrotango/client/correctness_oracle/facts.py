"""What the correctness oracle judges: each observation's and task's history, read from the store.

A task *run* is one stay in ``running``: from its claim (the transition to running, actor
executor) to its next transition (completed, failed, pending when interrupted, canceled);
a task retried or reset by a monitoring series has several. Exposures are the task's assets
that say when they were taken (``start_time`` and ``duration_s`` in their metadata).

A monitoring series moves its tasks' window from run to run; the window a run was held to
is the one in force when it started: the first window until the series' first reset, then
each next run's window as the series history decided it (replayed with the domain's own
:func:`astrotango.domain.next_cadence`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from astrotango.control.observation.records import task_spec
from astrotango.domain import SeriesRun, TaskSpec, next_cadence, parse_observation
from astrotango.store import (
    AssetRecord,
    ObservationRecord,
    Store,
    TaskRecord,
    TransitionRecord,
)

__all__ = [
    "Exposure",
    "NightFacts",
    "ObservationFacts",
    "TaskFacts",
    "TaskRun",
    "read_night",
]

_RUNNING = "running"
_PAGE = 500


@dataclass(frozen=True, slots=True)
class Exposure:
    """One exposure (an asset): when it began (UTC) and how long it lasted, seconds."""

    asset_id: str
    start: datetime
    duration_s: float

    @property
    def end(self) -> datetime:
        """When it ended."""
        return self.start + timedelta(seconds=self.duration_s)


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One stay of a task in ``running``.

    Attributes:
        start: When it was claimed (moved to running).
        end: When it left running; None if it was still running when the night ended.
        outcome: Where it went (completed, failed, pending, canceled); None while running.
        telescope: The telescope it ran on (its assignment at the start), if known.
    """

    start: datetime
    end: datetime | None
    outcome: str | None
    telescope: str | None

    def until(self, night_end: datetime) -> datetime:
        """Its end, or the night's end while it still runs."""
        return self.end if self.end is not None else max(night_end, self.start)


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """One task: its row, its spec, its history, its runs and exposures (oldest first)."""

    record: TaskRecord
    spec: TaskSpec
    transitions: tuple[TransitionRecord, ...]
    runs: tuple[TaskRun, ...]
    exposures: tuple[Exposure, ...]

    @property
    def id(self) -> str:
        """The task id."""
        return self.record.id

    def run_at(self, at: datetime) -> TaskRun | None:
        """The last run that started at or before ``at`` (the one an exposure belongs to)."""
        started = [run for run in self.runs if run.start <= at]
        return started[-1] if started else None


@dataclass(frozen=True, slots=True)
class ObservationFacts:
    """One observation: its row, its history and its tasks.

    ``window_moves`` are the instants a monitoring series moved its window and the window
    each move set (empty for an observation that is not a series).
    """

    record: ObservationRecord
    transitions: tuple[TransitionRecord, ...]
    tasks: tuple[TaskFacts, ...]
    window_moves: tuple[tuple[datetime, datetime, datetime], ...] = ()

    @property
    def id(self) -> str:
        """The observation id."""
        return self.record.id

    def window_at(self, task: TaskFacts, at: datetime) -> tuple[datetime, datetime]:
        """The window ``task`` was held to at ``at``: (start, end), UTC."""
        moved = bisect_right([when for when, _, _ in self.window_moves], at)
        if moved:
            _, start, end = self.window_moves[moved - 1]
            return start, end
        if self.window_moves:  # before the series' first reset: the first run's window
            return task.spec.window.start, task.spec.window.end
        return task.record.window_start, task.record.window_end


@dataclass(frozen=True, slots=True)
class NightFacts:
    """Every observation judged, and when the night ended (UTC)."""

    observations: tuple[ObservationFacts, ...]
    end: datetime

    def tasks(self) -> Iterable[tuple[ObservationFacts, TaskFacts]]:
        """Every task with its observation."""
        for observation in self.observations:
            for task in observation.tasks:
                yield observation, task


def read_night(
    store: Store, end: datetime, observation_ids: Iterable[str] | None = None
) -> NightFacts:
    """Read the observations (all in the store, or those named) and their tasks' histories.

    Raises:
        NotFound: a named observation is not in the store.
    """
    if observation_ids is None:
        records = _all_observations(store)
    else:
        records = [store.get_observation(oid) for oid in observation_ids]
    return NightFacts(tuple(_observation(store, r) for r in records), end)


def _all_observations(store: Store) -> list[ObservationRecord]:
    records: list[ObservationRecord] = []
    while True:
        page = store.list_observations(limit=_PAGE, offset=len(records))
        records += page
        if len(page) < _PAGE:
            return records


def _observation(store: Store, record: ObservationRecord) -> ObservationFacts:
    return ObservationFacts(
        record,
        tuple(store.transitions_of(record.id, "observation")),
        tuple(_task(store, t) for t in store.tasks_of_observation(record.id)),
        _window_moves(store, record) if record.is_monitoring else (),
    )


def _task(store: Store, record: TaskRecord) -> TaskFacts:
    transitions = store.transitions_of(record.id, "task")
    moves = [(a.at, a.to_telescope) for a in store.assignment_history(record.id)]
    return TaskFacts(
        record,
        task_spec(record),
        tuple(transitions),
        tuple(_runs(transitions, moves, record.telescope)),
        tuple(sorted(_exposures(store.assets_of_task(record.id)), key=lambda e: e.start)),
    )


def _runs(
    transitions: Iterable[TransitionRecord],
    moves: list[tuple[datetime, str | None]],
    last_telescope: str | None,
) -> list[TaskRun]:
    runs: list[TaskRun] = []
    started: datetime | None = None
    for t in transitions:
        if started is not None and t.from_status == _RUNNING:
            runs.append(TaskRun(started, t.at, t.to_status, _telescope_at(moves, started)))
            started = None
        if t.to_status == _RUNNING:
            started = t.at
    if started is not None:
        runs.append(TaskRun(started, None, None, _telescope_at(moves, started) or last_telescope))
    if not moves:  # no assignment history kept: the row's telescope is all there is
        runs = [TaskRun(r.start, r.end, r.outcome, last_telescope) for r in runs]
    return runs


def _telescope_at(moves: list[tuple[datetime, str | None]], at: datetime) -> str | None:
    """The telescope of the last assignment made at or before ``at``."""
    made = [telescope for when, telescope in moves if when <= at]
    return made[-1] if made else None


def _exposures(assets: Iterable[AssetRecord]) -> Iterable[Exposure]:
    for asset in assets:
        start, duration = asset.metadata.get("start_time"), asset.metadata.get("duration_s")
        if not isinstance(start, str) or not isinstance(duration, int | float):
            continue
        try:
            began = datetime.fromisoformat(start)
        except ValueError:
            continue
        if began.tzinfo is not None:
            yield Exposure(asset.id, began, float(duration))


def _window_moves(
    store: Store, record: ObservationRecord
) -> tuple[tuple[datetime, datetime, datetime], ...]:
    """When the series moved its window, and to what: the series history replayed."""
    document = parse_observation(record.document)
    history: list[SeriesRun] = []
    moves = []
    for entry in store.series_history(record.id):
        decision = next_cadence(document, history, entry.outcome, entry.at)
        history.append(decision.run)
        if decision.next_window is not None:
            moves.append((entry.at, decision.next_window.start, decision.next_window.end))
    return tuple(moves)
