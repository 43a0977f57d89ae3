"""No run and no exposure ended after the window it was held to.

A run is held to the window in force when it started (a monitoring series has one per
run); its end is recorded at the dispatcher's poll that hears of it, so it gets one tick.
An exposure's end (its start plus its duration, the telescope's own figures) gets none. A
run still going when the night ended is judged at the night's end.
"""

from __future__ import annotations

from datetime import timedelta

from astrotango.client.correctness_oracle.facts import NightFacts
from astrotango.client.correctness_oracle.verdict import Allowances, RuleResult, Violation

__all__ = ["RULE", "window_ends"]

RULE = "window ends"


def window_ends(night: NightFacts, allowances: Allowances) -> RuleResult:
    """Each run's end (plus one tick) and each exposure's end at or before its window's end."""
    tick = timedelta(seconds=allowances.tick_s)
    checked, found = 0, []
    for observation, task in night.tasks():
        for run in task.runs:
            checked += 1
            _, window_end = observation.window_at(task, run.start)
            ended = run.until(night.end)
            if ended > window_end + tick:
                how = "still running at the night's end" if run.end is None else "ended"
                found.append(
                    Violation(
                        task.id,
                        f"run started {run.start:%H:%M:%S} {how} {ended:%H:%M:%S}, "
                        f"{(ended - window_end).total_seconds():.0f} s after its window "
                        f"closed at {window_end:%H:%M:%S}",
                        ended,
                    )
                )
        late = []
        for exposure in task.exposures:
            checked += 1
            _, window_end = observation.window_at(task, exposure.start)
            if exposure.end > window_end:
                late.append((exposure, window_end))
        if late:
            exposure, window_end = late[0]
            more = f" (and {len(late) - 1} more)" if len(late) > 1 else ""
            found.append(
                Violation(
                    task.id,
                    f"exposure {exposure.asset_id} ended {exposure.end:%H:%M:%S}, after its "
                    f"window closed at {window_end:%H:%M:%S}{more}",
                    exposure.end,
                )
            )
    return RuleResult(RULE, checked, tuple(found))
