"""The one writer of observation and task state.

Every change is a legal edge of the lifecycle tables (the domain checks it), applied with
optimistic concurrency (the store refuses a stale version; the ledger re-reads and re-checks a
few times), recorded as a transition in the same transaction, and announced to ``announce``
(the device turns that into one ``lastTransition`` event per change).

A run's end (completed, failed, re-queued) is the executor's fenced write instead: the store
accepts it only under the run's fencing token, and :meth:`ObservationLedger.end_run` writes
and announces it in one call, so no caller announces a change by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from astrotango.clock import Clock
from astrotango.domain import (
    Actor,
    ConcurrencyConflict,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.store import ObservationRecord, Store, TaskRecord, TransitionRecord

_T = TaskState

__all__ = ["Announce", "ObservationLedger"]


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to read, check and write one kind of entity."""

    name: Literal["observation", "task"]
    states: Callable[[str], Any]
    read: Callable[[str], Any]
    write: Callable[..., int]
    check: Callable[..., None]


#: Receives every applied transition.
Announce = Callable[[TransitionRecord], None]
_ATTEMPTS = 4


class ObservationLedger:
    """Moves observations and tasks through their lifecycles, safely and visibly.

    Args:
        store: Where the state lives.
        clock: Transition times.
        announce: Told every applied transition (after commit).
    """

    def __init__(self, store: Store, clock: Clock, announce: Announce | None = None) -> None:
        self.store = store
        self.clock = clock
        self._announce = announce or (lambda _: None)

    def move_observation(
        self,
        observation_id: str,
        to: ObservationStatus,
        actor: Actor,
        reason: str,
        *,
        expect: frozenset[ObservationStatus] | None = None,
        updates: Mapping[str, Any] | None = None,
        monitoring_reset: bool = False,
    ) -> ObservationRecord | None:
        """Apply one observation transition.

        ``expect`` names the statuses it may move from; from any other it does nothing and
        returns None (a monitor whose condition no longer holds). ``updates`` are further
        columns written in the same transaction; ``monitoring_reset`` allows the series reset.

        Raises:
            IllegalTransition: the edge or the actor is not allowed.
            NotFound: no such observation.
            ConcurrencyConflict: other writers won every attempt.
        """
        moved: ObservationRecord | None = self._move(
            _Kind(
                "observation",
                ObservationStatus,
                self.store.get_observation,
                self.store.transition_observation,
                check_observation_transition,
            ),
            observation_id,
            to,
            actor,
            reason,
            expect,
            updates,
            monitoring_reset,
        )
        return moved

    def move_task(
        self,
        task_id: str,
        to: TaskState,
        actor: Actor,
        reason: str,
        *,
        expect: frozenset[TaskState] | None = None,
        updates: Mapping[str, Any] | None = None,
        monitoring_reset: bool = False,
    ) -> TaskRecord | None:
        """Apply one task transition (not to ``running``: that is a claim).

        Raises:
            IllegalTransition: the edge or the actor is not allowed.
            NotFound: no such task.
            ConcurrencyConflict: other writers won every attempt.
        """
        moved: TaskRecord | None = self._move(
            _Kind(
                "task",
                TaskState,
                self.store.get_task,
                self.store.transition_task,
                check_task_transition,
            ),
            task_id,
            to,
            actor,
            reason,
            expect,
            updates,
            monitoring_reset,
        )
        return moved

    def _move(
        self,
        kind: _Kind,
        entity_id: str,
        to: Any,
        actor: Actor,
        reason: str,
        expect: frozenset[Any] | None,
        updates: Mapping[str, Any] | None,
        monitoring_reset: bool,
    ) -> Any:
        """Read, check against the lifecycle table, compare-and-set, announce; retry on races."""
        for _ in range(_ATTEMPTS):
            record = kind.read(entity_id)
            current = kind.states(record.status)
            if expect is not None and current not in expect:
                return None
            if current == to and not monitoring_reset:
                return record  # already there; a series reset may stay (pending -> pending)
            kind.check(current, to, actor, monitoring_reset_allowed=monitoring_reset)
            at = self.clock.now()
            try:
                kind.write(
                    entity_id,
                    expected_version=record.version,
                    from_status=current.value,
                    to_status=to.value,
                    actor=actor.value,
                    reason=reason,
                    at=at,
                    updates=updates,
                )
            except ConcurrencyConflict:
                continue
            self._announce(
                TransitionRecord(
                    kind.name, entity_id, current.value, to.value, actor.value, reason, at
                )
            )
            return kind.read(entity_id)
        raise ConcurrencyConflict(f"{kind.name} {entity_id}: too many concurrent writers")

    def end_run(
        self,
        task_id: str,
        token: int,
        to: TaskState,
        actor: Actor,
        reason: str,
        *,
        error: str | None = None,
    ) -> None:
        """End a running task held under ``token``: completed, failed or back to pending.

        The fenced write (the store refuses a stale token), its transition recorded in the
        same transaction, then announced. A re-queue counts an attempt and clears the claim;
        ``error`` is kept on a failed or re-queued task (a failed one defaults to ``reason``).

        Raises:
            ClaimRejected: the token is stale (the task was ended, re-queued or claimed
                again); nothing is written or announced.
            IllegalTransition: the edge or the actor is not allowed.
            ValueError: ``to`` is not completed, failed or pending.
            NotFound: no such task.
        """
        if to not in (_T.COMPLETED, _T.FAILED, _T.PENDING):
            raise ValueError(f"task {task_id}: a run ends completed, failed or pending, not {to}")
        check_task_transition(_T.RUNNING, to, actor)
        at, by = self.clock.now(), actor.value
        if to is _T.COMPLETED:
            self.store.complete_task(task_id, token=token, at=at, actor=by, reason=reason)
        elif to is _T.FAILED:
            self.store.fail_task(
                task_id, token=token, error=error or reason, reason=reason, at=at, actor=by
            )
        else:
            self.store.requeue_task(
                task_id, token=token, reason=reason, at=at, error=error, actor=by
            )
        self._announce(
            TransitionRecord("task", task_id, _T.RUNNING.value, to.value, by, reason, at)
        )

    def announce(self, transition: TransitionRecord) -> None:
        """Announce a transition the store applied directly (an observation's creation)."""
        self._announce(transition)

    def start_run(self, task_id: str, claimant: str) -> int:
        """Claim a scheduled task for ``claimant`` (it moves to running) and announce the move.

        The store records the claim's transition in the claim's transaction; that very
        record is what is announced (its reason names the claimant and the fencing token).

        Returns:
            The fencing token every later write of this run presents.

        Raises:
            ClaimRejected: the task is not scheduled, or someone holds it already.
            NotFound: no such task.
        """
        check_task_transition(_T.SCHEDULED, _T.RUNNING, Actor.EXECUTOR)
        token = self.store.claim_task(
            task_id, claimant=claimant, at=self.clock.now(), actor=Actor.EXECUTOR.value
        )
        recorded = [
            t for t in self.store.transitions_of(task_id, "task") if t.to_status == _T.RUNNING
        ]
        self._announce(recorded[-1])
        return token
