"""What happens when a task ends, exactly as mission/000 and mission/001 say.

- Constraint failure before start: the task goes back to pending for the next cycle, unless
  the observation's ``cancel_on`` has passed (then the task fails, and so does the
  observation).
- Instrument failure (the command FAILED): the task fails; it is retried (back to pending, the
  scheduler may place it elsewhere, the assignment history says so) while the observation
  allows reassignment and the policy's retry limit is not reached; otherwise the observation
  fails.
- Interrupted mid-task (a constraint fell over, the telescope was lost): what was captured is
  kept as a partial asset, the task goes back to pending, the observation is suspended.
- Completed: assets registered with their ``task_info``; when every task is done the
  observation goes ``acquisition_complete`` then ``completed``; a monitoring series resets.

Every end of a run is written and announced by :meth:`ObservationLedger.end_run`; the
observation's progress is the one the store writes with it, passed on to ``on_progress``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from astrotango.control.observation.ledger import ObservationLedger
from astrotango.control.observation.links import TelescopeLink
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import (
    DEFAULT_POLICIES,
    DEFAULT_QUEUES,
    Actor,
    ClaimRejected,
    ObservationStatus,
    SeriesRun,
    TaskState,
    next_cadence,
    parse_observation,
    policy_for_queue,
)
from astrotango.store import AssetRecord, DuplicateId, SeriesRunRecord

if TYPE_CHECKING:
    from astrotango.control.observation.dispatch import Running

__all__ = ["OutcomeHandler"]

_O, _T = ObservationStatus, TaskState
_LIVE = frozenset({_O.ASSIGNED, _O.IN_PROGRESS, _O.SUSPENDED})


class OutcomeHandler:
    """Applies task outcomes to the store through the ledger.

    Args:
        ledger: The one writer.
        on_progress: Told ``(observation id, progress 0..1)`` when an observation's progress
            changes: the number the store holds for it.
    """

    def __init__(
        self, ledger: ObservationLedger, on_progress: Callable[[str, float], None] | None = None
    ) -> None:
        self.ledger = ledger
        self.store = ledger.store
        self._on_progress = on_progress or (lambda *_: None)

    # -- before and at the start --------------------------------------------------------

    def not_started(self, task_id: str, observation_id: str, reason: str) -> None:
        """A constraint failed before the task started."""
        record = self.store.get_observation(observation_id)
        if record.cancel_on is not None and self.ledger.clock.now() >= record.cancel_on:
            self.ledger.move_task(task_id, _T.FAILED, Actor.SYSTEM, f"{reason}; cancel_on passed")
            self.fail_observation(observation_id, f"{reason}; cancel_on passed")
            return
        self.ledger.move_task(
            task_id,
            _T.PENDING,
            Actor.SYSTEM,
            f"re-queued: {reason}",
            expect=frozenset({_T.SCHEDULED}),
        )
        self._back_to_pending_if_idle(observation_id, reason)

    def refused(self, run: Running, reason: str) -> None:
        """The telescope refused the task at once: re-queue it for the next cycle."""
        self.ledger.end_run(
            run.task_id, run.token, _T.PENDING, Actor.EXECUTOR, f"refused: {reason}"
        )
        self._back_to_pending_if_idle(run.observation_id, f"refused: {reason}")

    def started(self, run: Running) -> None:
        """The telescope accepted the task: the observation is in progress."""
        status = _O(self.store.get_observation(run.observation_id).status)
        actor = Actor.SYSTEM if status == _O.SUSPENDED else Actor.EXECUTOR
        reason = "conditions restored" if status == _O.SUSPENDED else f"{run.telescope} started"
        self.ledger.move_observation(
            run.observation_id,
            _O.IN_PROGRESS,
            actor,
            reason,
            expect=frozenset({_O.ASSIGNED, _O.SUSPENDED}),
        )

    def progress(self, run: Running, percent: int) -> None:
        """Progress of a running task (0..100)."""
        try:
            stored = self.store.report_task_progress(
                run.task_id, token=run.token, progress=percent / 100.0
            )
        except ClaimRejected:
            return  # a stale executor: its reports no longer count
        self._on_progress(run.observation_id, stored)

    # -- the end ------------------------------------------------------------------------

    def finished(self, run: Running, status: TaskStatus, result: Any, link: TelescopeLink) -> None:
        """The task's command reached its final status."""
        now = self.ledger.clock.now()
        partial = status != TaskStatus.COMPLETED or _code(result) != ResultCode.OK
        self._register_assets(run, link, now)
        if run.ended:
            return  # the controller ended the task itself (user abort, window closed, stale)
        if not partial:
            self._complete(run, now)
        elif status == TaskStatus.ABORTED or run.interrupted:
            self._interrupt(run, run.interrupted or _message(result))
        else:
            self._failed(run, _message(result), now)

    def lost(self, run: Running, reason: str) -> None:
        """The telescope executing the task stopped answering."""
        self._interrupt(run, reason)

    def _register_assets(self, run: Running, link: TelescopeLink, now: datetime) -> None:
        try:
            assets = link.assets(run.task_id)
        except Exception:  # noqa: BLE001 - a failing telescope must not lose the outcome
            assets = []
        known = {a.id for a in self.store.assets_of_task(run.task_id)}
        for asset in assets:
            asset_id = str(asset.get("id") or asset.get("asset_id"))
            if asset_id in known:
                continue
            known.add(asset_id)
            with contextlib.suppress(DuplicateId):  # settled at once by events and reconciler
                self._add_asset(run, asset_id, asset, now)

    def _add_asset(self, run: Running, asset_id: str, asset: dict[str, Any], now: datetime) -> None:
        self.store.add_asset(
            AssetRecord(
                id=asset_id,
                observation_id=run.observation_id,
                task_id=run.task_id,
                kind=str(asset.get("kind", "asset")),
                created_at=now,
                partial=bool(asset.get("partial", False)),
                metadata={k: v for k, v in asset.items() if k != "task_info"},
                task_info=dict(asset.get("task_info") or {"task_id": run.task_id}),
            )
        )

    def _complete(self, run: Running, now: datetime) -> None:
        self.ledger.end_run(
            run.task_id, run.token, _T.COMPLETED, Actor.EXECUTOR, f"completed on {run.telescope}"
        )
        self._progress_changed(run.observation_id)
        tasks = self.store.tasks_of_observation(run.observation_id)
        if all(t.status in (_T.COMPLETED, _T.CANCELED) for t in tasks):
            self.ledger.move_observation(
                run.observation_id,
                _O.ACQUISITION_COMPLETE,
                Actor.EXECUTOR,
                "all exposures captured",
            )
            self.ledger.move_observation(
                run.observation_id, _O.COMPLETED, Actor.SYSTEM, "assets registered"
            )
            self._series(run.observation_id, "completed", "", now)

    def _interrupt(self, run: Running, reason: str) -> None:
        try:
            self.ledger.end_run(
                run.task_id, run.token, _T.PENDING, Actor.SYSTEM, f"interrupted: {reason}"
            )
        except ClaimRejected:
            return
        self._progress_changed(run.observation_id)
        self.ledger.move_observation(
            run.observation_id,
            _O.SUSPENDED,
            Actor.SYSTEM,
            reason,
            expect=frozenset({_O.IN_PROGRESS}),
        )

    def _failed(self, run: Running, error: str, now: datetime) -> None:
        self.ledger.end_run(
            run.task_id,
            run.token,
            _T.FAILED,
            Actor.EXECUTOR,
            f"failed on {run.telescope}: {error}",
            error=error,
        )
        self._progress_changed(run.observation_id)
        record = self.store.get_observation(run.observation_id)
        document = parse_observation(record.document)
        policy = policy_for_queue(record.queue, DEFAULT_QUEUES, DEFAULT_POLICIES)
        attempts = sum(
            1 for t in self.store.transitions_of(run.task_id, "task") if t.to_status == _T.FAILED
        )
        cancel_passed = record.cancel_on is not None and now >= record.cancel_on
        if document.allow_reassignment and attempts < policy.retry_limit and not cancel_passed:
            self.ledger.move_task(
                run.task_id,
                _T.PENDING,
                Actor.SCHEDULER,
                f"retry {attempts + 1} of {policy.retry_limit} after: {error}",
            )
            return
        self.fail_observation(run.observation_id, error)

    def fail_observation(self, observation_id: str, reason: str) -> None:
        """End the observation's run as failed; a monitoring series goes on to its next run."""
        moved = self.ledger.move_observation(
            observation_id, _O.FAILED, Actor.SYSTEM, reason, expect=_LIVE
        )
        if moved is None:
            return
        if self._series(observation_id, "failed", reason, self.ledger.clock.now()):
            return
        for task in self.store.tasks_of_observation(observation_id):
            if task.status in (_T.PENDING, _T.SCHEDULED):
                self.ledger.move_task(task.id, _T.CANCELED, Actor.SYSTEM, "observation failed")

    def missed_window(self, observation_id: str, reason: str) -> bool:
        """A pending series run whose window closed before it started: a failed run.

        The series history records it; if the series goes on, the observation stays pending
        (the monitoring reset ``pending -> pending``) with the next run's window. Returns
        False when the series ends there (or the observation is not a series): the caller
        ends the observation.
        """
        return self._series(observation_id, "failed", reason, self.ledger.clock.now())

    def _progress_changed(self, observation_id: str) -> None:
        self._on_progress(observation_id, self.store.observation_progress(observation_id))

    def _back_to_pending_if_idle(self, observation_id: str, reason: str) -> None:
        if not any(
            t.status in (_T.SCHEDULED, _T.RUNNING)
            for t in self.store.tasks_of_observation(observation_id)
        ):
            self.ledger.move_observation(
                observation_id, _O.PENDING, Actor.SYSTEM, reason, expect=frozenset({_O.ASSIGNED})
            )

    def _series(self, observation_id: str, outcome: str, reason: str, now: datetime) -> bool:
        """Record a run of a monitoring series; reset it to pending if it continues (True)."""
        record = self.store.get_observation(observation_id)
        if not record.is_monitoring:
            return False
        document = parse_observation(record.document)
        history = [
            SeriesRun(run=r.run, outcome=r.outcome, at=r.at)  # type: ignore[arg-type]
            for r in self.store.series_history(observation_id)
        ]
        decision = next_cadence(document, history, outcome, now, reason=reason)
        self.store.add_series_run(
            SeriesRunRecord(
                observation_id, decision.run.run, decision.run.outcome, now, decision.next_eligible
            )
        )
        if not decision.continues:
            return False
        # a run that never started has no failed transition: its reason goes on the reset
        missed = f"run {decision.run.run} {reason}; " if record.status == _O.PENDING else ""
        # The next run's window: the tasks and the time-limit monitor follow it.
        window = (
            {}
            if decision.next_window is None
            else {
                "window_start": decision.next_window.start,
                "window_end": decision.next_window.end,
            }
        )
        for task in self.store.tasks_of_observation(observation_id):
            self.ledger.move_task(
                task.id,
                _T.PENDING,
                Actor.SYSTEM,
                "next run of the series",
                expect=frozenset({_T.COMPLETED, _T.FAILED, _T.CANCELED}),
                updates=window,
                monitoring_reset=True,
            )
        self.ledger.move_observation(
            observation_id,
            _O.PENDING,
            Actor.SYSTEM,
            missed + f"series continues: run {decision.run.run + 1} from {decision.next_eligible}",
            updates={"cadence_next_eligible": decision.next_eligible, **window},
            monitoring_reset=True,
        )
        return True


def _code(result: Any) -> ResultCode | None:
    if isinstance(result, list | tuple) and result and isinstance(result[0], int):
        return ResultCode(result[0])
    return None


def _message(result: Any) -> str:
    if isinstance(result, list | tuple) and len(result) > 1:
        return str(result[1])
    return str(result)
