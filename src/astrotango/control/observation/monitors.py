"""The controller's monitors (mission/001), on the injected clock.

- Heartbeat: a telescope whose heartbeat events stop is marked offline and its work goes back
  to pending (running tasks are interrupted: their observations suspended).
- Stale observations: a warning after 1 h idle in assigned / in_progress / suspended, stale
  after 2 h, with the per-status action (assigned: back to pending; in_progress and
  suspended: failed). Waiting for a planned start, a window, the cadence, the Scheduler
  (between tasks, nothing running) or the end of a weather or interlock hold is not idling;
  a running task is alive until its expected end.
- Time limit: once an observation's window has closed it ends (aborted, by the system); a task
  that cannot finish inside its window is not started (see :mod:`.dispatch`).

What to do is decided in the domain (:mod:`astrotango.domain.decisions`: the stale level
and action, the end of an observation) and applied by the ledger in one transaction.

An observation with nothing left to do (every task that was to be done is, the rest dropped)
is neither stuck nor cut by its window: both monitors settle it first
(:meth:`.OutcomeHandler.settle`), so it ends ``completed``, not ``failed`` or ``aborted``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from astrotango.control.observation.dispatch import Dispatcher
from astrotango.control.observation.links import TelescopeLink
from astrotango.control.observation.records import task_views
from astrotango.domain import Actor, ObservationStatus, observation_sources
from astrotango.domain.decisions import (
    STALE_ACTIONS,
    Decision,
    Staleness,
    TaskView,
    end_observation,
    stale_decision,
    staleness,
)

__all__ = ["MonitorSettings", "Monitors"]

_O = ObservationStatus
#: The statuses watched for staleness: those mission/001's stale table names.
_WATCHED = tuple(STALE_ACTIONS)
#: What the system may end (abort): read off the lifecycle table.
_ENDABLE = observation_sources(_O.ABORTED, Actor.SYSTEM)


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    """Thresholds, in clock seconds."""

    heartbeat_timeout_s: float = 60.0
    warn_after: timedelta = timedelta(hours=1)
    stale_after: timedelta = timedelta(hours=2)
    #: Observations are looked at for staleness this often (the hold is followed every tick).
    stale_check: timedelta = timedelta(minutes=1)


class Monitors:
    """Runs the checks; the controller calls :meth:`run_all` on every tick.

    Args:
        dispatcher: Holds the telescopes, the ledger and the running tasks.
        settings: Thresholds.
        on_telescope: Told ``(telescope, online)`` when a telescope is lost or comes back.
        on_stale: Told the list of warned and stale observations when it changes.
        holding: True while no telescope may observe (weather, interlocks): nothing is stuck
            then, it waits.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        settings: MonitorSettings | None = None,
        on_telescope: Callable[[str, bool], None] | None = None,
        on_stale: Callable[[list[dict[str, Any]]], None] | None = None,
        holding: Callable[[], bool] | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.ledger = dispatcher.ledger
        self.store = dispatcher.store
        self.settings = settings or MonitorSettings()
        self._on_telescope = on_telescope or (lambda *_: None)
        self._on_stale = on_stale or (lambda _: None)
        self._stale: list[dict[str, Any]] = []
        self._holding = holding or (lambda: False)
        self._held_at = datetime.min.replace(tzinfo=UTC)
        self._next_stale_check = datetime.min.replace(tzinfo=UTC)

    def run_all(self) -> None:
        """Every check, in order: heartbeats, time limits, stale observations."""
        self.check_heartbeats()
        self.check_time_limits()
        self.check_stale()

    def check_heartbeats(self) -> None:
        """Mark telescopes without heartbeats offline (and back online when they return).

        A telescope whose events say it is silent is asked directly first: an event lost (a
        subscription still connecting after a restart) is not a telescope lost.
        """
        for name, link in self.dispatcher.fleet.links.items():
            if self._silence(link):
                link.refresh()
            why = self._silence(link)
            if why and name not in self.dispatcher.fleet.offline:
                self.dispatcher.telescope_lost(name, f"{name}: {why}")
                self._on_telescope(name, False)
            elif not why and name in self.dispatcher.fleet.offline:
                self.dispatcher.telescope_back(name)
                self._on_telescope(name, True)

    def _silence(self, link: TelescopeLink) -> str:
        """Why ``link`` counts as silent ('' while its heartbeat is fresh)."""
        age = link.heartbeat_age_s()
        if age is None:
            return "no heartbeat yet"
        return f"no heartbeat for {age:.1f} s" if age > self.settings.heartbeat_timeout_s else ""

    def check_time_limits(self) -> None:
        """End every unfinished observation whose window has closed.

        An ordinary observation is aborted. A monitoring series records the run as failed and
        goes on to its next window: a run that had started fails and resets; a run that never
        started stays pending with the next window. A series with no next run is aborted.
        One whose every task that was to be done is done is settled (completed) instead.
        """
        now = self.ledger.clock.now()
        outcomes = self.dispatcher.outcomes
        ended = self.store.list_observations(
            status=sorted(s.value for s in _ENDABLE), limit=1000, window_end_by=now
        )
        for record in ended:  # oldest first
            if outcomes.settle(record.id):
                continue
            reason = f"window closed at {record.window_end.isoformat()}"
            if record.is_monitoring and _O(record.status) is not _O.PENDING:
                outcomes.fail_observation(record.id, reason)  # the run fails; the series goes on
                continue
            if record.is_monitoring and outcomes.missed_window(
                record.id, f"{reason} before the run could start"
            ):
                continue
            tasks = task_views(self.store.tasks_of_observation(record.id))
            self._apply(end_observation(record.id, tasks, _O.ABORTED, Actor.SYSTEM, reason))

    def _apply(self, decision: Decision) -> None:
        """Stop the decision's running tasks on their telescopes, then apply its moves."""
        for task_id in decision.stop:
            self.dispatcher.stop_task(task_id, decision.why)
        self.ledger.apply(decision)

    def check_stale(self) -> None:
        """Warn at 1 h, act at 2 h in assigned / in_progress / suspended.

        Idle means nothing happened and nothing is due: an observation whose next task is
        planned for later, whose next window or cadence has not opened, or that waits out a
        hold (every telescope shut by its constraints or an interlock) is not stuck; its idle
        time counts from the end of the hold.
        """
        now = self.ledger.clock.now()
        if self._holding():
            self._held_at = now
        if now < self._next_stale_check:
            return
        self._next_stale_check = now + self.settings.stale_check
        flagged: list[dict[str, Any]] = []
        quiet_since = now - self.settings.warn_after
        # those whose own last transition (or the hold) is recent need not be read at all
        watched = () if self._held_at > quiet_since else _WATCHED
        for status in watched:
            for record in self.store.list_observations(
                status=status.value, limit=1000, updated_by=quiet_since
            ):
                if self.dispatcher.outcomes.settle(record.id):
                    continue  # nothing left to do: it was not stuck, it was done
                tasks = task_views(self.store.tasks_of_observation(record.id))
                level, idle = staleness(
                    status,
                    record.updated_at,
                    tasks,
                    now,
                    held_at=self._held_at,
                    cadence_next_eligible=record.cadence_next_eligible,
                    warn_after=self.settings.warn_after,
                    stale_after=self.settings.stale_after,
                )
                if level not in (Staleness.WARNING, Staleness.STALE):
                    continue
                flagged.append(
                    {
                        "id": record.id,
                        "status": status.value,
                        "level": level.value,
                        "since": record.updated_at.isoformat(),
                    }
                )
                if level is Staleness.STALE:
                    self._act_on_stale(record.id, status, tasks, idle)
        if flagged != self._stale:
            self._stale = flagged
            self._on_stale(flagged)

    def _act_on_stale(
        self, observation_id: str, status: ObservationStatus, tasks: list[TaskView], idle: timedelta
    ) -> None:
        """mission/001's stale action; a failed one goes the way every failure goes."""
        decision = stale_decision(observation_id, status, tasks, idle)
        if decision.ends is _O.FAILED:  # as every failure: a series goes on to its next run
            self.dispatcher.outcomes.fail_observation(observation_id, decision.why)
            return
        self._apply(decision)
