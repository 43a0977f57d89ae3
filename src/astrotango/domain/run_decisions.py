"""What follows a task's run, each one decision (the run's fenced end first, when it ran).

- :func:`not_started`: a constraint failed before the start; back to pending, or (its
  ``cancel_on`` passed) failed with its observation.
- :func:`refused`: the telescope refused the task; back to pending.
- :func:`resumed`: the telescope started a task; the observation is in progress again.
- :func:`interrupted`: suspended; the task completes with what it captured when that is
  enough, else goes back to pending.
- :func:`run_failed`: the task failed; a retry, or the observation's run fails
  (:func:`~astrotango.domain.retry.after_failure` says which).
- :func:`settle`: every task done: acquisition complete, then completed, or failed on an
  upload error.

Pure, like :mod:`astrotango.domain.decisions`, whose :class:`Decision` they return.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from astrotango.domain.decisions import Decision, Move, RunEnd, TaskView, end_observation
from astrotango.domain.lifecycle import Actor, ObservationStatus, TaskState

__all__ = ["interrupted", "not_started", "refused", "resumed", "run_failed", "settle"]

_O, _T = ObservationStatus, TaskState


#: Where an observation's run is live: it may still end failed.
_LIVE = frozenset({_O.ASSIGNED, _O.IN_PROGRESS, _O.SUSPENDED})
#: Where an observation's acquisition can end: it has run.
_ACQUIRING = frozenset({_O.IN_PROGRESS, _O.SUSPENDED})


def not_started(
    task_id: str,
    observation_id: str,
    tasks: Sequence[TaskView],
    reason: str,
    *,
    cancel_on: datetime | None,
    now: datetime,
) -> Decision:
    """A constraint failed before the task started (it is scheduled).

    It goes back to pending for a later cycle (and the observation with it, when none of
    its tasks is scheduled or running any more); once the observation's ``cancel_on`` has
    passed it fails instead, and the observation's run fails with it.
    """
    if cancel_on is not None and now >= cancel_on:
        why = f"{reason}; cancel_on passed"
        failed = Move("task", task_id, _T.FAILED, Actor.SYSTEM, why)
        return _and_fail(observation_id, _as(tasks, task_id, _T.FAILED), why, (failed,))
    requeue = Move(
        "task",
        task_id,
        _T.PENDING,
        Actor.SYSTEM,
        f"re-queued: {reason}",
        expect=frozenset({_T.SCHEDULED}),
    )
    after = _as(tasks, task_id, _T.PENDING)
    return Decision((requeue, *_back_to_pending(observation_id, after, reason)), why=reason)


def refused(task_id: str, observation_id: str, tasks: Sequence[TaskView], reason: str) -> Decision:
    """The telescope refused the task at once: its run ends back in pending.

    The observation goes back too, when none of its tasks is scheduled or running any more.
    """
    why = f"refused: {reason}"
    end = RunEnd(task_id, _T.PENDING, Actor.EXECUTOR, why)
    after = _as(tasks, task_id, _T.PENDING)
    return Decision(_back_to_pending(observation_id, after, why), why=why, run_end=end)


def resumed(observation_id: str, status: ObservationStatus, telescope: str) -> Decision:
    """A telescope started one of the observation's tasks: it is in progress.

    From ``suspended`` the system resumes it (conditions restored); from ``assigned`` the
    executor starts it. From any other status nothing moves.
    """
    if status is _O.SUSPENDED:
        actor, why = Actor.SYSTEM, "conditions restored"
    else:
        actor, why = Actor.EXECUTOR, f"{telescope} started"
    move = Move(
        "observation",
        observation_id,
        _O.IN_PROGRESS,
        actor,
        why,
        expect=frozenset({_O.ASSIGNED, _O.SUSPENDED}),
    )
    return Decision((move,), why=why)


def interrupted(
    task_id: str, observation_id: str, reason: str, *, captured: str | None
) -> Decision:
    """A running task was interrupted: its observation is suspended.

    ``captured`` describes what the run captured when that holds its request's
    acceptability threshold: the task then completes with it (enough data captured);
    without it (None) the task goes back to pending.
    """
    if captured is not None:
        end = RunEnd(
            task_id,
            _T.COMPLETED,
            Actor.EXECUTOR,
            f"completed with what it captured before it was interrupted ({reason}): {captured}",
        )
    else:
        end = RunEnd(task_id, _T.PENDING, Actor.SYSTEM, f"interrupted: {reason}")
    suspend = Move(
        "observation",
        observation_id,
        _O.SUSPENDED,
        Actor.SYSTEM,
        reason,
        expect=frozenset({_O.IN_PROGRESS}),
    )
    return Decision((suspend,), why=reason, run_end=end)


def run_failed(
    task_id: str,
    observation_id: str,
    tasks: Sequence[TaskView],
    *,
    telescope: str,
    error: str,
    retry: bool,
    reason: str,
) -> Decision:
    """A running task failed on ``telescope``: retried, or its observation's run fails.

    ``retry`` and ``reason`` are :func:`~astrotango.domain.retry.after_failure`'s. A retry
    puts the task back to pending (the Scheduler may give it another telescope); otherwise
    the observation fails, its open tasks are canceled and its other running ones stopped.
    """
    end = RunEnd(task_id, _T.FAILED, Actor.EXECUTOR, f"failed on {telescope}: {error}", error)
    if retry:
        again = Move("task", task_id, _T.PENDING, Actor.SCHEDULER, reason)
        return Decision((again,), why=reason, run_end=end)
    failed = _and_fail(observation_id, _as(tasks, task_id, _T.FAILED), reason, ())
    return Decision(failed.moves, failed.stop, reason, failed.ends, end)


def settle(
    observation_id: str,
    status: ObservationStatus,
    tasks: Sequence[TaskView],
    *,
    unrecorded: Sequence[str] = (),
    why_unrecorded: str = "",
) -> Decision:
    """End the acquisition of an observation whose every task that was to be done is.

    ``acquisition_complete`` (by the executor from ``in_progress``: all exposures captured;
    by the system from ``suspended``: enough data captured), then ``completed``, or
    ``failed`` (an upload error) when the completed tasks ``unrecorded`` have no data in
    the store. From ``acquisition_complete`` itself only the second move is made (a run
    that ended there). Returns an empty decision for any other status.
    """
    if status not in _ACQUIRING | {_O.ACQUISITION_COMPLETE}:
        return Decision()
    if status is _O.IN_PROGRESS:
        actor, said = Actor.EXECUTOR, "all exposures captured"
    else:
        done = sum(1 for t in tasks if t.status == _T.COMPLETED)
        actor, said = Actor.SYSTEM, f"enough data captured: {done} of {len(tasks)} tasks completed"
    acquired = Move(
        "observation", observation_id, _O.ACQUISITION_COMPLETE, actor, said, expect=_ACQUIRING
    )
    if unrecorded:
        to, why = _O.FAILED, f"upload error: no data recorded for {', '.join(unrecorded)}"
        why += f" ({why_unrecorded})" if why_unrecorded else ""
    else:
        to, why = _O.COMPLETED, "assets registered"
    end = Move(
        "observation",
        observation_id,
        to,
        Actor.SYSTEM,
        why,
        expect=frozenset({_O.ACQUISITION_COMPLETE}),
    )
    return Decision((acquired, end), why=why, ends=to)


def _and_fail(
    observation_id: str, tasks: Sequence[TaskView], reason: str, first: tuple[Move, ...]
) -> Decision:
    """``first``, then the observation's run fails (its open tasks canceled) by the system."""
    ended = end_observation(
        observation_id,
        tasks,
        _O.FAILED,
        Actor.SYSTEM,
        reason,
        task_reason="observation failed",
        expect=_LIVE,
    )
    return Decision((*first, *ended.moves), ended.stop, reason, ended.ends)


def _back_to_pending(
    observation_id: str, tasks: Sequence[TaskView], reason: str
) -> tuple[Move, ...]:
    """An assigned observation none of whose tasks is scheduled or running goes back."""
    if any(t.status in (_T.SCHEDULED, _T.RUNNING) for t in tasks):
        return ()
    move = Move(
        "observation",
        observation_id,
        _O.PENDING,
        Actor.SYSTEM,
        reason,
        expect=frozenset({_O.ASSIGNED}),
    )
    return (move,)


def _as(tasks: Sequence[TaskView], task_id: str, status: TaskState) -> list[TaskView]:
    """The tasks with ``task_id`` seen in ``status`` (as a decision's first move leaves it)."""
    return [
        TaskView(
            t.id,
            status,
            t.window_start,
            t.duration_s,
            t.planned_start,
            t.claimed_at,
            t.completed_at,
        )
        if t.id == task_id
        else t
        for t in tasks
    ]
