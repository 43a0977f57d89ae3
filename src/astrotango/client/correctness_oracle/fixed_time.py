"""Every run of a fixed-time task started within its tolerance of its fixed time."""

from __future__ import annotations

from astrotango.client.correctness_oracle.facts import NightFacts
from astrotango.client.correctness_oracle.verdict import Allowances, RuleResult, Violation
from astrotango.domain import fixed_time_of

__all__ = ["RULE", "fixed_times"]

RULE = "fixed-time starts"


def fixed_times(night: NightFacts, allowances: Allowances) -> RuleResult:
    """Each run's start within ``tolerance_s + tick_s`` of the fixed time, early or late.

    The fixed time is the one of the run's window (a monitoring series moves it with its
    window, :func:`astrotango.domain.fixed_time_of`).
    """
    checked, found = 0, []
    for observation, task in night.tasks():
        for run in task.runs:
            window_start, _ = observation.window_at(task, run.start)
            fixed = fixed_time_of(task.spec, window_start)
            if fixed is None:
                continue
            checked += 1
            at, tolerance_s = fixed
            off_s = (run.start - at).total_seconds()
            if abs(off_s) > tolerance_s + allowances.tick_s:
                found.append(
                    Violation(
                        task.id,
                        f"started {run.start:%H:%M:%S}, {off_s:+.0f} s from its fixed time "
                        f"{at:%H:%M:%S} (tolerance {tolerance_s:g} s)",
                        run.start,
                    )
                )
    return RuleResult(RULE, checked, tuple(found))
