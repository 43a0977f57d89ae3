"""The Store's task methods: transitions, assignment, claims and the fenced executor writes.

Each write that changes a task's status or progress writes its observation's ``progress`` in
the same transaction (see :mod:`astrotango.store.tasks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from astrotango.store import queries
from astrotango.store import tasks as task_sql
from astrotango.store._base import StoreBase
from astrotango.store.records import TaskRecord

__all__ = ["TaskMethods"]


class TaskMethods(StoreBase):
    """Moving, assigning and claiming tasks."""

    def get_task(self, task_id: str) -> TaskRecord:
        """The task with that id. Raises NotFound if there is none."""
        with self._read() as conn:
            return queries.get_task(conn, task_id)

    def transition_task(
        self,
        task_id: str,
        *,
        expected_version: int,
        from_status: str,
        to_status: str,
        actor: str,
        reason: str,
        at: datetime,
        updates: Mapping[str, object] | None = None,
    ) -> int:
        """Move a task from ``from_status`` at ``expected_version``; record the change.

        Entering pending or scheduled clears the claim. If ``updates`` changes the telescope
        or instrument, the move is written to the assignment history too. A task enters
        ``running`` only through :meth:`claim_task`.

        Returns:
            The new version.

        Raises:
            NotFound: no such task.
            ConcurrencyConflict: another writer moved it first.
            ValueError: ``to_status`` is running, or ``updates`` names a protected column.
        """
        with self._write() as conn:
            return task_sql.update_task(
                conn,
                task_id,
                expected_version=expected_version,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                reason=reason,
                at=at,
                updates=updates,
            )

    def assign_task(
        self,
        task_id: str,
        *,
        expected_version: int,
        telescope: str | None,
        instrument: str | None,
        planned_start: datetime | None,
        reason: str,
        at: datetime,
        actor: str = "scheduler",
    ) -> int:
        """Set a task's telescope, instrument and planned start without changing its status.

        A change of telescope or instrument is written to the assignment history.

        Returns:
            The new version.

        Raises:
            NotFound: no such task.
            ConcurrencyConflict: another writer changed it first.
        """
        updates = {"telescope": telescope, "instrument": instrument, "planned_start": planned_start}
        with self._write() as conn:
            return task_sql.update_task(
                conn,
                task_id,
                expected_version=expected_version,
                from_status=None,
                to_status=None,
                actor=actor,
                reason=reason,
                at=at,
                updates=updates,
            )

    def claim_task(
        self, task_id: str, *, claimant: str, at: datetime, actor: str = "executor"
    ) -> int:
        """Claim a scheduled task for execution: it moves to running, held by ``claimant``.

        Its progress starts again at 0 (a new attempt). Of any number of concurrent claimers
        exactly one succeeds.

        Returns:
            The fencing token to present to every later executor write; strictly greater
            than any token issued for this task before.

        Raises:
            NotFound: no such task.
            ClaimRejected: the task is not scheduled, or someone holds it already.
        """
        with self._write() as conn:
            return task_sql.claim_task(conn, task_id, claimant=claimant, actor=actor, at=at)

    def complete_task(
        self,
        task_id: str,
        *,
        token: int,
        at: datetime,
        actor: str = "executor",
        reason: str = "completed",
    ) -> int:
        """Mark a running task completed (progress 1, ``completed_at`` = ``at``).

        Returns:
            The new version.

        Raises:
            NotFound: no such task.
            ClaimRejected: the token is stale (the task was aborted, requeued or re-claimed).
        """
        with self._write() as conn:
            return task_sql.end_run(
                conn, task_id, token=token, to_status="completed", actor=actor, reason=reason, at=at
            )

    def fail_task(
        self,
        task_id: str,
        *,
        token: int,
        error: str,
        reason: str,
        at: datetime,
        actor: str = "executor",
    ) -> int:
        """Mark a running task failed, with its error and reason.

        Returns:
            The new version.

        Raises:
            NotFound: no such task.
            ClaimRejected: the token is stale.
        """
        with self._write() as conn:
            return task_sql.end_run(
                conn,
                task_id,
                token=token,
                to_status="failed",
                actor=actor,
                reason=reason,
                at=at,
                error=error,
            )

    def requeue_task(
        self,
        task_id: str,
        *,
        token: int,
        reason: str,
        at: datetime,
        error: str | None = None,
        actor: str = "executor",
    ) -> int:
        """Release (interrupt) a running task back to pending: claim cleared, attempts + 1.

        This is how an interrupted task (constraint tripped, partial result uploaded) returns
        to the scheduler; its next claim gets a higher fencing token.

        Returns:
            The new version.

        Raises:
            NotFound: no such task.
            ClaimRejected: the token is stale.
        """
        with self._write() as conn:
            return task_sql.end_run(
                conn,
                task_id,
                token=token,
                to_status="pending",
                actor=actor,
                reason=reason,
                at=at,
                error=error,
            )

    def report_task_progress(self, task_id: str, *, token: int, progress: float) -> float:
        """Set a running task's progress (fraction 0..1); the version is not bumped.

        Returns:
            Its observation's progress, as now stored (written in the same transaction).

        Raises:
            NotFound: no such task.
            ClaimRejected: the token is stale.
            ValueError: progress outside 0..1.
        """
        with self._write() as conn:
            return task_sql.report_progress(conn, task_id, token=token, progress=progress)
