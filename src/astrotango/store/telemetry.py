"""Assets, constraint status snapshots (a time series) and the monitoring series history.

Recording assets is idempotent: a run's assets may be recorded by two paths (its follower
and the reconciler, or a re-run listing the earlier attempt's files again), so the same
asset twice is one asset, and a batch is stored whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

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

_IN_CHUNK = 500
"""Ids per ``IN (...)`` read (SQLite's bound-parameter limit is far above)."""

__all__ = [
    "AssetRace",
    "add_assets",
    "add_series_run",
    "add_snapshot",
    "assets_where",
    "latest_snapshot",
    "same_asset",
    "series_of",
    "snapshots_of",
]


class AssetRace(Exception):
    """Another transaction inserted one of the assets between our read and our insert."""


def add_assets(conn: Connection, items: Sequence[AssetRecord]) -> int:
    """Insert the assets not stored yet, in this transaction; the same asset again is a no-op.

    "The same" is every field but ``created_at`` (when it was registered: the first stands).

    Returns:
        How many were inserted.

    Raises:
        DuplicateId: an id is stored (or listed earlier in ``items``) as a different asset.
        NotFound: an asset's observation or task does not exist.
        AssetRace: a concurrent writer inserted one of them first (read again and retry).
    """
    batch: dict[str, AssetRecord] = {}
    for asset in items:
        first = batch.setdefault(asset.id, asset)
        if not same_asset(first, asset):
            raise DuplicateId(f"asset {asset.id!r} is listed twice as different assets")
    stored = _assets_by_id(conn, list(batch))
    for asset_id, known in stored.items():
        if not same_asset(known, batch[asset_id]):
            raise DuplicateId(
                f"asset {asset_id!r} is already stored as a different asset "
                f"(task {known.task_id!r}, kind {known.kind!r}, partial {known.partial})"
            )
    rows = [values_of(a) for asset_id, a in batch.items() if asset_id not in stored]
    if not rows:
        return 0
    try:
        conn.execute(insert(assets), rows)
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise AssetRace(str(exc.orig)) from exc
        if is_foreign_key_violation(exc):
            raise NotFound(
                "; ".join(
                    f"asset {r['id']!r}: no observation {r['observation_id']!r} "
                    f"or no task {r['task_id']!r}"
                    for r in rows[:5]
                )
            ) from exc
        raise
    return len(rows)


def same_asset(one: AssetRecord, other: AssetRecord) -> bool:
    """Whether two records describe one asset: every field but ``created_at`` equal."""
    return (one.id, one.observation_id, one.task_id, one.kind, bool(one.partial)) == (
        other.id,
        other.observation_id,
        other.task_id,
        other.kind,
        bool(other.partial),
    ) and (_as_stored(one.metadata), _as_stored(one.task_info)) == (
        _as_stored(other.metadata),
        _as_stored(other.task_info),
    )


def _as_stored(value: Mapping[str, Any]) -> Any:
    """A JSON column's value as it reads back (tuples become lists, keys strings)."""
    return json.loads(json.dumps(dict(value), sort_keys=True, default=str))


def _assets_by_id(conn: Connection, asset_ids: Sequence[str]) -> dict[str, AssetRecord]:
    found: dict[str, AssetRecord] = {}
    for start in range(0, len(asset_ids), _IN_CHUNK):
        chunk = asset_ids[start : start + _IN_CHUNK]
        stmt = select_records(AssetRecord).where(assets.c.id.in_(chunk))
        found.update((a.id, a) for a in rebuild(AssetRecord, conn.execute(stmt)))
    return found


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
