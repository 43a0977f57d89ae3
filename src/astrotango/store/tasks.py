"""Task writes: optimistic transitions, (re)assignment, and claims with fencing tokens.

A claim moves a task ``scheduled -> running`` only if nobody holds it, and returns a fencing
token (``fencing_token + 1``, so strictly increasing per task). Every later write by the
executor -- progress, completion, failure, requeue -- must present that token and succeeds
only while the task is still ``running`` under it: a second executor can never start the
task, and a zombie executor (claim lost, task requeued and claimed again) cannot overwrite.

Every write that changes a task's status or progress also writes its observation's
``progress`` (:func:`astrotango.domain.progress.observation_progress` of its tasks) in the
same transaction, so the stored number is never behind its tasks.

Every function takes a Connection inside a transaction that the caller (the Store) owns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from astrotango.domain.progress import observation_progress
from astrotango.store.errors import ClaimRejected, NotFound
from astrotango.store.rows import TASK_FIELDS, checked_updates, conflict
from astrotango.store.schema import assignment_history, observations, tasks, transitions

__all__ = [
    "TASK_UPDATABLE",
    "claim_task",
    "end_run",
    "refresh_progress",
    "report_progress",
    "update_task",
]

TASK_UPDATABLE = frozenset(TASK_FIELDS) - {
    "id",
    "observation_id",
    "version",
    "status",
    "fencing_token",
    "claimed_by",
    "claimed_at",
}
"""Columns a transition or assignment may set; the claim columns belong to claims."""

_UNCLAIMED = ("pending", "scheduled")
"""Statuses in which a task holds no claim (entering them clears claimed_by/claimed_at)."""


def _record_transition(
    conn: Connection,
    task_id: str,
    from_status: str,
    to_status: str,
    actor: str,
    reason: str,
    at: datetime,
) -> None:
    conn.execute(
        insert(transitions).values(
            entity_kind="task",
            entity_id=task_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            at=at,
        )
    )


def refresh_progress(conn: Connection, observation_id: str) -> float:
    """Write an observation's progress from its tasks as they are in this transaction.

    The observation's row is locked first (PostgreSQL), so two writers of its tasks compute
    one after the other and the later sees the earlier's task. Neither its version nor its
    ``updated_at`` changes: progress is not a transition.

    Returns:
        The progress written (0..1).
    """
    conn.execute(
        select(observations.c.id).where(observations.c.id == observation_id).with_for_update()
    )
    rows = conn.execute(
        select(tasks.c.status, tasks.c.progress).where(tasks.c.observation_id == observation_id)
    )
    progress = observation_progress((status, value) for status, value in rows)
    conn.execute(
        update(observations).where(observations.c.id == observation_id).values(progress=progress)
    )
    return progress


def update_task(
    conn: Connection,
    task_id: str,
    *,
    expected_version: int,
    from_status: str | None,
    to_status: str | None,
    actor: str,
    reason: str,
    at: datetime,
    updates: Mapping[str, object] | None,
) -> int:
    """Change a task still at ``expected_version`` (and ``from_status`` if given).

    A status change is recorded as a transition; a change of telescope or instrument is
    recorded in the assignment history. Claims cannot be made here (use :func:`claim_task`).

    Returns:
        The new version.

    Raises:
        NotFound: no such task.
        ConcurrencyConflict: its status or version is no longer the expected one.
        ValueError: ``to_status`` is ``running``, or an update names a protected column.
    """
    if to_status == "running":
        raise ValueError(f"task {task_id!r}: only claim_task may move a task to running")
    values = checked_updates(updates, TASK_UPDATABLE)
    current = conn.execute(
        select(
            tasks.c.status,
            tasks.c.version,
            tasks.c.telescope,
            tasks.c.instrument,
            tasks.c.observation_id,
        )
        .where(tasks.c.id == task_id)
        .with_for_update()
    ).one_or_none()
    if current is None:
        raise NotFound(f"no task with id {task_id!r}")
    status_ok = from_status is None or current.status == from_status
    if current.version != expected_version or not status_ok:
        raise conflict(conn, tasks, "task", task_id, expected_version, from_status)
    new_status = current.status if to_status is None else to_status
    values.update(status=new_status, version=expected_version + 1)
    if new_status in _UNCLAIMED:
        values.update(claimed_by=None, claimed_at=None)
    result = conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.version == expected_version)
        .values(values)
    )
    if result.rowcount != 1:  # pragma: no cover - the row lock makes this unreachable
        raise conflict(conn, tasks, "task", task_id, expected_version, from_status)
    if to_status is not None:
        _record_transition(conn, task_id, current.status, to_status, actor, reason, at)
        refresh_progress(conn, current.observation_id)
    to_telescope = values.get("telescope", current.telescope)
    to_instrument = values.get("instrument", current.instrument)
    if (to_telescope, to_instrument) != (current.telescope, current.instrument):
        conn.execute(
            insert(assignment_history).values(
                task_id=task_id,
                from_telescope=current.telescope,
                from_instrument=current.instrument,
                to_telescope=to_telescope,
                to_instrument=to_instrument,
                reason=reason,
                at=at,
            )
        )
    return expected_version + 1


def claim_task(conn: Connection, task_id: str, *, claimant: str, actor: str, at: datetime) -> int:
    """Atomically move an unclaimed ``scheduled`` task to ``running``, its progress 0.

    Returns:
        The new fencing token, greater than every token issued for this task before.

    Raises:
        NotFound: no such task.
        ClaimRejected: the task is not scheduled, or is claimed already.
    """
    claimed = conn.execute(
        update(tasks)
        .where(
            tasks.c.id == task_id,
            tasks.c.status == "scheduled",
            tasks.c.claimed_by.is_(None),
        )
        .values(
            status="running",
            fencing_token=tasks.c.fencing_token + 1,
            version=tasks.c.version + 1,
            claimed_by=claimant,
            claimed_at=at,
            progress=0.0,  # a new attempt: nothing reported yet
        )
        .returning(tasks.c.fencing_token, tasks.c.observation_id)
    ).one_or_none()
    if claimed is None:
        row = conn.execute(
            select(tasks.c.status, tasks.c.claimed_by).where(tasks.c.id == task_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no task with id {task_id!r}")
        holder = f", claimed by {row.claimed_by}" if row.claimed_by else ""
        raise ClaimRejected(
            f"task {task_id!r} cannot be claimed by {claimant}: it is {row.status}{holder}"
        )
    token, observation_id = claimed
    _record_transition(
        conn, task_id, "scheduled", "running", actor, f"claimed by {claimant} (token {token})", at
    )
    refresh_progress(conn, observation_id)
    return int(token)


def _stale(conn: Connection, task_id: str, token: int) -> Exception:
    row = conn.execute(
        select(tasks.c.status, tasks.c.fencing_token).where(tasks.c.id == task_id)
    ).one_or_none()
    if row is None:
        return NotFound(f"no task with id {task_id!r}")
    return ClaimRejected(
        f"task {task_id!r}: fencing token {token} is stale "
        f"(task is {row.status}, current token {row.fencing_token})"
    )


def end_run(
    conn: Connection,
    task_id: str,
    *,
    token: int,
    to_status: str,
    actor: str,
    reason: str,
    at: datetime,
    error: str | None = None,
) -> int:
    """End the run held under ``token``: completed, failed or back to pending; record it.

    The executor's fenced write: it succeeds only while the task is ``running`` under ``token``.

    Completed: progress 1, ``completed_at`` = ``at``. Failed: ``error`` (default ``reason``)
    and ``reason`` kept. Pending (re-queued): the claim cleared, ``attempts`` + 1, ``error``
    and ``reason`` kept.

    Returns:
        The new version.

    Raises:
        NotFound: no such task.
        ClaimRejected: the task is no longer running under this token.
        ValueError: ``to_status`` is not completed, failed or pending.
    """
    values: dict[str, Any]
    if to_status == "completed":
        values = {"progress": 1.0, "completed_at": at}
    elif to_status == "failed":
        values = {"error": error or reason, "reason": reason}
    elif to_status == "pending":
        values = {"error": error, "reason": reason, "attempts": tasks.c.attempts + 1}
    else:
        raise ValueError(
            f"task {task_id}: a run ends completed, failed or pending, not {to_status}"
        )
    values.update(status=to_status, version=tasks.c.version + 1)
    if to_status in _UNCLAIMED:
        values.update(claimed_by=None, claimed_at=None)
    moved = conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status == "running", tasks.c.fencing_token == token)
        .values(values)
        .returning(tasks.c.version, tasks.c.observation_id)
    ).one_or_none()
    if moved is None:
        raise _stale(conn, task_id, token)
    version, observation_id = moved
    _record_transition(conn, task_id, "running", to_status, actor, reason, at)
    refresh_progress(conn, observation_id)
    return int(version)


def report_progress(conn: Connection, task_id: str, *, token: int, progress: float) -> float:
    """Set a running task's progress (0..1) under its token; the version does not change.

    Returns:
        Its observation's progress, as now stored.

    Raises:
        NotFound: no such task.
        ClaimRejected: the task is no longer running under this token.
        ValueError: progress outside 0..1.
    """
    if not 0.0 <= progress <= 1.0:
        raise ValueError(f"progress {progress} is outside 0..1")
    observation_id = conn.execute(
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status == "running", tasks.c.fencing_token == token)
        .values(progress=progress)
        .returning(tasks.c.observation_id)
    ).scalar_one_or_none()
    if observation_id is None:
        raise _stale(conn, task_id, token)
    return refresh_progress(conn, str(observation_id))
