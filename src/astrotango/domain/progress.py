"""How far an observation is: one number from its tasks' states and reported progress.

mission/000 gives each task a progress, the executor's reported fraction (0 -> 1) while it
is active; mission/001 says an observation is done when all its planned exposures are
captured, and that an aborted one may have captured some. An observation's progress is the
share of its tasks captured, each task counting:

==============================  ===========================================================
completed                       1
running                         its reported progress (clamped to 0..1)
pending, scheduled              0: a re-queued or retried task starts again from nothing,
                                whatever its earlier attempt reported
failed                          0: it captured nothing that counts
canceled                        0, and it stays in the count: planned work that was not
                                done (an observation aborted after one task of three
                                reads 1/3, not 100 %)
==============================  ===========================================================

An observation without tasks is at 0. A monitoring series reports its current run: every
run resets the tasks to pending, so each run starts at 0; the series history counts the runs.

The store writes this number to the observation's row with every task change; every reader
(GetObservation, ListObservations, activeObservations, the CLI, the night report) reads that.
"""

from __future__ import annotations

from collections.abc import Iterable

from astrotango.domain.lifecycle import TaskState

__all__ = ["observation_progress"]


def observation_progress(tasks: Iterable[tuple[str, float]]) -> float:
    """The observation's progress, a fraction in 0..1.

    Args:
        tasks: Each task's state (a :class:`TaskState` value) and its reported progress,
            a fraction (outside 0..1 it is clamped).

    Raises:
        ValueError: a state that is not a task state.
    """
    shares = [_share(TaskState(state), progress) for state, progress in tasks]
    return sum(shares) / len(shares) if shares else 0.0


def _share(state: TaskState, progress: float) -> float:
    """What one task counts for (the table above)."""
    if state is TaskState.COMPLETED:
        return 1.0
    if state is TaskState.RUNNING:
        return min(1.0, max(0.0, progress))
    return 0.0
