"""Monitoring (cadence) series: whether a series continues after a run, and when.

Runs are anchored to the first window: run slots start at ``window.start + k * cadence_s``.
After a run ends (completed or failed) at ``at``, the next eligible instant is the first slot
after ``at``, and the next run's window is the first window shifted to that slot. Every run,
completed or failed, counts towards ``max_observations``; the series ends when that count is
reached, or when the next slot is at or after ``monitoring.end``.

A run's history entry says what it achieved, completed or failed: how many of its tasks
completed, and why it failed (:meth:`SeriesRun.summary`). The reset that starts the next run
moves every task on to it; what each achieved in the run it ends stays in its history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from astrotango.domain.base import UtcDatetime
from astrotango.domain.errors import DomainError
from astrotango.domain.observation import Observation, Window

__all__ = ["RunOutcome", "SeriesDecision", "SeriesRun", "next_cadence"]


class RunOutcome(StrEnum):
    """How one run of a series ended."""

    COMPLETED = "completed"
    FAILED = "failed"


class SeriesRun(BaseModel):
    """One entry of a series' history."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: int = Field(ge=1, description="1 for the first run.")
    outcome: RunOutcome
    at: UtcDatetime
    reason: str = ""
    tasks_completed: int = Field(default=0, ge=0, description="Tasks completed in the run.")
    tasks: int = Field(default=0, ge=0, description="Tasks of the run.")

    def summary(self) -> str:
        """What the run achieved, e.g. ``run 3: 4 of 6 tasks completed, failed: window closed``."""
        text = f"run {self.run}: {self.tasks_completed} of {self.tasks} tasks completed"
        if self.outcome is RunOutcome.FAILED:
            text += f", failed: {self.reason}" if self.reason else ", failed"
        return text


class SeriesDecision(BaseModel):
    """What to do after a run: the history entry, and the next run if the series continues."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: SeriesRun
    continues: bool
    next_eligible: UtcDatetime | None
    next_window: Window | None
    reason: str


def next_cadence(
    observation: Observation,
    history: Sequence[SeriesRun],
    outcome: RunOutcome | str,
    at: datetime,
    *,
    reason: str = "",
    tasks_completed: int = 0,
    tasks: int = 0,
) -> SeriesDecision:
    """Decide how a monitoring series goes on after a run ended.

    Args:
        observation: the monitoring observation.
        history: the runs recorded before this one.
        outcome: how this run ended.
        at: when it ended (timezone aware).
        reason: why (a failure's reason), kept in the history.
        tasks_completed: how many of the run's tasks completed, kept in the history.
        tasks: how many tasks the run had.

    Returns:
        The decision: if ``continues``, reset the observation to ``pending`` (the monitoring
        reset, actor ``system``) with ``cadence_next_eligible = next_eligible`` and its tasks'
        window ``next_window``; otherwise it stays in its terminal status.

    Raises:
        DomainError: the observation is not a monitoring observation.
        ValueError: ``at`` is naive.
    """
    monitoring = observation.monitoring
    if monitoring is None:
        raise DomainError(f"observation {observation.name!r} is not a monitoring observation")
    if at.tzinfo is None:
        raise ValueError("at must be timezone aware")
    run = SeriesRun(
        run=len(history) + 1,
        outcome=RunOutcome(outcome),
        at=at,
        reason=reason,
        tasks_completed=tasks_completed,
        tasks=tasks,
    )
    start = observation.window.start
    cadence = timedelta(seconds=monitoring.cadence_s)
    slot = max(1, math.floor((at - start) / cadence) + 1)
    next_eligible = start + slot * cadence
    stop = None
    if monitoring.max_observations is not None and run.run >= monitoring.max_observations:
        stop = f"max_observations ({monitoring.max_observations}) reached"
    elif monitoring.end is not None and next_eligible >= monitoring.end:
        stop = f"series end {monitoring.end.isoformat()} passed"
    if stop is not None:
        return SeriesDecision(
            run=run, continues=False, next_eligible=None, next_window=None, reason=stop
        )
    window_end = next_eligible + (observation.window.end - start)
    if monitoring.end is not None:
        window_end = min(window_end, monitoring.end)
    window = Window(start=next_eligible, end=window_end)
    return SeriesDecision(
        run=run,
        continues=True,
        next_eligible=next_eligible,
        next_window=window,
        reason=f"run {run.run + 1} eligible from {next_eligible.isoformat()}",
    )
