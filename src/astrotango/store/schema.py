"""The store's schema in SQLAlchemy Core; the migrations (0001..0003) create exactly this.

Timestamps are :class:`UtcDateTime`: aware datetimes in, aware UTC datetimes out. PostgreSQL
stores them as ``timestamptz``; SQLite as ISO text in UTC, so that text order is time order
and window queries can use the indexes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.types import TypeEngine

from astrotango.store.records import OBSERVATION_STATUSES, TASK_STATUSES

__all__ = [
    "UtcDateTime",
    "assets",
    "assignment_history",
    "constraint_snapshots",
    "interlock_latches",
    "metadata",
    "observations",
    "series_history",
    "tasks",
    "transitions",
]

ID = String(200)
"""Ids are readable strings (task ids embed the observation id and the task's position)."""
NAME = String(200)
STATUS = String(32)


_SQLITE_UTC_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d+00:00"
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; naive datetimes are refused with ValueError.

    Reading costs no Python call per value (it matters for 50,000-row queries): SQLite text
    carries its ``+00:00`` so SQLAlchemy's C ``fromisoformat`` returns aware UTC datetimes,
    and PostgreSQL sessions run with ``TIME ZONE 'UTC'`` (see the engine).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """SQLite: fixed-width ISO text in UTC with its offset, so text order is time order."""
        if dialect.name == "sqlite":
            utc_text = sqlite.DATETIME(storage_format=_SQLITE_UTC_FORMAT)  # type: ignore[no-untyped-call]
            return dialect.type_descriptor(utc_text)
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store needs timezone-aware times")
        return value.astimezone(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

observations = Table(
    "observations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", NAME, nullable=False),
    Column("owner", NAME, nullable=False),
    Column("queue", NAME, nullable=False),
    Column("status", STATUS, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("window_start", UtcDateTime, nullable=False),
    Column("window_end", UtcDateTime, nullable=False),
    Column("cancel_on", UtcDateTime, nullable=True),
    Column("is_monitoring", Boolean, nullable=False),
    Column("cadence_next_eligible", UtcDateTime, nullable=True),
    Column("series_count", Integer, nullable=False),
    Column("progress", Float, nullable=False),
    Column("stale_flag", Boolean, nullable=False),
    Column("warned_at", UtcDateTime, nullable=True),
    CheckConstraint(_one_of("status", OBSERVATION_STATUSES), name="status"),
    CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
    Index("ix_observations_status_created", "status", "created_at"),
    Index("ix_observations_queue_status", "queue", "status"),
    Index("ix_observations_window", "window_start", "window_end"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", ID, primary_key=True),
    Column("observation_id", ID, ForeignKey("observations.id"), nullable=False),
    Column("request_index", Integer, nullable=False),
    Column("type", STATUS, nullable=False),
    Column("status", STATUS, nullable=False),
    Column("telescope", NAME, nullable=True),
    Column("instrument", NAME, nullable=True),
    Column("sync_group", ID, nullable=True),
    Column("planned_start", UtcDateTime, nullable=True),
    Column("window_start", UtcDateTime, nullable=False),
    Column("window_end", UtcDateTime, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("spec", Text, nullable=False),
    Column("progress", Float, nullable=False),
    Column("version", Integer, nullable=False),
    Column("fencing_token", Integer, nullable=False),
    Column("claimed_by", NAME, nullable=True),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("reason", Text, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    CheckConstraint(_one_of("status", TASK_STATUSES), name="status"),
    CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
    Index("ix_tasks_observation_id", "observation_id"),
    Index("ix_tasks_status_window", "status", "window_start", "id"),
    Index("ix_tasks_telescope_status", "telescope", "status"),
    Index("ix_tasks_window", "window_start", "window_end"),
    Index("ix_tasks_sync_group", "sync_group"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_kind", STATUS, nullable=False),
    Column("entity_id", ID, nullable=False),
    Column("from_status", STATUS, nullable=True),
    Column("to_status", STATUS, nullable=False),
    Column("actor", NAME, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("entity_kind", ("observation", "task")), name="entity_kind"),
    Index("ix_transitions_entity", "entity_id", "id"),
)

assignment_history = Table(
    "assignment_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", ID, ForeignKey("tasks.id"), nullable=False),
    Column("from_telescope", NAME, nullable=True),
    Column("from_instrument", NAME, nullable=True),
    Column("to_telescope", NAME, nullable=True),
    Column("to_instrument", NAME, nullable=True),
    Column("reason", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_assignment_history_task", "task_id", "id"),
)

assets = Table(
    "assets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("observation_id", ID, ForeignKey("observations.id"), nullable=False),
    Column("task_id", ID, ForeignKey("tasks.id"), nullable=True),
    Column("kind", NAME, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("partial", Boolean, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("task_info", JSON, nullable=False),
    Index("ix_assets_observation", "observation_id", "created_at"),
    Index("ix_assets_task", "task_id", "created_at"),
)

constraint_snapshots = Table(
    "constraint_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("constraint_name", NAME, nullable=False),
    Column("timestamp", UtcDateTime, nullable=False),
    Column("is_ok", Boolean, nullable=False),
    Column("value", Float, nullable=True),
    Column("data", JSON, nullable=False),
    Index("ix_constraint_snapshots_series", "constraint_name", "timestamp"),
)

series_history = Table(
    "series_history",
    metadata,
    Column("observation_id", ID, ForeignKey("observations.id"), primary_key=True),
    Column("run", Integer, primary_key=True),
    Column("outcome", STATUS, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("next_eligible", UtcDateTime, nullable=True),
    # What the run achieved (0003): why it failed, and its tasks completed of its tasks.
    Column("reason", Text, nullable=False, server_default=""),
    Column("tasks_completed", Integer, nullable=False, server_default="0"),
    Column("tasks", Integer, nullable=False, server_default="0"),
)

interlock_latches = Table(
    "interlock_latches",
    metadata,
    Column("name", NAME, primary_key=True),
    Column("fired", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("fired_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)
"""One row per shutdown interlock: its fired latch, which a crash must not forget (0002)."""
