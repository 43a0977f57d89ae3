"""The observation and task state machines, as data (mission/001 and mission/000).

Observation transitions and who may cause them. The diagram of mission/001 is the source;
rows marked (+) are not drawn there but are required by its text or by the flow of DESIGN §3.

==========================  ====================  =========================================
from -> to                  actors                why
==========================  ====================  =========================================
pending -> assigned         scheduler             the scheduler places it on a telescope
assigned -> in_progress     executor              the telescope starts executing a task
assigned -> pending         scheduler, system     re-plan / assignment timeout, heartbeat loss
assigned -> failed          executor, system      the telescope refused (assignment error)
assigned -> aborted         user, system          user aborts; system: cancel_on / window end
in_progress -> acq_compl.   executor              all exposures captured
in_progress -> failed       executor, system      execution error; stale monitor (2 h)
in_progress -> aborted      user, system          user terminates; time-limit monitor
in_progress -> suspended    system                weather / safety (a constraint fell over)
suspended -> in_progress    system, executor      conditions restored; execution resumes
suspended -> acq_compl.     system, executor      enough data captured: every task completed,
                                                  an interrupted one with its request's
                                                  acceptability threshold captured
suspended -> aborted        user, system          user aborts; time-limit monitor
suspended -> failed (+)     system                stale monitor: "may be marked as failed"
acq_compl. -> completed     system, executor      files uploaded, assets registered
acq_compl. -> failed        system, executor      upload error: a completed task's data
                                                  could not be recorded
pending -> aborted (+)      user, system          cancel before assignment; window/cancel_on
                                                  passed while still pending (time limit)
completed -> pending (*)    system                monitoring reset: the series continues
failed -> pending (*)       system                monitoring reset: retry on next cadence
pending -> pending (*)      system                monitoring reset: the run missed its window,
                                                  the series moves on to the next one
==========================  ====================  =========================================

(*) only with ``monitoring_reset_allowed=True`` (a monitoring observation whose series
continues, see :mod:`astrotango.domain.cadence`). Terminal states are otherwise final.

Sets of states are read off these tables, never kept by hand: the terminal ones (no edge
leaves them) and, through :func:`observation_sources` and :func:`task_sources`, the states
from which an actor may cause a given end (what an abort may end, which tasks it cancels).

Task transitions (mission/000: pending / scheduled / running / completed / failed / canceled):

==========================  ====================  =========================================
pending -> scheduled        scheduler             placed on a telescope with a planned start
pending -> canceled         user, system          observation aborted / cancel_on passed
scheduled -> running        executor              the telescope started it
scheduled -> pending        scheduler, system     re-planned / telescope went offline
scheduled -> failed         executor, system      ExecuteTask refused, constraint tripped first
scheduled -> canceled       user, system          observation aborted
running -> completed        executor              finished
running -> failed           executor, system      instrument failure, stale
running -> pending          executor, system      interrupted mid-task (partial kept), requeued
running -> canceled         user, system          observation aborted
failed -> pending           scheduler, system     requeue (retry limit, cancel_on permitting)
completed -> pending (*)    system                monitoring reset of the observation's tasks
canceled -> pending (*)     system                monitoring reset: a task the run dropped
pending -> pending (*)      system                monitoring reset: a task the run never got
                                                  to moves to the next run's window
==========================  ====================  =========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from astrotango.domain.errors import IllegalTransition

__all__ = [
    "OBSERVATION_RESET_TRANSITIONS",
    "OBSERVATION_TRANSITIONS",
    "SETTLED_TASK_STATES",
    "TASK_RESET_TRANSITIONS",
    "TASK_TRANSITIONS",
    "TERMINAL_OBSERVATION_STATUSES",
    "TERMINAL_TASK_STATES",
    "Actor",
    "ObservationStatus",
    "TaskState",
    "check_observation_transition",
    "check_task_transition",
    "observation_sources",
    "task_sources",
]


class ObservationStatus(StrEnum):
    """Where an observation is in its lifecycle (values are stored and published)."""

    PENDING = "pending"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ACQUISITION_COMPLETE = "acquisition_complete"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    FAILED = "failed"
    ABORTED = "aborted"


class TaskState(StrEnum):
    """Where a task is (mission/000); distinct from ``control_model.TaskStatus`` (LRCs)."""

    PENDING = "pending"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


class Actor(StrEnum):
    """Who causes a transition: the scheduler, the executing telescope, a user, a monitor."""

    SCHEDULER = "scheduler"
    EXECUTOR = "executor"
    USER = "user"
    SYSTEM = "system"


S = TypeVar("S", ObservationStatus, TaskState)
_O = ObservationStatus
_T = TaskState
_A = Actor
Edge = tuple[_O, _O]
TaskEdge = tuple[_T, _T]

#: Allowed observation edges and the actors allowed to cause each (see the module table).
OBSERVATION_TRANSITIONS: Mapping[Edge, frozenset[Actor]] = {
    (_O.PENDING, _O.ASSIGNED): frozenset({_A.SCHEDULER}),
    (_O.PENDING, _O.ABORTED): frozenset({_A.USER, _A.SYSTEM}),
    (_O.ASSIGNED, _O.IN_PROGRESS): frozenset({_A.EXECUTOR}),
    (_O.ASSIGNED, _O.PENDING): frozenset({_A.SCHEDULER, _A.SYSTEM}),
    (_O.ASSIGNED, _O.FAILED): frozenset({_A.EXECUTOR, _A.SYSTEM}),
    (_O.ASSIGNED, _O.ABORTED): frozenset({_A.USER, _A.SYSTEM}),
    (_O.IN_PROGRESS, _O.ACQUISITION_COMPLETE): frozenset({_A.EXECUTOR}),
    (_O.IN_PROGRESS, _O.FAILED): frozenset({_A.EXECUTOR, _A.SYSTEM}),
    (_O.IN_PROGRESS, _O.ABORTED): frozenset({_A.USER, _A.SYSTEM}),
    (_O.IN_PROGRESS, _O.SUSPENDED): frozenset({_A.SYSTEM}),
    (_O.SUSPENDED, _O.IN_PROGRESS): frozenset({_A.SYSTEM, _A.EXECUTOR}),
    (_O.SUSPENDED, _O.ACQUISITION_COMPLETE): frozenset({_A.SYSTEM, _A.EXECUTOR}),
    (_O.SUSPENDED, _O.ABORTED): frozenset({_A.USER, _A.SYSTEM}),
    (_O.SUSPENDED, _O.FAILED): frozenset({_A.SYSTEM}),
    (_O.ACQUISITION_COMPLETE, _O.COMPLETED): frozenset({_A.SYSTEM, _A.EXECUTOR}),
    (_O.ACQUISITION_COMPLETE, _O.FAILED): frozenset({_A.SYSTEM, _A.EXECUTOR}),
}

#: The monitoring reset: allowed only while a monitoring series continues.
OBSERVATION_RESET_TRANSITIONS: Mapping[Edge, frozenset[Actor]] = {
    (_O.COMPLETED, _O.PENDING): frozenset({_A.SYSTEM}),
    (_O.FAILED, _O.PENDING): frozenset({_A.SYSTEM}),
    # a run whose window closed before it could start: recorded as failed, the next window
    (_O.PENDING, _O.PENDING): frozenset({_A.SYSTEM}),
}


def _sinks(table: Mapping[tuple[S, S], frozenset[Actor]], states: type[S]) -> frozenset[S]:
    """The states no edge of ``table`` leaves."""
    return frozenset(states) - {start for start, _ in table}


def _sources(table: Mapping[tuple[S, S], frozenset[Actor]], to: S, actor: Actor) -> frozenset[S]:
    """The states from which an edge of ``table`` leads to ``to`` that ``actor`` may cause."""
    return frozenset(start for (start, end), who in table.items() if end == to and actor in who)


#: Observation statuses nothing leaves (except the monitoring reset): completed, failed, aborted.
TERMINAL_OBSERVATION_STATUSES = _sinks(OBSERVATION_TRANSITIONS, ObservationStatus)

#: Allowed task edges and their actors (see the module table).
TASK_TRANSITIONS: Mapping[TaskEdge, frozenset[Actor]] = {
    (_T.PENDING, _T.SCHEDULED): frozenset({_A.SCHEDULER}),
    (_T.PENDING, _T.CANCELED): frozenset({_A.USER, _A.SYSTEM}),
    (_T.SCHEDULED, _T.RUNNING): frozenset({_A.EXECUTOR}),
    (_T.SCHEDULED, _T.PENDING): frozenset({_A.SCHEDULER, _A.SYSTEM}),
    (_T.SCHEDULED, _T.FAILED): frozenset({_A.EXECUTOR, _A.SYSTEM}),
    (_T.SCHEDULED, _T.CANCELED): frozenset({_A.USER, _A.SYSTEM}),
    (_T.RUNNING, _T.COMPLETED): frozenset({_A.EXECUTOR}),
    (_T.RUNNING, _T.FAILED): frozenset({_A.EXECUTOR, _A.SYSTEM}),
    (_T.RUNNING, _T.PENDING): frozenset({_A.EXECUTOR, _A.SYSTEM}),
    (_T.RUNNING, _T.CANCELED): frozenset({_A.USER, _A.SYSTEM}),
    (_T.FAILED, _T.PENDING): frozenset({_A.SCHEDULER, _A.SYSTEM}),
}

#: The monitoring reset of a series' tasks.
TASK_RESET_TRANSITIONS: Mapping[TaskEdge, frozenset[Actor]] = {
    (_T.COMPLETED, _T.PENDING): frozenset({_A.SYSTEM}),
    # a run that ended unfinished (window closed, stale): its canceled tasks re-arm too
    (_T.CANCELED, _T.PENDING): frozenset({_A.SYSTEM}),
    # a task the failed run never got to: it moves to the next run's window
    (_T.PENDING, _T.PENDING): frozenset({_A.SYSTEM}),
}

#: Task states nothing leaves (except the monitoring reset): completed, canceled.
TERMINAL_TASK_STATES = _sinks(TASK_TRANSITIONS, TaskState)
#: Task states in which a task is not (or no longer) being worked on; failed may be requeued.
SETTLED_TASK_STATES = frozenset({_T.COMPLETED, _T.FAILED, _T.CANCELED})


def _allowed_text(table: Mapping[tuple[S, S], frozenset[Actor]], start: S) -> str:
    options = [
        f"{to.value} by {'/'.join(sorted(a.value for a in actors))}"
        for (frm, to), actors in table.items()
        if frm == start
    ]
    return "allowed: " + (", ".join(options) if options else "none (terminal)")


def _check(
    entity: str,
    table: Mapping[tuple[S, S], frozenset[Actor]],
    reset: Mapping[tuple[S, S], frozenset[Actor]],
    states: tuple[S, S],
    actor: Actor,
    reset_allowed: bool,
) -> None:
    actors = table.get(states)
    if actors is None and reset_allowed:
        actors = reset.get(states)
    if actors is not None and actor in actors:
        return
    start, end = states
    if actors is None and states in reset:
        detail = "only as the monitoring reset of a continuing series"
    else:
        merged = {**table, **reset} if reset_allowed else dict(table)
        detail = _allowed_text(merged, start)
    raise IllegalTransition(entity, start.value, end.value, Actor(actor).value, detail)


def observation_sources(
    to_status: ObservationStatus | str, actor: Actor | str
) -> frozenset[ObservationStatus]:
    """The statuses from which ``actor`` may move an observation to ``to_status``.

    Read off :data:`OBSERVATION_TRANSITIONS` (the monitoring reset is not included), so a
    caller's "which observations may it end" can never drift from the table: e.g. the
    statuses a user may abort are ``observation_sources(ABORTED, USER)``.

    Raises:
        ValueError: a value is not a known status or actor.
    """
    return _sources(OBSERVATION_TRANSITIONS, ObservationStatus(to_status), Actor(actor))


def task_sources(to_state: TaskState | str, actor: Actor | str) -> frozenset[TaskState]:
    """The task states from which ``actor`` may move a task to ``to_state``.

    Read off :data:`TASK_TRANSITIONS` (the monitoring reset is not included): the open
    tasks an abort cancels are ``task_sources(CANCELED, USER)`` (pending, scheduled,
    running). A failed task is not among them: failure is that task's own end, it stays
    failed.

    Raises:
        ValueError: a value is not a known state or actor.
    """
    return _sources(TASK_TRANSITIONS, TaskState(to_state), Actor(actor))


def check_observation_transition(
    from_status: ObservationStatus | str,
    to_status: ObservationStatus | str,
    actor: Actor | str,
    *,
    monitoring_reset_allowed: bool = False,
) -> None:
    """Check an observation edge against the table.

    Args:
        from_status: the current status.
        to_status: the requested status.
        actor: who asks.
        monitoring_reset_allowed: the observation is a monitoring series that continues, so
            ``completed``/``failed`` -> ``pending`` by ``system`` is allowed.

    Raises:
        IllegalTransition: naming from, to and actor, and what is allowed from ``from_status``.
        ValueError: a value is not a known status or actor.
    """
    edge = (ObservationStatus(from_status), ObservationStatus(to_status))
    _check(
        "observation",
        OBSERVATION_TRANSITIONS,
        OBSERVATION_RESET_TRANSITIONS,
        edge,
        Actor(actor),
        monitoring_reset_allowed,
    )


def check_task_transition(
    from_state: TaskState | str,
    to_state: TaskState | str,
    actor: Actor | str,
    *,
    monitoring_reset_allowed: bool = False,
) -> None:
    """Check a task edge against the table; as :func:`check_observation_transition`.

    Raises:
        IllegalTransition: naming from, to and actor.
        ValueError: a value is not a known state or actor.
    """
    edge = (TaskState(from_state), TaskState(to_state))
    _check(
        "task",
        TASK_TRANSITIONS,
        TASK_RESET_TRANSITIONS,
        edge,
        Actor(actor),
        monitoring_reset_allowed,
    )
