"""What the lifecycle writes down: transitions, assignment changes; and resubmission."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from astrotango.domain.base import UtcDatetime
from astrotango.domain.lifecycle import (
    Actor,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.domain.observation import Observation, Window, parse_observation
from astrotango.domain.settings import FixedTimeTiming

__all__ = [
    "AssignmentChange",
    "EntityKind",
    "Transition",
    "resubmit",
    "transition_observation",
    "transition_task",
]


class EntityKind(StrEnum):
    """What a transition moved."""

    OBSERVATION = "observation"
    TASK = "task"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Transition(_Record):
    """One recorded lifecycle change (the store keeps them all; ``lastTransition`` shows one)."""

    entity: EntityKind
    entity_id: str = Field(min_length=1)
    from_state: str
    to_state: str
    actor: Actor
    reason: str = ""
    at: UtcDatetime


class AssignmentChange(_Record):
    """A task moved between telescopes or instruments (ObservationTaskAssignmentHistory)."""

    task_id: str = Field(min_length=1)
    from_telescope: str | None
    from_instrument: str | None = None
    to_telescope: str | None
    to_instrument: str | None = None
    reason: str = ""
    at: UtcDatetime

    @model_validator(mode="after")
    def _is_a_change(self) -> Self:
        before = (self.from_telescope, self.from_instrument)
        if before == (self.to_telescope, self.to_instrument):
            raise ValueError("an assignment change must change the telescope or instrument")
        return self


def transition_observation(
    observation_id: str,
    from_status: ObservationStatus | str,
    to_status: ObservationStatus | str,
    actor: Actor | str,
    *,
    at: datetime,
    reason: str = "",
    monitoring_reset_allowed: bool = False,
) -> Transition:
    """Check an observation edge and return the record to store with the new status.

    Raises:
        IllegalTransition: the table does not allow it for that actor.
    """
    check_observation_transition(
        from_status, to_status, actor, monitoring_reset_allowed=monitoring_reset_allowed
    )
    return Transition(
        entity=EntityKind.OBSERVATION,
        entity_id=observation_id,
        from_state=ObservationStatus(from_status).value,
        to_state=ObservationStatus(to_status).value,
        actor=Actor(actor),
        reason=reason,
        at=at,
    )


def transition_task(
    task_id: str,
    from_state: TaskState | str,
    to_state: TaskState | str,
    actor: Actor | str,
    *,
    at: datetime,
    reason: str = "",
    monitoring_reset_allowed: bool = False,
) -> Transition:
    """Check a task edge and return the record to store with the new state.

    Raises:
        IllegalTransition: the table does not allow it for that actor.
    """
    check_task_transition(
        from_state, to_state, actor, monitoring_reset_allowed=monitoring_reset_allowed
    )
    return Transition(
        entity=EntityKind.TASK,
        entity_id=task_id,
        from_state=TaskState(from_state).value,
        to_state=TaskState(to_state).value,
        actor=Actor(actor),
        reason=reason,
        at=at,
    )


def resubmit(
    observation: Observation, *, window: Window | None = None, name: str | None = None
) -> Observation:
    """A new observation document with the same settings (mission/001, "Resubmitting").

    The caller gives it a new id (e.g. ``make_observation_id`` with the resubmission time) and
    stores it as ``pending``.

    Args:
        observation: the document to repeat.
        window: a new window (the old one has usually passed); by default the same one.
            ``cancel_on``, ``monitoring.end`` and fixed-time starts move with it.
        name: a new name; by default the same one.

    Returns:
        The new, validated document.

    Raises:
        ValidationError: the new window makes the document inconsistent (e.g. a fixed-time
            start outside it).
    """
    document = observation.to_document()
    if window is not None:
        shift = window.start - observation.window.start
        document["window"] = window.model_dump(mode="json")
        if observation.cancel_on is not None:
            document["cancel_on"] = (observation.cancel_on + shift).isoformat()
        if observation.monitoring is not None and observation.monitoring.end is not None:
            document["monitoring"]["end"] = (observation.monitoring.end + shift).isoformat()
        for index, request in enumerate(observation.requests):
            if isinstance(request.timing, FixedTimeTiming):
                start_at = request.timing.start_at + shift
                document["requests"][index]["timing"]["start_at"] = start_at.isoformat()
    if name is not None:
        document["name"] = name
    return parse_observation(document)
