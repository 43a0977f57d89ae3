"""The Store's task and history queries."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select

from astrotango.store import queries, schema
from astrotango.store._base import StoreBase
from astrotango.store.records import (
    AssignmentRecord,
    EntityKind,
    PendingTask,
    TaskRecord,
    TransitionRecord,
)

__all__ = ["QueryMethods"]


class QueryMethods(StoreBase):
    """Tasks by status, telescope, window and observation; transition and assignment logs."""

    def change_marker(
        self, *, ignore_actor: str | None = None, before: datetime | None = None
    ) -> int:
        """A number that grows with every recorded transition (a cheap "anything moved?").

        ``ignore_actor`` leaves out one actor's transitions: the Scheduler ignores its own
        (tasks scheduled or unscheduled by applying its plan), or every plan would ask for
        another. ``before`` counts only transitions dated earlier: a poll then never depends
        on whether a change of its own instant was written just before or just after it.
        """
        table = schema.transitions
        query = select(table.c.id).order_by(table.c.id.desc()).limit(1)
        if ignore_actor is not None:
            query = query.where(table.c.actor != ignore_actor)
        if before is not None:
            query = query.where(table.c.at < before)
        with self._read() as conn:
            value = conn.execute(query).scalar()
        return int(value or 0)

    def pending_tasks(self, limit: int | None = None) -> list[PendingTask]:
        """Pending tasks as light :class:`PendingTask` tuples, earliest window first.

        Served by the status/window index; under 200 ms for 50,000 pending tasks. For the
        complete rows use ``tasks_by_status("pending")`` (several times slower in bulk).
        """
        with self._read() as conn:
            return queries.pending_tasks(conn, limit=limit)

    def tasks_by_status(self, status: str, *, limit: int | None = None) -> list[TaskRecord]:
        """Tasks in one status, earliest window first."""
        with self._read() as conn:
            return queries.tasks_by_status(conn, status, limit=limit)

    def tasks_for_telescope(
        self, telescope: str, statuses: Collection[str] | None = None
    ) -> list[TaskRecord]:
        """Tasks assigned to a telescope (optionally only in ``statuses``), by planned start."""
        with self._read() as conn:
            return queries.tasks_for_telescope(conn, telescope, statuses)

    def tasks_in_window(
        self, start: datetime, end: datetime, statuses: Collection[str] | None = None
    ) -> list[TaskRecord]:
        """Tasks whose observing window overlaps ``[start, end)``, earliest first."""
        with self._read() as conn:
            return queries.tasks_in_window(conn, start, end, statuses)

    def tasks_of_observation(self, observation_id: str) -> list[TaskRecord]:
        """The tasks of one observation, in request order (empty if it has none)."""
        with self._read() as conn:
            return queries.tasks_of_observation(conn, observation_id)

    def transitions_of(
        self, entity_id: str, entity_kind: EntityKind | None = None
    ) -> list[TransitionRecord]:
        """The recorded transitions of an observation or task, oldest first."""
        with self._read() as conn:
            return queries.transitions_of(conn, entity_id, entity_kind)

    def assignment_history(self, task_id: str) -> list[AssignmentRecord]:
        """The moves of a task between telescopes or instruments, oldest first."""
        with self._read() as conn:
            return queries.assignments_of(conn, task_id)
