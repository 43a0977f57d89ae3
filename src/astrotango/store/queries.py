"""Task and history queries (all served by an index: status, telescope, window, owner id)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from astrotango.store.errors import NotFound
from astrotango.store.records import (
    PENDING_TASK_FIELDS,
    AssignmentRecord,
    EntityKind,
    PendingTask,
    TaskRecord,
    TransitionRecord,
)
from astrotango.store.rows import rebuild, select_records
from astrotango.store.schema import assignment_history, tasks, transitions

__all__ = [
    "assignments_of",
    "get_task",
    "pending_tasks",
    "tasks_by_status",
    "tasks_for_telescope",
    "tasks_in_window",
    "tasks_of_observation",
    "transitions_of",
]


def get_task(conn: Connection, task_id: str) -> TaskRecord:
    """The task with that id.

    Raises:
        NotFound: no such task.
    """
    row = conn.execute(select_records(TaskRecord).where(tasks.c.id == task_id)).one_or_none()
    if row is None:
        raise NotFound(f"no task with id {task_id!r}")
    return TaskRecord(*row)


def pending_tasks(conn: Connection, *, limit: int | None) -> list[PendingTask]:
    """Pending tasks as light tuples, earliest window first (index ``ix_tasks_status_window``).

    The hot query of every scheduler cycle, so it reads the driver's tuples directly instead
    of building SQLAlchemy rows (half the cost for 50,000 tasks); only SQLite's timestamp text
    needs converting (C ``fromisoformat``; the text carries its UTC offset).
    """
    stmt = (
        select(*(tasks.c[name] for name in PENDING_TASK_FIELDS))
        .where(tasks.c.status == "pending")
        .order_by(tasks.c.window_start, tasks.c.id)
        .limit(limit)
    )
    result = conn.execute(stmt)
    try:
        raw: Sequence[Any] = result.cursor.fetchall()
    finally:
        result.close()
    new = tuple.__new__
    if conn.dialect.name != "sqlite":
        return [new(PendingTask, row) for row in raw]
    parse = datetime.fromisoformat
    return [
        new(PendingTask, (i, o, ty, parse(start), parse(end), dur, tel, ins, sync, ver))
        for (i, o, ty, start, end, dur, tel, ins, sync, ver) in raw
    ]


def tasks_by_status(conn: Connection, status: str, *, limit: int | None) -> list[TaskRecord]:
    """Tasks in one status, earliest window first (index ``ix_tasks_status_window``)."""
    stmt = (
        select_records(TaskRecord)
        .where(tasks.c.status == status)
        .order_by(tasks.c.window_start, tasks.c.id)
        .limit(limit)
    )
    return rebuild(TaskRecord, conn.execute(stmt))


def tasks_for_telescope(
    conn: Connection, telescope: str, statuses: Collection[str] | None
) -> list[TaskRecord]:
    """Tasks assigned to a telescope, optionally only in some statuses, by planned start."""
    stmt = select_records(TaskRecord).where(tasks.c.telescope == telescope)
    if statuses is not None:
        stmt = stmt.where(tasks.c.status.in_(list(statuses)))
    stmt = stmt.order_by(tasks.c.planned_start, tasks.c.window_start, tasks.c.id)
    return rebuild(TaskRecord, conn.execute(stmt))


def tasks_in_window(
    conn: Connection, start: datetime, end: datetime, statuses: Collection[str] | None
) -> list[TaskRecord]:
    """Tasks whose observing window overlaps ``[start, end)``, earliest first."""
    stmt = select_records(TaskRecord).where(tasks.c.window_start < end, tasks.c.window_end > start)
    if statuses is not None:
        stmt = stmt.where(tasks.c.status.in_(list(statuses)))
    stmt = stmt.order_by(tasks.c.window_start, tasks.c.id)
    return rebuild(TaskRecord, conn.execute(stmt))


def tasks_of_observation(conn: Connection, observation_id: str) -> list[TaskRecord]:
    """The tasks of one observation, in request order."""
    stmt = (
        select_records(TaskRecord)
        .where(tasks.c.observation_id == observation_id)
        .order_by(tasks.c.request_index, tasks.c.id)
    )
    return rebuild(TaskRecord, conn.execute(stmt))


def transitions_of(
    conn: Connection, entity_id: str, entity_kind: EntityKind | None
) -> list[TransitionRecord]:
    """Every recorded transition of an entity, oldest first."""
    stmt = select_records(TransitionRecord).where(transitions.c.entity_id == entity_id)
    if entity_kind is not None:
        stmt = stmt.where(transitions.c.entity_kind == entity_kind)
    return rebuild(TransitionRecord, conn.execute(stmt.order_by(transitions.c.id)))


def assignments_of(conn: Connection, task_id: str) -> list[AssignmentRecord]:
    """Every move of a task between telescopes or instruments, oldest first."""
    stmt = (
        select_records(AssignmentRecord)
        .where(assignment_history.c.task_id == task_id)
        .order_by(assignment_history.c.id)
    )
    return rebuild(AssignmentRecord, conn.execute(stmt))
