"""What happens when a task ends, exactly as mission/000 and mission/001 say.

- Constraint failure before start: the task goes back to pending for the next cycle, unless
  the observation's ``cancel_on`` has passed (then the task fails, and so does the
  observation).
- Instrument failure (the command FAILED): the task fails; it is retried (back to pending, the
  scheduler may place it elsewhere, the assignment history says so) while the observation
  allows reassignment and the policy's retry limit is not reached; otherwise the observation
  fails.
- Interrupted mid-task (a constraint fell over, the telescope was lost): what was captured is
  kept as a partial asset and the observation is suspended. The task goes back to pending,
  unless its whole frames hold its request's acceptability threshold of the acquisition time
  it planned: then it completes with what it captured (enough data captured).
- Completed: assets registered with their ``task_info``. When every task that was to be done
  is (:func:`~astrotango.domain.progress.acquisition_done`) the observation goes
  ``acquisition_complete`` (from ``suspended``: enough data captured), then ``completed``
  once every completed task's data are recorded, else ``failed`` (an upload error: its
  telescope did not hand over its assets). A monitoring series then resets: the history says
  what the run achieved, every task moves on to the next run's window, and each task's
  history says how it ended in the run it leaves.

Each of these is one decision of :mod:`astrotango.domain.run_decisions` (the run's fenced end and
what follows from it), applied by the ledger in one transaction; the observation's progress
is the one the store writes with it, passed on to ``on_progress``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from astrotango.control.observation.fleet import Running
from astrotango.control.observation.ledger import ObservationLedger
from astrotango.control.observation.links import TelescopeLink
from astrotango.control.observation.records import task_spec, task_views
from astrotango.control.observation.series import SeriesRuns
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import (
    DEFAULT_POLICIES,
    DEFAULT_QUEUES,
    Actor,
    ClaimRejected,
    ObservationStatus,
    TaskState,
    after_failure,
    parse_observation,
    policy_for_queue,
    run_decisions,
)
from astrotango.domain.decisions import Decision, TaskView, end_observation
from astrotango.domain.progress import Capture, acquisition_done, task_capture
from astrotango.store import AssetRecord, DuplicateId, TaskRecord

__all__ = ["OutcomeHandler"]

_O, _T = ObservationStatus, TaskState
_LIVE = frozenset({_O.ASSIGNED, _O.IN_PROGRESS, _O.SUSPENDED})


class OutcomeHandler:
    """Applies task outcomes to the store through the ledger.

    Args:
        ledger: The one writer.
        on_progress: Told ``(observation id, progress 0..1)`` when an observation's progress
            changes: the number the store holds for it.

    ``stop_running(task id, reason)`` stops a running task on its telescope; the dispatcher
    that owns the runs sets it (until then it does nothing).
    """

    def __init__(
        self, ledger: ObservationLedger, on_progress: Callable[[str, float], None] | None = None
    ) -> None:
        self.ledger = ledger
        self.store = ledger.store
        self._on_progress = on_progress or (lambda *_: None)
        self.stop_running: Callable[[str, str], None] = lambda *_: None
        self.series = SeriesRuns(ledger)

    # -- before and at the start --------------------------------------------------------

    def not_started(self, task_id: str, observation_id: str, reason: str) -> None:
        """A constraint failed before the task started."""
        record = self.store.get_observation(observation_id)
        self._decide(
            run_decisions.not_started(
                task_id,
                observation_id,
                self._tasks(observation_id),
                reason,
                cancel_on=record.cancel_on,
                now=self.ledger.clock.now(),
            )
        )

    def refused(self, run: Running, reason: str) -> None:
        """The telescope refused the task at once: re-queue it for the next cycle."""
        tasks = self._tasks(run.observation_id)
        self._decide(run_decisions.refused(run.task_id, run.observation_id, tasks, reason), run)

    def started(self, run: Running) -> None:
        """The telescope accepted the task: the observation is in progress."""
        status = _O(self.store.get_observation(run.observation_id).status)
        self._decide(run_decisions.resumed(run.observation_id, status, run.telescope))

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
        unrecorded = self._register_assets(run, link, now)
        if run.ended:
            return  # the controller ended the task itself (user abort, window closed, stale)
        if not partial:
            self._complete(run, unrecorded)
        elif status == TaskStatus.ABORTED or run.interrupted:
            self._interrupt(run, run.interrupted or _message(result))
        else:
            self._failed(run, _message(result), now)

    def lost(self, run: Running, reason: str) -> None:
        """The telescope executing the task stopped answering."""
        self._interrupt(run, reason)

    def _register_assets(self, run: Running, link: TelescopeLink, now: datetime) -> str:
        """Record the run's assets; why they could not be fetched ('' when they were)."""
        try:
            assets = link.assets(run.task_id)
        except Exception as exc:  # noqa: BLE001 - a failing telescope must not lose the outcome
            return f"{run.telescope} did not hand over its assets: {exc}"
        records = [self._asset_record(run, asset, now) for asset in assets]
        try:  # one transaction; the same asset again (events and reconciler) is a no-op
            self.store.add_assets(records)
        except DuplicateId as exc:  # a different asset under a stored id: nothing stored
            return f"{run.telescope}'s assets conflict with stored ones: {exc}"
        return ""

    @staticmethod
    def _asset_record(run: Running, asset: dict[str, Any], now: datetime) -> AssetRecord:
        return AssetRecord(
            id=str(asset.get("id") or asset.get("asset_id")),
            observation_id=run.observation_id,
            task_id=run.task_id,
            kind=str(asset.get("kind", "asset")),
            created_at=now,
            partial=bool(asset.get("partial", False)),
            metadata={k: v for k, v in asset.items() if k != "task_info"},
            task_info=dict(asset.get("task_info") or {"task_id": run.task_id}),
        )

    def _complete(self, run: Running, unrecorded: str) -> None:
        reason = f"completed on {run.telescope}"
        self.ledger.end_run(
            run.task_id,
            run.token,
            _T.COMPLETED,
            Actor.EXECUTOR,
            f"{reason}; its data are not recorded: {unrecorded}" if unrecorded else reason,
        )
        self._progress_changed(run.observation_id)
        self.settle(run.observation_id, unrecorded)

    def _interrupt(self, run: Running, reason: str) -> None:
        capture = self._capture(run.task_id)
        captured = capture.describe() if capture is not None and capture.enough else None
        decision = run_decisions.interrupted(
            run.task_id, run.observation_id, reason, captured=captured
        )
        try:
            self.ledger.apply(decision, run.token)
        except ClaimRejected:
            return
        self._progress_changed(run.observation_id)
        self.settle(run.observation_id)

    def _capture(self, task_id: str) -> Capture | None:
        """What the current run of a running task captured: its whole frames since its claim."""
        task = self.store.get_task(task_id)
        since = task.claimed_at
        frames = [
            float(a.metadata.get("duration_s") or 0.0)
            for a in self.store.assets_of_task(task_id)
            if not a.partial and (since is None or a.created_at >= since)
        ]
        return task_capture(task_spec(task), frames)

    def settle(self, observation_id: str, unrecorded: str = "") -> bool:
        """End the acquisition of an observation whose tasks are done; True if it ended.

        Every task that was to be done is (none open, none failed, one completed at least):
        one decision (:func:`~astrotango.domain.run_decisions.settle`) takes it to
        ``acquisition_complete`` and on to ``completed``, or ``failed`` (an upload error)
        when a completed task's data are not recorded. A monitoring series then goes on to
        its next run. An observation not acquiring, or with work left, is left alone (False).

        Args:
            observation_id: The observation.
            unrecorded: Why the last run's assets could not be fetched, if they could not.
        """
        status = _O(self.store.get_observation(observation_id).status)
        tasks = self.store.tasks_of_observation(observation_id)
        if not acquisition_done(t.status for t in tasks):
            return False
        missing = [t.id for t in tasks if t.status == _T.COMPLETED and not self._recorded(t)]
        decision = run_decisions.settle(
            observation_id,
            status,
            task_views(tasks),
            unrecorded=missing,
            why_unrecorded=unrecorded,
        )
        if not decision:
            return False
        moved = self.ledger.apply(decision)
        if not any(m.to == decision.ends for m in moved):
            return False  # another writer ended it first
        outcome = "completed" if decision.ends is _O.COMPLETED else "failed"
        reason = "" if decision.ends is _O.COMPLETED else decision.why
        self.series.end_run(observation_id, outcome, reason, self.ledger.clock.now())
        return True

    def _recorded(self, task: TaskRecord) -> bool:
        """Whether the run that completed ``task`` has its data in the store."""
        return any(
            task.claimed_at is None or a.created_at >= task.claimed_at
            for a in self.store.assets_of_task(task.id)
        )

    def _failed(self, run: Running, error: str, now: datetime) -> None:
        record = self.store.get_observation(run.observation_id)
        document = parse_observation(record.document)
        policy = policy_for_queue(record.queue, DEFAULT_QUEUES, DEFAULT_POLICIES)
        failures = 1 + sum(  # this failure counted
            1 for t in self.store.transitions_of(run.task_id, "task") if t.to_status == _T.FAILED
        )
        retry = after_failure(
            error=error,
            failures=failures,
            retry_limit=policy.retry_limit,
            allow_reassignment=document.allow_reassignment,
            cancel_on=record.cancel_on,
            now=now,
        )
        decision = run_decisions.run_failed(
            run.task_id,
            run.observation_id,
            self._tasks(run.observation_id),
            telescope=run.telescope,
            error=error,
            retry=retry.retry,
            reason=retry.reason,
        )
        self._decide(decision, run)
        self._progress_changed(run.observation_id)

    def fail_observation(self, observation_id: str, reason: str) -> None:
        """End the observation's run as failed; a monitoring series goes on to its next run.

        Its open tasks are canceled with it, in one transaction, and one still running on
        another telescope is stopped there first: nothing it could capture would count for
        this run. A series then resets them all to its next run.
        """
        if _O(self.store.get_observation(observation_id).status) not in _LIVE:
            return
        self._decide(
            end_observation(
                observation_id,
                self._tasks(observation_id),
                _O.FAILED,
                Actor.SYSTEM,
                reason,
                task_reason="observation failed",
                expect=_LIVE,
            )
        )

    def _decide(self, decision: Decision, run: Running | None = None) -> None:
        """Stop what the decision stops, then apply it in one transaction.

        It is fenced by ``run``'s token when it ends that run. An observation it fails goes
        on to its series' next run, if it has one.
        """
        for task_id in decision.stop:
            if run is None or task_id != run.task_id:
                self.stop_running(task_id, f"observation failed: {decision.why}")
        moved = self.ledger.apply(decision, None if run is None else run.token)
        for move in moved:
            if move.kind == "observation" and move.to is _O.FAILED:
                self.series.end_run(move.entity_id, "failed", decision.why, self.ledger.clock.now())

    def _tasks(self, observation_id: str) -> list[TaskView]:
        return task_views(self.store.tasks_of_observation(observation_id))

    def missed_window(self, observation_id: str, reason: str) -> bool:
        """A pending series run whose window closed before it started: a failed run.

        The series history records it; if the series goes on, the observation stays pending
        (the monitoring reset ``pending -> pending``) with the next run's window. Returns
        False when the series ends there (or the observation is not a series): the caller
        ends the observation.
        """
        return self.series.end_run(observation_id, "failed", reason, self.ledger.clock.now())

    def _progress_changed(self, observation_id: str) -> None:
        self._on_progress(observation_id, self.store.observation_progress(observation_id))


def _code(result: Any) -> ResultCode | None:
    if isinstance(result, list | tuple) and result and isinstance(result[0], int):
        return ResultCode(result[0])
    return None


def _message(result: Any) -> str:
    if isinstance(result, list | tuple) and len(result) > 1:
        return str(result[1])
    return str(result)
