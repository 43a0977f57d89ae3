"""The Store's observation methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from astrotango.store import observations as obs_rows
from astrotango.store import tasks as task_sql
from astrotango.store._base import StoreBase
from astrotango.store.records import (
    NewObservation,
    ObservationRecord,
    TaskRecord,
    TransitionRecord,
    TransitionWrite,
)

__all__ = ["ObservationMethods"]


class ObservationMethods(StoreBase):
    """Adding, reading, listing and moving observations."""

    def add_observation(
        self,
        observation: ObservationRecord,
        tasks: Sequence[TaskRecord],
        transition: TransitionRecord | None = None,
    ) -> None:
        """Add an observation with all its tasks (and its creation transition) atomically.

        Raises:
            DuplicateId: the observation or a task id exists already or repeats; nothing stored.
            ValueError: a task belongs to another observation, or a datetime is naive.
        """
        self.add_observations([NewObservation(observation, tasks, transition)])

    def add_observations(self, batch: Sequence[NewObservation]) -> None:
        """Add many observations with their tasks in one transaction (bulk executemany).

        Raises:
            DuplicateId: any id exists already or repeats; nothing of the batch is stored.
        """
        with self._write() as conn:
            obs_rows.insert_observations(conn, batch)

    def get_observation(self, observation_id: str) -> ObservationRecord:
        """The observation with that id. Raises NotFound if there is none."""
        with self._read() as conn:
            return obs_rows.get_observation(conn, observation_id)

    def list_observations(
        self,
        *,
        status: str | Sequence[str] | None = None,
        queue: str | None = None,
        limit: int = 100,
        offset: int = 0,
        window_end_by: datetime | None = None,
        updated_by: datetime | None = None,
    ) -> list[ObservationRecord]:
        """Observations, oldest first, optionally of one status (or any of several), one queue.

        ``window_end_by`` keeps those whose window ends at or before it, ``updated_by``
        those last updated at or before it (the controller's checks read only those).
        """
        with self._read() as conn:
            return obs_rows.list_observations(
                conn,
                status=status,
                queue=queue,
                limit=limit,
                offset=offset,
                window_end_by=window_end_by,
                updated_by=updated_by,
            )

    def observation_progress(self, observation_id: str) -> float:
        """Its stored progress (0..1; 0 for an id not stored).

        The store writes it with every change of a task's status or progress, from
        :func:`astrotango.domain.progress.observation_progress`; this is the one number
        every reader shows.
        """
        return self.observations_progress([observation_id]).get(observation_id, 0.0)

    def observations_progress(self, observation_ids: Sequence[str]) -> dict[str, float]:
        """The stored progress of many observations in one read (ids not stored left out)."""
        with self._read() as conn:
            return obs_rows.progress_of(conn, observation_ids)

    def count_by_status(self) -> dict[str, int]:
        """The number of observations in each status."""
        with self._read() as conn:
            return obs_rows.count_by_status(conn)

    def transition_observation(
        self,
        observation_id: str,
        *,
        expected_version: int,
        from_status: str,
        to_status: str,
        actor: str,
        reason: str,
        at: datetime,
        updates: Mapping[str, object] | None = None,
    ) -> int:
        """Move an observation from ``from_status`` at ``expected_version``; record the change.

        ``updates`` sets other columns in the same UPDATE (e.g. ``cadence_next_eligible``,
        ``series_count``, ``progress``); ``updated_at`` becomes ``at``.

        Returns:
            The new version (``expected_version + 1``).

        Raises:
            NotFound: no such observation.
            ConcurrencyConflict: another writer moved it first (status or version differ).
            ValueError: ``updates`` names id, version, status, created_at or an unknown column.
        """
        with self._write() as conn:
            return obs_rows.transition_observation(
                conn,
                observation_id,
                expected_version=expected_version,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                reason=reason,
                at=at,
                updates=updates,
            )

    def transition_all(self, writes: Sequence[TransitionWrite]) -> None:
        """Apply several status changes (observations and tasks) in one transaction: all or none.

        Each is written as :meth:`transition_observation` or ``transition_task`` would, in
        order; an entity may appear more than once (each later write expecting the version
        the earlier one made). A write with a ``token`` is a run's end, fenced as
        :meth:`complete_task`, :meth:`fail_task` or :meth:`requeue_task` would write it.

        Raises:
            NotFound: an entity does not exist; nothing is written.
            ConcurrencyConflict: another writer moved one first; nothing is written.
            ClaimRejected: a run's token is stale; nothing is written.
            ValueError: a write names a protected column or moves a task to running.
        """
        with self._write() as conn:
            for w in writes:
                if w.token is not None:
                    error = (w.updates or {}).get("error")
                    task_sql.end_run(
                        conn,
                        w.entity_id,
                        token=w.token,
                        to_status=w.to_status,
                        actor=w.actor,
                        reason=w.reason,
                        at=w.at,
                        error=None if error is None else str(error),
                    )
                    continue
                write = (
                    obs_rows.transition_observation
                    if w.entity_kind == "observation"
                    else task_sql.update_task
                )
                write(
                    conn,
                    w.entity_id,
                    expected_version=w.expected_version,
                    from_status=w.from_status,
                    to_status=w.to_status,
                    actor=w.actor,
                    reason=w.reason,
                    at=w.at,
                    updates=w.updates,
                )
