"""Domain models to store records and back: the one place the two meet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from astrotango.domain import Observation, ObservationStatus, TaskSpec, TaskState
from astrotango.domain.decisions import TaskView
from astrotango.store import ObservationRecord, TaskRecord

__all__ = ["observation_record", "task_record", "task_spec", "task_views"]


def observation_record(
    observation: Observation, observation_id: str, *, at: datetime
) -> ObservationRecord:
    """The row of a newly submitted observation (status ``pending``)."""
    return ObservationRecord(
        id=observation_id,
        name=observation.name,
        owner=observation.owner,
        queue=observation.queue,
        status=ObservationStatus.PENDING.value,
        priority=observation.priority,
        document=observation.model_dump_json(),
        created_at=at,
        updated_at=at,
        window_start=observation.window.start,
        window_end=observation.window.end,
        cancel_on=observation.cancel_on,
        is_monitoring=observation.monitoring is not None,
    )


def task_record(spec: TaskSpec) -> TaskRecord:
    """The row of a newly expanded task (status ``pending``); ``spec`` keeps the whole task."""
    return TaskRecord(
        id=spec.id,
        observation_id=spec.observation_id,
        request_index=spec.request_index,
        type=spec.type.value,
        status=TaskState.PENDING.value,
        window_start=spec.window.start,
        window_end=spec.window.end,
        duration_s=spec.duration_s,
        spec=spec.model_dump_json(),
        sync_group=spec.sync_group,
    )


def task_spec(record: TaskRecord) -> TaskSpec:
    """The task a stored row describes."""
    return TaskSpec.model_validate_json(record.spec)


def task_views(records: Iterable[TaskRecord]) -> list[TaskView]:
    """What the domain's decisions read of each task row."""
    return [
        TaskView(
            id=r.id,
            status=TaskState(r.status),
            window_start=r.window_start,
            duration_s=r.duration_s,
            planned_start=r.planned_start,
            claimed_at=r.claimed_at,
            completed_at=r.completed_at,
        )
        for r in records
    ]
