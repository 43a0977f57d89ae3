"""Submission: validate, check the queue's policy, expand, store — all or nothing.

The ObservationController's ``SubmitObservation`` hands its argument here. A bad document or
one its queue's policy refuses raises a domain error naming the field, before anything is
written; a good one is stored with every task and its creation transition in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any, Protocol

from astrotango.clock import Clock
from astrotango.control.observation.records import observation_record, task_record
from astrotango.domain import (
    DEFAULT_POLICIES,
    DEFAULT_QUEUES,
    Actor,
    FieldError,
    Observation,
    ObservationStatus,
    ObservingPolicy,
    Overheads,
    Queue,
    Request,
    RequestSetup,
    TaskSpec,
    Unobservable,
    expand_observation,
    make_observation_id,
    parse_observation,
    policy_for_queue,
    validate_against_policy,
)
from astrotango.store import Store, TransitionRecord

__all__ = ["ObservationIntake", "PlanningModel"]


class PlanningModel(Protocol):
    """What the intake asks of the telescopes before it stores an observation.

    See :class:`astrotango.control.scheduler.submission.SubmissionCheck`.
    """

    def setup(self, request: Request) -> RequestSetup:
        """The field of view to tile the request with and the overheads to estimate it."""
        ...

    def refusals(
        self, observation: Observation, tasks: Sequence[TaskSpec], now: datetime
    ) -> list[FieldError]:
        """The requests no telescope that can take them can observe inside the window."""
        ...


class ObservationIntake:
    """Turns submitted documents into stored observations and tasks.

    Args:
        store: Where observations and tasks are kept.
        clock: Submission time source.
        policies: Observing policies by name.
        queues: Queues by name, each naming its policy.
        fov_deg: Field of view used to tile large optical fields, degrees, when
            ``planning`` does not say.
        overheads: Slew, settle and readout costs added to task durations.
        planning: The telescopes' answers: the field of view each request is tiled with,
            the overheads its estimate uses, and which requests are never observable
            (refused, naming the request).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        policies: Mapping[str, ObservingPolicy] = DEFAULT_POLICIES,
        queues: Mapping[str, Queue] = DEFAULT_QUEUES,
        fov_deg: float = 1.0,
        overheads: Overheads | None = None,
        planning: PlanningModel | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._policies = policies
        self._queues = queues
        self._fov_deg = fov_deg
        self._overheads = overheads
        self._planning = planning

    def warm_up(self) -> None:
        """Answer one visibility question now, storing nothing.

        The astronomy's first use in a process (frames, ephemerides, tables) costs about a
        second, several on a loaded machine: paid by the first submission it would exceed a
        client's default 3 s timeout. The controller pays it while it starts instead. The
        question is the packaged M31 mosaic, tonight; its answer is not kept.
        """
        if self._planning is None:
            return
        now = self._clock.now()
        sample = files("astrotango.samples").joinpath("observations", "m31_mosaic.json")
        document = json.loads(sample.read_text())
        document["window"] = {
            "start": now.isoformat(),
            "end": (now + timedelta(hours=12)).isoformat(),
        }
        document.pop("cancel_on", None)
        observation = parse_observation(document)
        planning = self._planning
        tasks = expand_observation(
            observation,
            "obs-warm-up",
            fov_deg=self._fov_deg,
            overheads=self._overheads,
            setups=[planning.setup(r) for r in observation.requests],
        )
        planning.refusals(observation, tasks, now)

    def submit(self, document: str | bytes | Mapping[str, Any]) -> str:
        """Validate, expand and store one observation; return its id.

        Raises:
            ValidationError: the document is malformed (the message names each field).
            PolicyViolation: the queue's policy refuses it (names the field).
            Unobservable: a request no capable telescope can observe inside the window
                (names ``requests.N``; ``check_visibility: false`` accepts it).
            DuplicateId: the same document was submitted at the same instant already.
        """
        observation = parse_observation(document)
        validate_against_policy(
            observation, policy_for_queue(observation.queue, self._queues, self._policies)
        )
        now = self._clock.now()
        observation_id = make_observation_id(observation, now)
        planning = self._planning
        tasks = expand_observation(
            observation,
            observation_id,
            fov_deg=self._fov_deg,
            overheads=self._overheads,
            setups=[planning.setup(r) for r in observation.requests] if planning else None,
        )
        refused = planning.refusals(observation, tasks, now) if planning else []
        if refused:
            raise Unobservable(refused)
        created = TransitionRecord(
            entity_kind="observation",
            entity_id=observation_id,
            from_status=None,
            to_status=ObservationStatus.PENDING.value,
            actor=Actor.USER.value,
            reason=f"submitted by {observation.owner} to queue {observation.queue}",
            at=now,
        )
        self._store.add_observation(
            observation_record(observation, observation_id, at=now),
            [task_record(t) for t in tasks],
            created,
        )
        return observation_id
