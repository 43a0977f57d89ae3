"""Assets, constraint status snapshots (a time series) and the monitoring series history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert
from sqlalchemy.exc import IntegrityError

from astrotango.store.errors import DuplicateId, NotFound
from astrotango.store.records import AssetRecord, SeriesRunRecord, SnapshotRecord
from astrotango.store.rows import (
    is_foreign_key_violation,
    is_unique_violation,
    rebuild,
    select_records,
    values_of,
)
from astrotango.store.schema import assets, constraint_snapshots, series_history

__all__ = [
    "add_asset",
    "add_series_run",
    "add_snapshot",
    "assets_where",
    "latest_snapshot",
    "series_of",
    "snapshots_of",
]


def add_asset(conn: Connection, asset: AssetRecord) -> None:
    """Insert one asset.

    Raises:
        DuplicateId: the asset id is already stored.
        NotFound: its observation or task does not exist.
    """
    try:
        conn.execute(insert(assets).values(values_of(asset)))
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise DuplicateId(f"asset {asset.id!r} is already stored") from exc
        if is_foreign_key_violation(exc):
            raise NotFound(
                f"asset {asset.id!r}: no observation {asset.observation_id!r} "
                f"or no task {asset.task_id!r}"
            ) from exc
        raise


def assets_where(
    conn: Connection, *, observation_id: str | None = None, task_id: str | None = None
) -> list[AssetRecord]:
    """Assets of an observation or of a task, oldest first."""
    stmt = select_records(AssetRecord)
    if observation_id is not None:
        stmt = stmt.where(assets.c.observation_id == observation_id)
    if task_id is not None:
        stmt = stmt.where(assets.c.task_id == task_id)
    return rebuild(AssetRecord, conn.execute(stmt.order_by(assets.c.created_at, assets.c.id)))


def add_snapshot(conn: Connection, snapshot: SnapshotRecord) -> int:
    """Insert one constraint snapshot; returns its id."""
    result = conn.execute(
        insert(constraint_snapshots)
        .values(values_of(snapshot, skip_none_id=True))
        .returning(constraint_snapshots.c.id)
    )
    return int(result.scalar_one())


def snapshots_of(
    conn: Connection,
    constraint_name: str,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
) -> list[SnapshotRecord]:
    """A constraint's snapshots with ``since <= timestamp < until``, oldest first."""
    c = constraint_snapshots.c
    stmt = select_records(SnapshotRecord).where(c.constraint_name == constraint_name)
    if since is not None:
        stmt = stmt.where(c.timestamp >= since)
    if until is not None:
        stmt = stmt.where(c.timestamp < until)
    stmt = stmt.order_by(c.timestamp, c.id).limit(limit)
    return rebuild(SnapshotRecord, conn.execute(stmt))


def latest_snapshot(conn: Connection, constraint_name: str) -> SnapshotRecord | None:
    """The newest snapshot of a constraint, or None if it was never evaluated."""
    c = constraint_snapshots.c
    row = conn.execute(
        select_records(SnapshotRecord)
        .where(c.constraint_name == constraint_name)
        .order_by(c.timestamp.desc(), c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else SnapshotRecord(*row)


def add_series_run(conn: Connection, run: SeriesRunRecord) -> None:
    """Record one run of a monitoring series.

    Raises:
        DuplicateId: that run number is already recorded for the observation.
        NotFound: no such observation.
    """
    try:
        conn.execute(insert(series_history).values(values_of(run)))
    except IntegrityError as exc:
        if is_foreign_key_violation(exc):
            raise NotFound(f"no observation with id {run.observation_id!r}") from exc
        if is_unique_violation(exc):
            raise DuplicateId(
                f"series run {run.run} of observation {run.observation_id!r} is already recorded"
            ) from exc
        raise


def series_of(conn: Connection, observation_id: str) -> list[SeriesRunRecord]:
    """The runs of a monitoring series, in run order."""
    stmt = (
        select_records(SeriesRunRecord)
        .where(series_history.c.observation_id == observation_id)
        .order_by(series_history.c.run)
    )
    return rebuild(SeriesRunRecord, conn.execute(stmt))
