"""The ObservationController's logic: submission, cancel/abort, resubmission, reads.

The controller is the one writer of observation and task state (DESIGN §1): every change goes
through the :class:`ObservationLedger`, and every applied transition is announced once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from astrotango.clock import Clock
from astrotango.control.component_manager import BaseComponentManager
from astrotango.control.observation.intake import ObservationIntake
from astrotango.control.observation.ledger import Announce, ObservationLedger
from astrotango.control.observation.records import task_views
from astrotango.control.observation.runtime import ControllerRuntime
from astrotango.control.observation.views import counts, list_observations, observation_view
from astrotango.domain import (
    TERMINAL_OBSERVATION_STATUSES,
    Actor,
    IllegalTransition,
    ObservationStatus,
    Window,
    observation_sources,
    parse_observation,
    resubmit,
)
from astrotango.domain.decisions import end_observation
from astrotango.store import Store

__all__ = ["ObservationControllerComponentManager"]

_O = ObservationStatus
_ACTIVE = frozenset(_O) - TERMINAL_OBSERVATION_STATUSES
# What a user may end is read off the lifecycle table (which of its tasks that cancels too:
# see domain.decisions.end_observation).
_ABORTABLE = observation_sources(_O.ABORTED, Actor.USER)
# Cancel is the abort of an observation no telescope has started: a rule of the command, not
# of the table (which knows one end, aborted).
_CANCELLABLE = _ABORTABLE & {_O.PENDING, _O.ASSIGNED}


class ObservationControllerComponentManager(BaseComponentManager):
    """Owns the store; turns client commands into lifecycle transitions.

    Args:
        store: The observation store.
        clock: Submission and transition times.
        announce: Told every applied transition (the device pushes ``lastTransition``).
        stop_task: Asked to stop a running task on its telescope when its observation is
            aborted (the dispatcher's job); receives the task id.
        **kwargs: Passed to :class:`BaseComponentManager`.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        announce: Announce | None = None,
        stop_task: Callable[[str], None] | None = None,
        intake: ObservationIntake | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(clock=clock, **kwargs)
        self.store = store
        self.clock = clock
        self.ledger = ObservationLedger(store, clock, announce)
        self.intake = intake or ObservationIntake(store, clock=clock)
        self.intake.warm_up()  # the first submission must not pay the astronomy's start-up
        self._stop_task = stop_task or (lambda _: None)
        self.runtime: ControllerRuntime | None = None
        self._runtime_factory: Callable[[ObservationLedger], ControllerRuntime] | None = None
        self._active_rows: list[tuple[str, str, str]] | None = None

    def attach_runtime(self, factory: Callable[[ObservationLedger], ControllerRuntime]) -> None:
        """Dispatch and monitors: built from ``factory`` and run while communicating."""
        self._runtime_factory = factory

    def start_communicating(self) -> None:
        """Start dispatch and the monitors (admin mode ONLINE or ENGINEERING)."""
        if self._runtime_factory is not None and self.runtime is None:
            self.runtime = self._runtime_factory(self.ledger)
            self._stop_task = self.runtime.dispatcher.stop_task
            self.runtime.start()
        super().start_communicating()

    def stop_communicating(self) -> None:
        """Stop dispatch and the monitors; running tasks go on and are reconciled later."""
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None
        super().stop_communicating()

    def submit_observation(self, document: str) -> str:
        """Validate, expand and store; announce the creation; return the new id.

        Raises:
            ValidationError, PolicyViolation: naming the field; nothing is stored.
        """
        observation_id = self.intake.submit(document)
        [created] = self.store.transitions_of(observation_id)
        self.ledger.announce(created)
        return observation_id

    def cancel(self, observation_id: str, reason: str = "canceled by user") -> None:
        """Cancel an observation that has not started executing (pending or assigned).

        It ends aborted; its open tasks are canceled, a failed one stays failed.

        Raises:
            IllegalTransition: it is executing (use abort) or already finished.
            NotFound: no such observation.
        """
        status = _O(self.store.get_observation(observation_id).status)
        if status not in _CANCELLABLE:
            raise IllegalTransition(
                "observation",
                status.value,
                _O.ABORTED.value,
                Actor.USER.value,
                "only pending or assigned observations can be canceled; abort one that runs",
            )
        self._end(observation_id, reason)

    def abort(self, observation_id: str, reason: str = "aborted by user") -> None:
        """Stop an observation wherever it is; running tasks are stopped on their telescope.

        It ends aborted; its open tasks are canceled, completed and failed ones are kept.

        Raises:
            IllegalTransition: it has already finished.
            NotFound: no such observation.
        """
        status = _O(self.store.get_observation(observation_id).status)
        if status not in _ABORTABLE:
            raise IllegalTransition(
                "observation",
                status.value,
                _O.ABORTED.value,
                Actor.USER.value,
                "it has already finished",
            )
        self._end(observation_id, reason)

    def _end(self, observation_id: str, reason: str) -> None:
        """Stop the running tasks, then cancel the open ones and abort it, in one transaction.

        The decision (:func:`~astrotango.domain.decisions.end_observation`) takes only edges
        the table allows the user from the states they are in, so no task state stops the
        abort halfway, and a failed or completed task is kept.
        """
        tasks = task_views(self.store.tasks_of_observation(observation_id))
        decision = end_observation(observation_id, tasks, _O.ABORTED, Actor.USER, reason)
        for task_id in decision.stop:
            self._stop_task(task_id)
        self.ledger.apply(decision)

    def resubmit(self, observation_id: str, window: Mapping[str, str] | None = None) -> str:
        """A new observation with the same settings (and optionally a new window).

        Raises:
            NotFound: no such observation.
            ValidationError: the new window makes the document inconsistent.
        """
        record = self.store.get_observation(observation_id)
        original = parse_observation(record.document)
        new_window = None
        if window is not None:
            new_window = Window(
                start=datetime.fromisoformat(window["start"]),
                end=datetime.fromisoformat(window["end"]),
            )
        document = resubmit(original, window=new_window)
        return self.submit_observation(document.model_dump_json())

    def observation(self, observation_id: str) -> dict[str, Any]:
        """Everything about one observation (GetObservation)."""
        return observation_view(self.store, observation_id)

    def observations(self, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A filtered list (ListObservations)."""
        return list_observations(self.store, query)

    def counts(self) -> dict[str, int]:
        """Observations per status."""
        return counts(self.store)

    def active(self, *, reread: bool = False) -> list[dict[str, Any]]:
        """Observations not yet finished, with their status and progress.

        The rows are read from the store when ``reread`` (an observation moved) or never
        read; in between (progress arrives every few seconds) only their stored progress is
        read, in one query: the number GetObservation shows.
        """
        rows = self._active_rows
        if reread or rows is None:
            rows = self._active_rows = [
                (r.id, r.name, r.status)
                for s in sorted(_ACTIVE)
                for r in self.store.list_observations(status=s.value, limit=1000)
            ]
        progress = self.store.observations_progress([id_ for id_, _, _ in rows])
        return [
            {"id": id_, "name": name, "status": status, "progress": round(progress[id_], 3)}
            for id_, name, status in rows
            if id_ in progress
        ]

    @staticmethod
    def transition_json(record: Any) -> str:
        """One lifecycle transition as the ``lastTransition`` JSON."""
        return json.dumps(
            {
                "entity": record.entity_kind,
                "id": record.entity_id,
                "from": record.from_status,
                "to": record.to_status,
                "actor": record.actor,
                "reason": record.reason,
                "at": record.at.isoformat(),
            }
        )
