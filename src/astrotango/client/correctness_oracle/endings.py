"""No task runs on after its observation ended.

An observation that ended (completed, failed, aborted) is final: a task still observing for
it holds a telescope for data that no longer count, and one started after it is worse. A run
that began before the end must have left ``running`` within one tick of it (the dispatcher
stops it at the poll that decides the end). A monitoring series is not final when a run
fails (it resets to pending), so only its last end counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from astrotango.client.correctness_oracle.facts import NightFacts, ObservationFacts
from astrotango.client.correctness_oracle.verdict import Allowances, RuleResult, Violation
from astrotango.domain import TERMINAL_OBSERVATION_STATUSES

__all__ = ["RULE", "run_endings"]

RULE = "runs end with their observation"
_FINAL = frozenset(s.value for s in TERMINAL_OBSERVATION_STATUSES)


def run_endings(night: NightFacts, allowances: Allowances) -> RuleResult:
    """Every run of an ended observation started before its end and stopped within a tick."""
    tick = timedelta(seconds=allowances.tick_s)
    checked, found = 0, []
    for observation in night.observations:
        ended = _ended(observation)
        for task in observation.tasks:
            for run in task.runs:
                checked += 1
                if ended is None:
                    continue
                status, at = ended
                stopped = run.until(night.end)
                if run.start > at:
                    found.append(
                        Violation(
                            task.id,
                            f"run started {run.start:%H:%M:%S}, after its observation ended "
                            f"{status} at {at:%H:%M:%S}",
                            run.start,
                        )
                    )
                elif stopped > at + tick:
                    how = "still running at the night's end" if run.end is None else "ended"
                    found.append(
                        Violation(
                            task.id,
                            f"run started {run.start:%H:%M:%S} {how} {stopped:%H:%M:%S}, "
                            f"{(stopped - at).total_seconds():.0f} s after its observation "
                            f"ended {status} at {at:%H:%M:%S}",
                            stopped,
                        )
                    )
    return RuleResult(RULE, checked, tuple(found))


def _ended(observation: ObservationFacts) -> tuple[str, datetime] | None:
    """The final status the observation reached and when; None while it is not final."""
    if observation.record.status not in _FINAL:
        return None
    last = [t for t in observation.transitions if t.to_status in _FINAL]
    if not last:
        return None
    if observation.record.is_monitoring:
        return last[-1].to_status, last[-1].at
    return last[0].to_status, last[0].at
