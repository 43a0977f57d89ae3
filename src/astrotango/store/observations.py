"""Observation rows: atomic insertion with tasks, optimistic transitions, queries.

Every function takes a Connection inside a transaction that the caller (the Store) owns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from astrotango.domain.progress import observation_progress
from astrotango.store.errors import DuplicateId, NotFound
from astrotango.store.records import NewObservation, ObservationRecord
from astrotango.store.rows import (
    OBSERVATION_FIELDS,
    checked_updates,
    conflict,
    is_unique_violation,
    rebuild,
    repeated,
    select_records,
    values_of,
)
from astrotango.store.schema import observations, tasks, transitions

__all__ = [
    "OBSERVATION_UPDATABLE",
    "count_by_status",
    "get_observation",
    "insert_observations",
    "list_observations",
    "progress_of",
    "transition_observation",
]

OBSERVATION_UPDATABLE = frozenset(OBSERVATION_FIELDS) - {"id", "version", "status", "created_at"}
"""Columns a transition may set besides status, version and updated_at."""


def insert_observations(conn: Connection, items: Sequence[NewObservation]) -> None:
    """Insert observations, their tasks and creation transitions (executemany per table).

    Each observation's ``progress`` is computed from its tasks (whatever its record says).

    Raises:
        DuplicateId: an observation or task id is already stored or repeated in ``items``.
        ValueError: a task names another observation, or a datetime is naive.
    """
    obs_rows: list[dict[str, Any]] = []
    task_rows: list[dict[str, Any]] = []
    transition_rows: list[dict[str, Any]] = []
    for item in items:
        obs = item.observation
        progress = observation_progress((t.status, t.progress) for t in item.tasks)
        obs_rows.append({**values_of(obs), "progress": progress})
        for task in item.tasks:
            if task.observation_id != obs.id:
                raise ValueError(
                    f"task {task.id!r} belongs to {task.observation_id!r}, not {obs.id!r}"
                )
            task_rows.append(values_of(task))
        if item.transition is not None:
            transition_rows.append(values_of(item.transition, skip_none_id=True))
    try:
        if obs_rows:
            conn.execute(insert(observations), obs_rows)
        if task_rows:
            conn.execute(insert(tasks), task_rows)
        if transition_rows:
            conn.execute(insert(transitions), transition_rows)
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise DuplicateId(_describe_duplicates(items, exc)) from exc


def _describe_duplicates(items: Sequence[NewObservation], exc: IntegrityError) -> str:
    obs_dupes = repeated([item.observation.id for item in items])
    if obs_dupes:
        return f"observation id repeated in the batch: {', '.join(obs_dupes)}"
    task_dupes = repeated([task.id for item in items for task in item.tasks])
    if task_dupes:
        return f"task id repeated in the batch: {', '.join(task_dupes[:5])}"
    first = items[0].observation.id if len(items) == 1 else f"{len(items)} observations"
    return f"adding {first}: an id is already stored ({str(exc.orig).splitlines()[0]})"


def get_observation(conn: Connection, observation_id: str) -> ObservationRecord:
    """The observation with that id.

    Raises:
        NotFound: no such observation.
    """
    row = conn.execute(
        select_records(ObservationRecord).where(observations.c.id == observation_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no observation with id {observation_id!r}")
    return ObservationRecord(*row)


def list_observations(
    conn: Connection,
    *,
    status: str | Sequence[str] | None,
    queue: str | None,
    limit: int,
    offset: int,
    window_end_by: datetime | None = None,
    updated_by: datetime | None = None,
) -> list[ObservationRecord]:
    """Observations filtered by status, queue, window end and last update, oldest first."""
    stmt = select_records(ObservationRecord)
    if isinstance(status, str):
        stmt = stmt.where(observations.c.status == status)
    elif status is not None:
        stmt = stmt.where(observations.c.status.in_(list(status)))
    if queue is not None:
        stmt = stmt.where(observations.c.queue == queue)
    if window_end_by is not None:
        stmt = stmt.where(observations.c.window_end <= window_end_by)
    if updated_by is not None:
        stmt = stmt.where(observations.c.updated_at <= updated_by)
    stmt = stmt.order_by(observations.c.created_at, observations.c.id).limit(limit).offset(offset)
    return rebuild(ObservationRecord, conn.execute(stmt))


def progress_of(conn: Connection, observation_ids: Sequence[str]) -> dict[str, float]:
    """The stored progress of those observations (ids not stored are left out)."""
    if not observation_ids:
        return {}
    stmt = select(observations.c.id, observations.c.progress).where(
        observations.c.id.in_(list(observation_ids))
    )
    return {id_: float(progress) for id_, progress in conn.execute(stmt)}


def count_by_status(conn: Connection) -> dict[str, int]:
    """How many observations are in each status (absent statuses are omitted)."""
    stmt = select(observations.c.status, func.count()).group_by(observations.c.status)
    return {status: count for status, count in conn.execute(stmt)}


def transition_observation(
    conn: Connection,
    observation_id: str,
    *,
    expected_version: int,
    from_status: str,
    to_status: str,
    actor: str,
    reason: str,
    at: datetime,
    updates: Mapping[str, object] | None,
) -> int:
    """Move an observation if it is still at (from_status, expected_version); record it.

    Returns:
        The new version.

    Raises:
        NotFound: no such observation.
        ConcurrencyConflict: its status or version is no longer the expected one.
    """
    values = checked_updates(updates, OBSERVATION_UPDATABLE)
    values.update(status=to_status, version=expected_version + 1, updated_at=at)
    result = conn.execute(
        update(observations)
        .where(
            observations.c.id == observation_id,
            observations.c.version == expected_version,
            observations.c.status == from_status,
        )
        .values(values)
    )
    if result.rowcount != 1:
        raise conflict(
            conn, observations, "observation", observation_id, expected_version, from_status
        )
    conn.execute(
        insert(transitions).values(
            entity_kind="observation",
            entity_id=observation_id,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            reason=reason,
            at=at,
        )
    )
    return expected_version + 1
