"""The controller's decisions as data: which moves to make, computed from what is, never applied.

A decision is a list of :class:`Move` (one lifecycle edge each) and the running tasks to stop
on their telescopes first. The functions here are pure: they read the states they are given
and the time they are passed, so each is tested from a table. The ledger applies a decision
in one transaction (:meth:`astrotango.control.observation.ObservationLedger.apply`): every
move checked against the lifecycle table, all written or none, each announced.

- :func:`end_observation`: an observation ends (aborted by a user or the time limit, failed by
  the system); every open task is canceled, a running one stopped first. Which tasks are open
  is read off the lifecycle table (a failed task is not: it stays failed).
- :func:`series_reset`: a monitoring series goes on to its next run: every task but a
  running one and the observation back to pending, with the next run's window.
- :func:`staleness`: whether an observation is idle long enough to warn or to act on
  (mission/001: warning at 1 h, stale at 2 h), or idle by design.
- :func:`stale_decision`: what a stale observation's status calls for
  (:data:`STALE_ACTIONS`: assigned back to pending; in progress and suspended failed).

What follows a task's run is in :mod:`astrotango.domain.run_decisions`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from astrotango.domain.cadence import SeriesDecision
from astrotango.domain.lifecycle import (
    Actor,
    ObservationStatus,
    TaskState,
    observation_sources,
    task_sources,
)

__all__ = [
    "STALE_ACTIONS",
    "Decision",
    "Move",
    "RunEnd",
    "Staleness",
    "TaskView",
    "end_observation",
    "series_reset",
    "stale_decision",
    "staleness",
]

_O, _T = ObservationStatus, TaskState

#: mission/001's stale table: what a status stuck for two hours becomes, by the system.
STALE_ACTIONS = {_O.ASSIGNED: _O.PENDING, _O.IN_PROGRESS: _O.FAILED, _O.SUSPENDED: _O.FAILED}


@dataclass(frozen=True, slots=True)
class Move:
    """One edge to take: ``entity`` (an observation or a task) to ``to``, caused by ``actor``.

    ``expect`` names the states it may leave; from any other the move is skipped (its
    condition no longer holds when it is applied). ``updates`` are further columns written
    with it; ``monitoring_reset`` allows a series reset edge.
    """

    kind: Literal["observation", "task"]
    entity_id: str
    to: ObservationStatus | TaskState
    actor: Actor
    reason: str
    expect: frozenset[Any] | None = None
    updates: Mapping[str, Any] | None = None
    monitoring_reset: bool = False


@dataclass(frozen=True, slots=True)
class RunEnd:
    """How a running task's run ends: ``to`` completed, failed or pending (re-queued).

    The executor's write, fenced by the run's token (the applier presents it); ``error`` is
    kept on a failed or re-queued task.
    """

    task_id: str
    to: TaskState
    actor: Actor
    reason: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The moves to make, in order, and the running tasks to stop on their telescopes first.

    ``run_end``, when set, is written first, in the same transaction as the moves.
    ``ends`` is the final status the decision gives the observation, if it ends it (a failed
    monitoring series is then reset to its next run by whoever applies it).
    """

    moves: tuple[Move, ...] = ()
    stop: tuple[str, ...] = ()
    why: str = ""
    ends: ObservationStatus | None = None
    run_end: RunEnd | None = None

    def __bool__(self) -> bool:
        return bool(self.moves or self.stop or self.run_end)


@dataclass(frozen=True, slots=True)
class TaskView:
    """What a decision needs of a task (the store's row holds more)."""

    id: str
    status: TaskState
    window_start: datetime
    duration_s: float = 0.0
    planned_start: datetime | None = None
    claimed_at: datetime | None = None
    completed_at: datetime | None = None


def end_observation(
    observation_id: str,
    tasks: Sequence[TaskView],
    to: ObservationStatus,
    actor: Actor,
    reason: str,
    *,
    task_reason: str | None = None,
    expect: frozenset[ObservationStatus] | None = None,
) -> Decision:
    """End the observation as ``to``: stop its running tasks, cancel its open ones, move it.

    Args:
        observation_id: The observation.
        tasks: Its tasks as they are now.
        to: ABORTED or FAILED.
        actor: Who ends it (the edges it may take are the table's for that actor).
        reason: Why; every move says it.
        task_reason: What the tasks' cancellations say instead (default ``reason``).
        expect: The statuses it may end from (default: every one the table lets ``actor``
            move to ``to`` from).
    """
    open_tasks = task_sources(_T.CANCELED, actor)
    said = task_reason or reason
    moves = [
        Move("task", t.id, _T.CANCELED, actor, said, expect=open_tasks)
        for t in tasks
        if t.status in open_tasks
    ]
    endable = observation_sources(to, actor) if expect is None else expect
    moves.append(Move("observation", observation_id, to, actor, reason, expect=endable))
    stop = tuple(t.id for t in tasks if t.status == _T.RUNNING)
    return Decision(tuple(moves), stop, reason, ends=to)


#: The tasks a series reset moves on to the next run: all but a running one.
_RESETTABLE = frozenset({_T.PENDING, _T.SCHEDULED, _T.COMPLETED, _T.FAILED, _T.CANCELED})


