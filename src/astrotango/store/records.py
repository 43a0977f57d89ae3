"""Plain typed records that cross the store's boundary.

The store does not know the domain's pydantic models: the domain turns its models into these
records (``document`` and ``spec`` are the models' JSON text) and back. Statuses are plain
strings; the domain decides which transitions are legal before it calls the store.

Every datetime is timezone-aware; the store refuses naive ones and returns aware UTC values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, NamedTuple

__all__ = [
    "OBSERVATION_STATUSES",
    "PENDING_TASK_FIELDS",
    "TASK_STATUSES",
    "AssetRecord",
    "AssignmentRecord",
    "EntityKind",
    "InterlockLatchRecord",
    "NewObservation",
    "ObservationRecord",
    "PendingTask",
    "SeriesRunRecord",
    "SnapshotRecord",
    "TaskRecord",
    "TransitionRecord",
    "TransitionWrite",
    "field_names",
]

OBSERVATION_STATUSES: tuple[str, ...] = (
    "pending",
    "assigned",
    "in_progress",
    "acquisition_complete",
    "suspended",
    "completed",
    "failed",
    "aborted",
)
"""Every status value the observations table accepts."""

TASK_STATUSES: tuple[str, ...] = (
    "pending",
    "scheduled",
    "running",
    "completed",
    "failed",
    "canceled",
)
"""Every status value the tasks table accepts."""

EntityKind = Literal["observation", "task"]


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """One observation row; ``document`` is the submitted document as JSON text."""

    id: str
    name: str
    owner: str
    queue: str
    status: str
    priority: int
    document: str
    created_at: datetime
    updated_at: datetime
    window_start: datetime
    window_end: datetime
    cancel_on: datetime | None = None
    is_monitoring: bool = False
    cadence_next_eligible: datetime | None = None
    series_count: int = 0
    progress: float = 0.0
    stale_flag: bool = False
    warned_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """One task row; ``spec`` is the task's pointing/exposure specification as JSON text.

    ``fencing_token`` grows by one at every claim; ``progress`` is a fraction in 0..1.
    """

    id: str
    observation_id: str
    request_index: int
    type: str
    status: str
    window_start: datetime
    window_end: datetime
    duration_s: float
    spec: str
    telescope: str | None = None
    instrument: str | None = None
    sync_group: str | None = None
    planned_start: datetime | None = None
    progress: float = 0.0
    version: int = 1
    fencing_token: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    attempts: int = 0
    error: str | None = None
    reason: str | None = None
    completed_at: datetime | None = None


class PendingTask(NamedTuple):
    """The scheduler's view of a pending task: what it needs to choose, not the whole row.

    A NamedTuple rather than a dataclass on purpose: the pending query may return every one
    of 50,000 tasks each scheduler cycle, and a tuple is built in C (about 4x cheaper than a
    frozen dataclass). Load the full :class:`TaskRecord` of a chosen task with ``get_task``.
    """

    id: str
    observation_id: str
    type: str
    window_start: datetime
    window_end: datetime
    duration_s: float
    telescope: str | None
    instrument: str | None
    sync_group: str | None
    version: int


PENDING_TASK_FIELDS: tuple[str, ...] = PendingTask._fields
"""The task columns a :class:`PendingTask` carries, in order."""


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One recorded status change; ``from_status`` is None for a creation."""

    entity_kind: EntityKind
    entity_id: str
    from_status: str | None
    to_status: str
    actor: str
    reason: str
    at: datetime
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TransitionWrite:
    """One status change to write, if the entity is still at its expected status and version.

    See :meth:`~astrotango.store.Store.transition_all`.
    """

    entity_kind: EntityKind
    entity_id: str
    expected_version: int
    from_status: str
    to_status: str
    actor: str
    reason: str
    at: datetime
    updates: Mapping[str, object] | None = None
    #: A run's end (a task leaving ``running``): the write is fenced by this token instead of
    #: ``expected_version``, and only ``updates["error"]`` is read (the store writes the rest).
    token: int | None = None


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    """One move of a task between telescopes or instruments."""

    task_id: str
    from_telescope: str | None
    from_instrument: str | None
    to_telescope: str | None
    to_instrument: str | None
    reason: str
    at: datetime
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """One produced file; ``task_info`` traces it back to the task that produced it."""

    id: str
    observation_id: str
    task_id: str | None
    kind: str
    created_at: datetime
    partial: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    task_info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """One evaluation of an operational constraint (or interlock) at ``timestamp``."""

    constraint_name: str
    timestamp: datetime
    is_ok: bool
    value: float | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SeriesRunRecord:
    """One run of a monitoring (cadence) series: its outcome and what it achieved.

    ``tasks_completed`` of ``tasks`` were completed in the run; ``reason`` says why a failed
    run failed ("" otherwise).
    """

    observation_id: str
    run: int
    outcome: str
    at: datetime
    next_eligible: datetime | None = None
    reason: str = ""
    tasks_completed: int = 0
    tasks: int = 0


@dataclass(frozen=True, slots=True)
class InterlockLatchRecord:
    """A shutdown interlock's latch: whether it has fired (and why, when) until it is reset.

    One row per interlock, overwritten at every fire and reset; ``updated_at`` is when it was
    last written.
    """

    name: str
    fired: bool
    reason: str
    fired_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewObservation:
    """An observation with all its tasks (and optionally its creation transition) to add."""

    observation: ObservationRecord
    tasks: Sequence[TaskRecord]
    transition: TransitionRecord | None = None


def field_names(record_type: type[Any]) -> tuple[str, ...]:
    """The dataclass field names of a record type, in declaration order."""
    return tuple(f.name for f in fields(record_type))
