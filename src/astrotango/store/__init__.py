"""The durable store: observations, tasks, history, assets, snapshots, interlock latches.

SQLAlchemy Core with Alembic migrations shipped in the package; SQLite (WAL, one file) by
default, PostgreSQL selected by URL. Plain typed records cross its boundary (the domain's
pydantic models stay in :mod:`astrotango.domain`). Never imports tango.

Usage::

    store = open_store("sqlite:///run/astrotango.db")
    store.add_observation(observation_record, task_records, creation_transition)
    token = store.claim_task(task_id, claimant="executor@tel1", at=now)
    store.complete_task(task_id, token=token, at=later)
"""

from __future__ import annotations

from astrotango.store.errors import (
    ClaimRejected,
    ConcurrencyConflict,
    Conflict,
    DuplicateId,
    NotFound,
)
from astrotango.store.records import (
    OBSERVATION_STATUSES,
    TASK_STATUSES,
    AssetRecord,
    AssignmentRecord,
    EntityKind,
    InterlockLatchRecord,
    NewObservation,
    ObservationRecord,
    PendingTask,
    SeriesRunRecord,
    SnapshotRecord,
    TaskRecord,
    TransitionRecord,
    TransitionWrite,
)
from astrotango.store.repository import Store, default_store_url, open_store

__all__ = [
    "OBSERVATION_STATUSES",
    "TASK_STATUSES",
    "AssetRecord",
    "AssignmentRecord",
    "ClaimRejected",
    "ConcurrencyConflict",
    "Conflict",
    "DuplicateId",
    "EntityKind",
    "InterlockLatchRecord",
    "NewObservation",
    "NotFound",
    "ObservationRecord",
    "PendingTask",
    "SeriesRunRecord",
    "SnapshotRecord",
    "Store",
    "TaskRecord",
    "TransitionRecord",
    "TransitionWrite",
    "default_store_url",
    "open_store",
]