def series_reset(
    observation_id: str, tasks: Sequence[TaskView], decision: SeriesDecision
) -> Decision:
    """The reset to the series' next run (``decision.continues``), by the system.

    Each task's move says how it ended in the run it leaves; the observation's carries the
    run's summary and when the next run may start. The tasks and the observation take the
    next run's window (the time-limit monitor follows it).
    """
    window: dict[str, Any] = (
        {}
        if decision.next_window is None
        else {"window_start": decision.next_window.start, "window_end": decision.next_window.end}
    )
    run = decision.run
    moves = [
        Move(
            "task",
            t.id,
            _T.PENDING,
            Actor.SYSTEM,
            f"run {run.run} {t.status.value}; next run of the series",
            expect=_RESETTABLE,
            updates=window,
            monitoring_reset=True,
        )
        for t in tasks
    ]
    moves.append(
        Move(
            "observation",
            observation_id,
            _O.PENDING,
            Actor.SYSTEM,
            f"{run.summary()}; series continues: run {run.run + 1} from {decision.next_eligible}",
            updates={"cadence_next_eligible": decision.next_eligible, **window},
            monitoring_reset=True,
        )
    )
    return Decision(tuple(moves), why=run.summary())


class Staleness(enum.StrEnum):
    """How long an observation has been idle, as mission/001's stale table counts it."""

    ACTIVE = "active"
    WAITING = "waiting"  # idle by design: its time, window or cadence has not come
    WARNING = "warning"
    STALE = "stale"


def staleness(
    status: ObservationStatus,
    updated_at: datetime,
    tasks: Sequence[TaskView],
    now: datetime,
    *,
    held_at: datetime,
    cadence_next_eligible: datetime | None,
    warn_after: timedelta,
    stale_after: timedelta,
) -> tuple[Staleness, timedelta]:
    """How idle the observation is: its level and for how long.

    Waiting for a planned start, a window, the cadence, or (in progress or suspended, nothing
    running, the rest queued) the Scheduler is not idling; a running task is alive until its
    expected end; a hold (every telescope shut, until ``held_at``) is not idle time.
    """
    if _waiting_for_its_time(status, tasks, now, cadence_next_eligible):
        return Staleness.WAITING, timedelta(0)
    idle = now - max(_last_activity(updated_at, tasks), held_at)
    if idle >= stale_after:
        return Staleness.STALE, idle
    if idle >= warn_after:
        return Staleness.WARNING, idle
    return Staleness.ACTIVE, idle


def stale_decision(
    observation_id: str, status: ObservationStatus, tasks: Sequence[TaskView], idle: timedelta
) -> Decision:
    """What :data:`STALE_ACTIONS` asks for ``status``, by the system.

    Failed (in progress, suspended): see :func:`end_observation`. Back to pending
    (assigned): its planned tasks too, unless a task is running (then it is not stuck). A
    status the table does not name: nothing.
    """
    reason = f"stale: {status.value} for {idle.total_seconds() / 3600:.1f} h"
    action = STALE_ACTIONS.get(status)
    if action is _O.FAILED:
        return end_observation(observation_id, tasks, _O.FAILED, Actor.SYSTEM, reason)
    if action is not _O.PENDING or any(t.status == _T.RUNNING for t in tasks):
        return Decision(why=f"{observation_id}: nothing to do")
    scheduled = frozenset({_T.SCHEDULED})
    moves = [
        Move("task", t.id, _T.PENDING, Actor.SYSTEM, reason, expect=scheduled)
        for t in tasks
        if t.status == _T.SCHEDULED
    ]
    moves.append(
        Move(
            "observation",
            observation_id,
            _O.PENDING,
            Actor.SYSTEM,
            reason,
            expect=frozenset({status}),
        )
    )
    return Decision(tuple(moves), why=reason)


def _waiting_for_its_time(
    status: ObservationStatus,
    tasks: Sequence[TaskView],
    now: datetime,
    cadence_next_eligible: datetime | None,
) -> bool:
    if cadence_next_eligible is not None and cadence_next_eligible > now:
        return True
    if status in (_O.IN_PROGRESS, _O.SUSPENDED) and _between_tasks(tasks):
        return True
    return any(
        (t.status == _T.SCHEDULED and t.planned_start is not None and t.planned_start > now)
        or (t.status == _T.PENDING and t.window_start > now)
        for t in tasks
    )


def _between_tasks(tasks: Sequence[TaskView]) -> bool:
    """Nothing running, and work left to plan or start."""
    states = {t.status for t in tasks}
    return _T.RUNNING not in states and bool(states & {_T.PENDING, _T.SCHEDULED})


def _last_activity(updated_at: datetime, tasks: Sequence[TaskView]) -> datetime:
    """Its own last transition, a task started or finished, a running task's expected end."""
    times = [updated_at]
    for task in tasks:
        times += [t for t in (task.claimed_at, task.completed_at) if t is not None]
        if task.status == _T.RUNNING and task.claimed_at is not None:
            times.append(task.claimed_at + timedelta(seconds=task.duration_s))
    return max(times)
