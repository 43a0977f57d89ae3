"""Conversions between records and rows, and the store's error translation helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, Result, Select, Table, select
from sqlalchemy.exc import IntegrityError

from astrotango.store.errors import ConcurrencyConflict, NotFound
from astrotango.store.records import (
    AssetRecord,
    AssignmentRecord,
    InterlockLatchRecord,
    ObservationRecord,
    SeriesRunRecord,
    SnapshotRecord,
    TaskRecord,
    TransitionRecord,
    field_names,
)
from astrotango.store.schema import (
    assets,
    assignment_history,
    constraint_snapshots,
    interlock_latches,
    observations,
    series_history,
    tasks,
    transitions,
)

R = TypeVar("R")

__all__ = [
    "OBSERVATION_FIELDS",
    "TASK_FIELDS",
    "checked_updates",
    "columns",
    "conflict",
    "is_foreign_key_violation",
    "is_unique_violation",
    "rebuild",
    "repeated",
    "select_records",
    "values_of",
]

OBSERVATION_FIELDS = field_names(ObservationRecord)
TASK_FIELDS = field_names(TaskRecord)

_TABLE_OF: dict[type[Any], Table] = {
    ObservationRecord: observations,
    TaskRecord: tasks,
    TransitionRecord: transitions,
    AssignmentRecord: assignment_history,
    AssetRecord: assets,
    SnapshotRecord: constraint_snapshots,
    SeriesRunRecord: series_history,
    InterlockLatchRecord: interlock_latches,
}


def columns(record_type: type[Any]) -> list[Column[Any]]:
    """The table columns of a record type, in the record's field order."""
    table = _TABLE_OF[record_type]
    return [table.c[name] for name in field_names(record_type)]


def select_records(record_type: type[Any]) -> Select[Any]:
    """A SELECT of the record's columns in field order, so ``record_type(*row)`` rebuilds it."""
    return select(*columns(record_type))


def values_of(record: Any, *, skip_none_id: bool = False) -> dict[str, Any]:
    """The column values of a record (``id`` left to the database when None and asked)."""
    values = {name: getattr(record, name) for name in field_names(type(record))}
    if skip_none_id and values.get("id") is None:
        del values["id"]
    if isinstance(record, AssetRecord | SnapshotRecord):
        for name in ("metadata", "task_info", "data"):
            if name in values:
                values[name] = dict(values[name])
    return values


def rebuild(record_type: Callable[..., R], result: Result[Any]) -> list[R]:
    """Records from a result selected with :func:`select_records` (fetched in one call)."""
    return [record_type(*row) for row in result.all()]


def checked_updates(updates: Mapping[str, object] | None, allowed: Iterable[str]) -> dict[str, Any]:
    """Extra column values for a transition; unknown or protected names raise ValueError."""
    if not updates:
        return {}
    refused = sorted(set(updates) - set(allowed))
    if refused:
        raise ValueError(f"these columns cannot be set by a transition: {', '.join(refused)}")
    return dict(updates)


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is a duplicate key (SQLite or PostgreSQL)."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(orig)


def is_foreign_key_violation(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is a reference to a missing row (SQLite or PostgreSQL)."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23503":
        return True
    return "FOREIGN KEY constraint failed" in str(orig)


def repeated(ids: Sequence[str]) -> list[str]:
    """The ids that occur more than once, in first-repeat order."""
    seen: set[str] = set()
    dupes: list[str] = []
    for item in ids:
        if item in seen and item not in dupes:
            dupes.append(item)
        seen.add(item)
    return dupes


def conflict(
    conn: Connection,
    table: Table,
    kind: str,
    entity_id: str,
    expected_version: int,
    expected_status: str | None,
) -> Exception:
    """The error for a conditional UPDATE that matched no row: NotFound or ConcurrencyConflict."""
    row = conn.execute(
        select(table.c.status, table.c.version).where(table.c.id == entity_id)
    ).one_or_none()
    if row is None:
        return NotFound(f"no {kind} with id {entity_id!r}")
    expected = f"{expected_status} at version {expected_version}"
    if expected_status is None:
        expected = f"version {expected_version}"
    return ConcurrencyConflict(
        f"{kind} {entity_id!r} is {row.status} at version {row.version}; "
        f"the writer expected {expected}"
    )
