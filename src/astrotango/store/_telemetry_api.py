"""The Store's asset, constraint-snapshot and series-history methods."""

from __future__ import annotations

from datetime import datetime

from astrotango.store import telemetry
from astrotango.store._base import StoreBase
from astrotango.store.records import AssetRecord, SeriesRunRecord, SnapshotRecord

__all__ = ["TelemetryMethods"]


class TelemetryMethods(StoreBase):
    """Assets with ``task_info``, constraint status snapshots, monitoring series runs."""

    def add_asset(self, asset: AssetRecord) -> None:
        """Store one produced file's record.

        Raises:
            DuplicateId: the asset id is already stored.
            NotFound: its observation or task does not exist.
        """
        with self._write() as conn:
            telemetry.add_asset(conn, asset)

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
