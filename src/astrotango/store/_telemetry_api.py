"""The Store's asset, constraint-snapshot and series-history methods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from astrotango.store import telemetry
from astrotango.store._base import StoreBase
from astrotango.store.errors import DuplicateId
from astrotango.store.records import AssetRecord, SeriesRunRecord, SnapshotRecord

__all__ = ["TelemetryMethods"]

#: A writer that lost an insert race retries this often (the winner's rows are then read).
_RACE_ATTEMPTS = 3


class TelemetryMethods(StoreBase):
    """Assets with ``task_info``, constraint status snapshots, monitoring series runs."""

    def add_asset(self, asset: AssetRecord) -> None:
        """Record one produced file; recording the same asset again is a no-op.

        Raises:
            DuplicateId: the id is stored already as a different asset (see
                :meth:`add_assets`); nothing changes.
            NotFound: its observation or task does not exist.
        """
        self.add_assets([asset])

    def add_assets(self, batch: Sequence[AssetRecord]) -> int:
        """Record produced files in one transaction: all of them, or none.

        Idempotent: an asset already stored (every field equal but ``created_at``, whose
        first value stands) is skipped, so a run's assets recorded by two paths, or twice,
        are stored once. Concurrent writers of one batch are safe: a writer that lost the
        race for an id reads again and finds it stored.

        Returns:
            How many were new.

        Raises:
            DuplicateId: an id is stored (or repeated in ``batch``) as a different asset;
                nothing of the batch is stored.
            NotFound: an asset's observation or task does not exist; nothing is stored.
        """
        for attempt in range(_RACE_ATTEMPTS):
            try:
                with self._write() as conn:
                    return telemetry.add_assets(conn, batch)
            except telemetry.AssetRace:
                if attempt == _RACE_ATTEMPTS - 1:
                    raise DuplicateId(
                        "assets: concurrent writers kept inserting the same ids"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def assets_of_observation(self, observation_id: str) -> list[AssetRecord]:
        """The assets of an observation, oldest first."""
        with self._read() as conn:
            return telemetry.assets_where(conn, observation_id=observation_id)

    def assets_of_task(self, task_id: str) -> list[AssetRecord]:
        """The assets a task produced, oldest first."""
        with self._read() as conn:
            return telemetry.assets_where(conn, task_id=task_id)

    def add_snapshot(self, snapshot: SnapshotRecord) -> int:
        """Append one constraint (or interlock) evaluation to its time series; returns its id."""
        with self._write() as conn:
            return telemetry.add_snapshot(conn, snapshot)

    def snapshots(
        self,
        constraint_name: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        limit: int | None = None,
    ) -> list[SnapshotRecord]:
        """A constraint's snapshots with ``since <= timestamp < until``, oldest first."""
        with self._read() as conn:
            return telemetry.snapshots_of(conn, constraint_name, since, until, limit)

    def latest_snapshot(self, constraint_name: str) -> SnapshotRecord | None:
        """The newest snapshot of a constraint, or None if it was never evaluated."""
        with self._read() as conn:
            return telemetry.latest_snapshot(conn, constraint_name)

    def add_series_run(self, run: SeriesRunRecord) -> None:
        """Record one run of a monitoring series.

        Raises:
            DuplicateId: that run number is already recorded.
            NotFound: no such observation.
        """
        with self._write() as conn:
            telemetry.add_series_run(conn, run)

    def series_history(self, observation_id: str) -> list[SeriesRunRecord]:
        """The runs of a monitoring series, in run order."""
        with self._read() as conn:
            return telemetry.series_of(conn, observation_id)
