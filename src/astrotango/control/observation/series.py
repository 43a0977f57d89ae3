"""A monitoring series between runs: the history entry, then the reset to the next run.

When a run of a series ends (completed or failed) the series history records what it
achieved (its tasks completed of its tasks, why it failed), the domain's cadence
(:func:`~astrotango.domain.next_cadence`) says whether and when the next run comes, and the
reset (:func:`~astrotango.domain.decisions.series_reset`) moves every task but a running one
and the observation to the next run's window, in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from astrotango.control.observation.ledger import ObservationLedger
from astrotango.control.observation.records import task_views
from astrotango.domain import SeriesRun, TaskState, next_cadence, parse_observation
from astrotango.domain.decisions import series_reset
from astrotango.store import SeriesRunRecord

__all__ = ["SeriesRuns"]


class SeriesRuns:
    """Ends the runs of monitoring series, through the one writer.

    Args:
        ledger: The one writer.
    """

    def __init__(self, ledger: ObservationLedger) -> None:
        self.ledger = ledger
        self.store = ledger.store

    def end_run(self, observation_id: str, outcome: str, reason: str, now: datetime) -> bool:
        """Record a run of a monitoring series; reset it to pending if it continues (True).

        False: the observation is not a series, or the series ends with this run.
        """
        record = self.store.get_observation(observation_id)
        if not record.is_monitoring:
            return False
        history = [
            SeriesRun(
                run=r.run,
                outcome=r.outcome,  # type: ignore[arg-type]
                at=r.at,
                reason=r.reason,
                tasks_completed=r.tasks_completed,
                tasks=r.tasks,
            )
            for r in self.store.series_history(observation_id)
        ]
        tasks = self.store.tasks_of_observation(observation_id)
        decision = next_cadence(
            parse_observation(record.document),
            history,
            outcome,
            now,
            reason=reason,
            tasks_completed=sum(1 for t in tasks if t.status == TaskState.COMPLETED),
            tasks=len(tasks),
        )
        run = decision.run
        self.store.add_series_run(
            SeriesRunRecord(
                observation_id,
                run.run,
                run.outcome,
                now,
                decision.next_eligible,
                reason=run.reason,
                tasks_completed=run.tasks_completed,
                tasks=run.tasks,
            )
        )
        if not decision.continues:
            return False
        self.ledger.apply(series_reset(observation_id, task_views(tasks), decision))
        return True
