"""The one writer of observation and task state.

Every change is a legal edge of the lifecycle tables (the domain checks it), applied with
optimistic concurrency (the store refuses a stale version; the ledger re-reads and re-checks a
few times), recorded as a transition in the same transaction, and announced to ``announce``
(the device turns that into one ``lastTransition`` event per change). A decision of several
moves (:mod:`astrotango.domain.decisions`) is applied in one transaction: all or none.

A run's end (completed, failed, re-queued) is the executor's fenced write instead: the store
accepts it only under the run's fencing token. A decision may start with one
(:attr:`Decision.run_end`, the token passed to :meth:`ObservationLedger.apply`): the run's end
and what follows from it (a retry, a suspension, the observation's failure) are then one
transaction, so a crash between them cannot leave a task failed and its observation live.
No caller announces a change by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from astrotango.clock import Clock
from astrotango.domain import (
    Actor,
    ConcurrencyConflict,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.domain.decisions import Decision, Move, RunEnd
from astrotango.store import (
    ObservationRecord,
    Store,
    TaskRecord,
    TransitionRecord,
    TransitionWrite,
)

_T = TaskState

__all__ = ["Announce", "ObservationLedger"]


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to read and check one kind of entity."""

    states: Callable[[str], Any]
    read: Callable[[str], Any]
    check: Callable[..., None]


#: Receives every applied transition.
Announce = Callable[[TransitionRecord], None]
_ATTEMPTS = 4
_MOVED, _SKIPPED, _THERE = "moved", "skipped", "already there"


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
        self._kinds = {
            "observation": _Kind(
                ObservationStatus, store.get_observation, check_observation_transition
            ),
            "task": _Kind(TaskState, store.get_task, check_task_transition),
        }

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
        move = Move(
            "observation", observation_id, to, actor, reason, expect, updates, monitoring_reset
        )
        if self._apply((move,)) == [_SKIPPED]:
            return None
        return self.store.get_observation(observation_id)

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
        move = Move("task", task_id, to, actor, reason, expect, updates, monitoring_reset)
        if self._apply((move,)) == [_SKIPPED]:
            return None
        return self.store.get_task(task_id)

    def apply(self, decision: Decision, token: int | None = None) -> tuple[Move, ...]:
        """Apply a decision in ONE transaction: its run's end and all its moves, or none.

        The run's end (``decision.run_end``) is written first, fenced by ``token``. Each
        move is checked against the lifecycle table from the state its entity is in (or the
        one an earlier write of the same decision leaves it in); a move whose ``expect`` no
        longer holds is skipped, one already made is not repeated. Every write is announced
        after the commit, in order. The caller stops ``decision.stop`` on the telescopes
        first.

        Returns:
            The moves written (a skipped or already made one is not among them).

        Raises:
            ClaimRejected: the run's token is stale (the task was ended, re-queued or
                claimed again); nothing is written.
            IllegalTransition: an edge or actor is not allowed; nothing is written.
            NotFound: an entity does not exist; nothing is written.
            ConcurrencyConflict: other writers won every attempt; nothing is written.
            ValueError: a run end not to completed, failed or pending, or without a token.
        """
        outcomes = self._apply(decision.moves, decision.run_end, token)
        return tuple(m for m, done in zip(decision.moves, outcomes, strict=True) if done == _MOVED)

    def _apply(
        self, moves: Sequence[Move], run_end: RunEnd | None = None, token: int | None = None
    ) -> list[str]:
        """Read, check, compare-and-set every write in one transaction, announce; retry races.

        Returns each move's outcome: moved, skipped (``expect`` did not hold) or already
        there.
        """
        if run_end is not None:
            if run_end.to not in (_T.COMPLETED, _T.FAILED, _T.PENDING):
                raise ValueError(
                    f"task {run_end.task_id}: a run ends completed, failed or pending,"
                    f" not {run_end.to}"
                )
            if token is None:
                raise ValueError(f"task {run_end.task_id}: a run's end needs its fencing token")
            check_task_transition(_T.RUNNING, run_end.to, run_end.actor)
        for _ in range(_ATTEMPTS):
            at = self.clock.now()
            writes: list[TransitionWrite] = []
            outcomes: list[str] = []
            now_at: dict[tuple[str, str], tuple[Any, int]] = {}
            if run_end is not None:
                version = self.store.get_task(run_end.task_id).version
                writes.append(
                    TransitionWrite(
                        "task",
                        run_end.task_id,
                        version,
                        _T.RUNNING.value,
                        run_end.to.value,
                        run_end.actor.value,
                        run_end.reason,
                        at,
                        {"error": run_end.error},
                        token=token,
                    )
                )
                now_at[("task", run_end.task_id)] = (run_end.to, version + 1)
            for move in moves:
                kind = self._kinds[move.kind]
                key = (move.kind, move.entity_id)
                if key not in now_at:
                    record = kind.read(move.entity_id)
                    now_at[key] = (kind.states(record.status), record.version)
                current, version = now_at[key]
                if move.expect is not None and current not in move.expect:
                    outcomes.append(_SKIPPED)
                    continue
                if current == move.to and not move.monitoring_reset:
                    outcomes.append(_THERE)  # a series reset may stay (pending -> pending)
                    continue
                kind.check(
                    current, move.to, move.actor, monitoring_reset_allowed=move.monitoring_reset
                )
                writes.append(
                    TransitionWrite(
                        move.kind,
                        move.entity_id,
                        version,
                        current.value,
                        move.to.value,
                        move.actor.value,
                        move.reason,
                        at,
                        move.updates,
                    )
                )
                outcomes.append(_MOVED)
                now_at[key] = (move.to, version + 1)
            if not writes:
                return outcomes
            try:
                self.store.transition_all(writes)
            except ConcurrencyConflict:
                continue
            for w in writes:
                self._announce(
                    TransitionRecord(
                        w.entity_kind,
                        w.entity_id,
                        w.from_status,
                        w.to_status,
                        w.actor,
                        w.reason,
                        w.at,
                    )
                )
            return outcomes
        what = ", ".join(f"{m.kind} {m.entity_id}" for m in moves[:3])
        raise ConcurrencyConflict(f"{what}: too many concurrent writers")

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

        A decision of that run's end alone (:meth:`apply`). A re-queue counts an attempt and
        clears the claim; ``error`` is kept on a failed or re-queued task (a failed one
        defaults to ``reason``).

        Raises:
            ClaimRejected: the token is stale (the task was ended, re-queued or claimed
                again); nothing is written or announced.
            IllegalTransition: the edge or the actor is not allowed.
            ValueError: ``to`` is not completed, failed or pending.
            NotFound: no such task.
        """
        self.apply(Decision(run_end=RunEnd(task_id, to, actor, reason, error)), token)

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
