"""Dispatch (the mastermind role): follow the schedule, start due tasks, follow them to the end.

``apply_schedule`` turns the Scheduler's blocks into assignments (task ``scheduled`` with its
telescope and planned start, observation ``assigned``). ``tick`` starts every task whose
planned start has come on an idle telescope: it re-checks eligibility, claims the task with a
fencing token (so it can never run twice), and calls the telescope's ExecuteTask; progress and
the final outcome come back through callbacks and are handled by :mod:`.outcomes`. A
constraint falling over mid-task stops it; the outcome handler re-queues it and suspends the
observation.

Every run has one owner until it is settled: the dispatcher for a run it started
(``running``), the reconciler for a running task it adopted (``adopted``). A run is settled
once, through :meth:`Dispatcher.settle_run`, which takes it from its owner and applies its
outcome in one hold of the lock, so no reconciler round ever sees a task running that nobody
holds while its follower is still writing its end. A run whose task the store no longer holds
under the run's fencing token (ended meanwhile by an abort or the time limit, or run again)
has only its assets recorded.

The members of a sync group start together: one after another in one tick, all within
``sync_tolerance_s`` of the first claim, or the group is stopped and re-queued whole.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from astrotango.control.observation.fleet import Fleet, Running
from astrotango.control.observation.ledger import ObservationLedger
from astrotango.control.observation.links import TaskRefusedError, TaskUnconfirmedError
from astrotango.control.observation.outcomes import OutcomeHandler
from astrotango.control.observation.records import task_spec
from astrotango.control_model import TaskStatus
from astrotango.domain import Actor, ClaimRejected, ObservationStatus, TaskState, fixed_time_of
from astrotango.store import TaskRecord

__all__ = ["DEFAULT_SYNC_TOLERANCE_S", "MISSED_START", "Dispatcher", "Eligibility"]

#: ``(telescope, queue) -> (may observe now, why not)``: the queue's policy constraints and
#: the interlocks.
Eligibility = Callable[[str, str], tuple[bool, str]]
#: A scheduled task still waiting this long after its planned start (its telescope busy with
#: a task that overran) goes back to the Scheduler rather than starting out of its slot.
MISSED_START = timedelta(minutes=15)
#: Clock seconds a sync group's members may start apart (the correctness oracle's default
#: allowance): from the first member's claim to the last telescope accepting its task.
DEFAULT_SYNC_TOLERANCE_S = 30.0
_O, _T = ObservationStatus, TaskState
_LOG = logging.getLogger(__name__)


def with_deadline(spec_json: str, deadline: datetime) -> str:
    """The task spec sent to a telescope: no acquisition of this run ends after ``deadline``."""
    return json.dumps({**json.loads(spec_json), "deadline": deadline.isoformat()})


class Dispatcher:
    """Starts scheduled tasks on their telescopes and follows them.

    Args:
        ledger: The one writer of state.
        fleet: The telescopes (links, offline ones, runs held), shared with the monitors and
            reconciliation.
        eligibility: Whether a telescope may observe now (default: always).
        outcomes: What happens when a task ends (completion, failure, interruption).
        interlocked: Whether a fired interlock covers the telescope. Such a telescope is
            never sent Abort: the interlock owns its shutdown (its SafeShutdown preempts
            the running task, which then ends ABORTED and is re-queued as interrupted).
        sync_tolerance_s: Clock seconds a sync group's members may start apart, from the
            first claim to the last telescope accepting its task; a group slower than that
            is stopped and re-queued whole. Default :data:`DEFAULT_SYNC_TOLERANCE_S`.

    Raises:
        ValueError: ``sync_tolerance_s`` is negative.
    """

    def __init__(
        self,
        ledger: ObservationLedger,
        fleet: Fleet,
        outcomes: OutcomeHandler,
        eligibility: Eligibility | None = None,
        on_change: Callable[[str], None] | None = None,
        interlocked: Callable[[str], bool] | None = None,
        sync_tolerance_s: float = DEFAULT_SYNC_TOLERANCE_S,
    ) -> None:
        if sync_tolerance_s < 0.0:
            raise ValueError(f"sync_tolerance_s must not be negative, not {sync_tolerance_s}")
        self.sync_tolerance_s = sync_tolerance_s
        self.ledger = ledger
        self.store = ledger.store
        self.fleet = fleet
        # the fleet's own objects, under the names dispatch reads them by
        self.links, self.offline, self.lock = fleet.links, fleet.offline, fleet.lock
        self.running, self.adopted = fleet.running, fleet.adopted
        self.outcomes = outcomes
        outcomes.stop_running = self.stop_task  # the runs are ours to stop
        #: The earliest planned start after the last tick (None: nothing planned later).
        self.next_start: datetime | None = None
        self.eligibility: Eligibility = eligibility or (lambda *_: (True, ""))
        self.interlocked: Callable[[str], bool] = interlocked or (lambda _: False)
        #: Told when a task starts or ends (the Scheduler re-plans on both).
        self.on_change: Callable[[str], None] = on_change or (lambda _: None)

    def apply_schedule(self, blocks: Sequence[Mapping[str, Any]]) -> None:
        """Assign the planned tasks; tasks no longer planned go back to pending."""
        planned = {b["task"]: b for b in blocks}
        with self.lock:
            scheduled = self.store.tasks_by_status(_T.SCHEDULED.value)
            for task in scheduled:
                if task.id not in planned:
                    self._unschedule(task.id, task.observation_id, "no longer in the schedule")
            self._assign_blocks(blocks, {t.id: t for t in scheduled})

    def assign_blocks(self, blocks: Sequence[Mapping[str, Any]]) -> None:
        """Assign these blocks and leave every other assignment alone (the first slots)."""
        with self.lock:
            scheduled = self.store.tasks_by_status(_T.SCHEDULED.value)
            self._assign_blocks(blocks, {t.id: t for t in scheduled})

    def _assign_blocks(
        self, blocks: Sequence[Mapping[str, Any]], scheduled: Mapping[str, TaskRecord]
    ) -> None:
        for block in blocks:
            telescope, start = block["telescope"], datetime.fromisoformat(block["start"])
            was = scheduled.get(block["task"])
            if was is not None and (was.telescope, was.planned_start) == (telescope, start):
                continue  # planned as it already is (a re-plan keeps most blocks)
            self._assign(block["task"], telescope, start)

    def _assign(self, task_id: str, telescope: str, start: datetime) -> None:
        task = self.store.get_task(task_id)
        if task.status not in (_T.PENDING, _T.SCHEDULED) or telescope in self.offline:
            return
        if start < task.window_start or start < self._cadence_allows(task.observation_id):
            # A plan made before the task moved on (a series reset to its next run): stale.
            return
        if (task.telescope, task.planned_start) != (telescope, start):
            self.store.assign_task(
                task_id,
                expected_version=task.version,
                telescope=telescope,
                instrument=None,
                planned_start=start,
                reason="scheduled",
                at=self.ledger.clock.now(),
            )
        self.ledger.move_task(
            task_id,
            _T.SCHEDULED,
            Actor.SCHEDULER,
            f"planned on {telescope}",
            expect=frozenset({_T.PENDING}),
        )
        self.ledger.move_observation(
            task.observation_id,
            _O.ASSIGNED,
            Actor.SCHEDULER,
            f"task {task_id} planned on {telescope}",
            expect=frozenset({_O.PENDING}),
        )

    def _cadence_allows(self, observation_id: str) -> datetime:
        """The earliest start the observation's cadence allows (its next series run)."""
        after = self.store.get_observation(observation_id).cadence_next_eligible
        return after if after is not None else datetime.min.replace(tzinfo=UTC)

    def _unschedule(self, task_id: str, observation_id: str, reason: str) -> None:
        self.ledger.move_task(
            task_id, _T.PENDING, Actor.SCHEDULER, reason, expect=frozenset({_T.SCHEDULED})
        )
        if not any(
            t.status in (_T.SCHEDULED, _T.RUNNING)
            for t in self.store.tasks_of_observation(observation_id)
        ):
            self.ledger.move_observation(
                observation_id, _O.PENDING, Actor.SCHEDULER, reason, expect=frozenset({_O.ASSIGNED})
            )

    def tick(self) -> None:
        """Interrupt tasks whose telescope became ineligible; start the tasks that are due.

        A sync group starts whole, in one tick, or not at all; a fixed-time task that can no
        longer start within its tolerance goes back to the Scheduler.
        """
        now = self.ledger.clock.now()
        with self.lock:
            for run in list(self.running.values()):
                ok, why = self.eligibility(run.telescope, self._queue(run.observation_id))
                if not ok and not run.interrupted:
                    run.interrupted = why
                    self._stop_unless_interlocked(run)
            # Busy: a run held there (followed or being reconciled), or the store says one
            # runs there (not adopted yet).
            busy = {r.telescope for r in self.fleet.held()} | {
                t.telescope for t in self.store.tasks_by_status(_T.RUNNING.value)
            }
            scheduled = self.store.tasks_by_status(_T.SCHEDULED.value)
            due = [t for t in scheduled if t.planned_start is not None and t.planned_start <= now]
            later = [
                t.planned_start for t in scheduled if t.planned_start and t.planned_start > now
            ]
            self.next_start = min(later, default=None)
            groups: dict[str, list[TaskRecord]] = {}
            for task in sorted(due, key=lambda t: (t.planned_start, t.id)):
                assert task.planned_start is not None
                if task.sync_group is not None:
                    groups.setdefault(task.sync_group, []).append(task)
                    continue
                if self._missed(task, now, busy):
                    continue
                if task.telescope in busy or task.telescope not in self.links:
                    continue
                if self._start(task.id, task.observation_id, task.telescope):
                    busy.add(task.telescope)
            for members in groups.values():
                self._start_group(members, now, busy)

    def _missed(self, task: TaskRecord, now: datetime, busy: set[str | None]) -> bool:
        """Send a task whose slot has gone by back to the Scheduler; True if so."""
        assert task.planned_start is not None
        fixed = fixed_time_of(task_spec(task), task.window_start)
        if fixed is not None and now > fixed[0] + timedelta(seconds=fixed[1]):
            why = f"missed its fixed time {fixed[0].isoformat()} ± {fixed[1]:g} s"
        elif task.telescope in busy and now - task.planned_start > MISSED_START:
            why = "missed its planned start"  # behind a task that overran
        else:
            return False
        self._unschedule(task.id, task.observation_id, why)
        self.on_change(f"task {task.id} {why}")
        return True

    def _start_group(self, due: list[TaskRecord], now: datetime, busy: set[str | None]) -> None:
        """Start every member of a sync group together, or none of them.

        The group starts when all its members are due on distinct idle telescopes that may
        observe. One member that cannot start sends the whole group back to the Scheduler
        (a group held past its slot too), so no member ever runs alone.
        """
        group = str(due[0].sync_group)
        members = self.store.tasks_of_observation(due[0].observation_id)
        if len(due) != sum(1 for t in members if t.sync_group == group):
            return  # a member is not scheduled or not due yet
        if any(self._missed(t, now, busy) for t in due):
            self._requeue_group(due, f"sync group {group} missed its start", planned=True)
            return
        telescopes = {t.telescope for t in due}
        if len(telescopes) != len(due) or telescopes & busy or not telescopes <= set(self.links):
            return
        if not all([self._startable(t.id, t.observation_id, str(t.telescope)) for t in due]):
            self._requeue_group(due, f"a member of sync group {group} cannot start")
            return
        first = self.ledger.clock.now()
        for started, task in enumerate(due):
            late_s = (self.ledger.clock.now() - first).total_seconds()
            if late_s > self.sync_tolerance_s:  # the members before took too long to start
                self._abandon_group(group, due[started:], self._late(group, late_s))
                return
            if not self._launch(task.id, task.observation_id, str(task.telescope)):
                self._abandon_group(
                    group, due[started:], f"a member of sync group {group} did not start"
                )
                return
            busy.add(task.telescope)
        late_s = (self.ledger.clock.now() - first).total_seconds()
        if late_s > self.sync_tolerance_s:  # the last telescope was slow to accept
            self._abandon_group(group, [], self._late(group, late_s))

    def _late(self, group: str, late_s: float) -> str:
        return (
            f"sync group {group} did not start within {self.sync_tolerance_s:g} s ({late_s:.0f} s)"
        )

    def _abandon_group(self, group: str, unstarted: list[TaskRecord], reason: str) -> None:
        """Re-queue the members not started; stop those started (their end re-queues them)."""
        self._requeue_group(unstarted, reason)
        self.stop_group(group, reason)

    def _requeue_group(
        self, tasks: list[TaskRecord], reason: str, *, planned: bool = False
    ) -> None:
        """Those of ``tasks`` still scheduled go back to pending (``planned``: unscheduled)."""
        for task in tasks:
            if self.store.get_task(task.id).status != _T.SCHEDULED:
                continue
            if planned:
                self._unschedule(task.id, task.observation_id, reason)
            else:
                self.outcomes.not_started(task.id, task.observation_id, reason)

    def _start(self, task_id: str, observation_id: str, telescope: str) -> bool:
        return self._startable(task_id, observation_id, telescope) and self._launch(
            task_id, observation_id, telescope
        )

    def _startable(self, task_id: str, observation_id: str, telescope: str) -> bool:
        """Whether the task may start now; if not, it is canceled or re-queued, and why said."""
        task = self.store.get_task(task_id)
        now = self.ledger.clock.now()
        if now + timedelta(seconds=task.duration_s) > task.window_end:
            self.ledger.move_task(
                task_id,
                _T.CANCELED,
                Actor.SYSTEM,
                f"cannot finish inside its window (ends {task.window_end})",
                expect=frozenset({_T.SCHEDULED}),
            )
            self.outcomes.settle(observation_id)  # it may have been the last one left
            return False
        ok, why = self.eligibility(telescope, self._queue(observation_id))
        if telescope in self.offline:
            ok, why = False, f"{telescope} is offline"
        if not ok:
            self.outcomes.not_started(task_id, observation_id, f"constraint before start: {why}")
            self.on_change(f"task {task_id} could not start: {why}")
        return ok

    def _launch(self, task_id: str, observation_id: str, telescope: str) -> bool:
        """Claim the task and send it to its telescope; True once it executes."""
        try:
            token = self.ledger.start_run(task_id, claimant=f"controller@{telescope}")
        except ClaimRejected:
            return False
        task = self.store.get_task(task_id)
        run = Running(task_id, observation_id, telescope, token, sync_group=task.sync_group)
        self.running[task_id] = run
        try:
            run.command_id = self.links[telescope].execute(
                with_deadline(task.spec, task.window_end),
                functools.partial(self.outcomes.progress, run),
                functools.partial(self._done, run),
            )
        except TaskRefusedError as exc:
            self.running.pop(task_id, None)
            self.outcomes.refused(run, str(exc))
            return False
        except TaskUnconfirmedError as exc:
            return self._unconfirmed(run, str(exc))
        self.outcomes.started(run)
        self.on_change(f"task {task_id} started on {telescope}")
        return True

    def _unconfirmed(self, run: Running, why: str) -> bool:
        """ExecuteTask got no answer in time: the telescope may be executing the task.

        Re-queued, it could run twice (once unseen). The claim stays, so the task is running
        in the store and its telescope busy; unfollowed, the reconciler adopts it, follows it
        while the telescope reports it, and settles it from what it captured (back to pending
        if the telescope never had it). A sync group member is stopped there first: its group
        does not start (True: the telescope is taken; False: the group's start failed).
        """
        self.running.pop(run.task_id, None)
        _LOG.warning(
            "%s: %s not confirmed (%s); left to reconciliation", run.telescope, run.task_id, why
        )
        if run.sync_group is None:
            return True
        self.links[run.telescope].stop()
        return False

    def _queue(self, observation_id: str) -> str:
        return self.store.get_observation(observation_id).queue

    def _done(self, run: Running, status: TaskStatus, result: Any) -> None:
        """The follower's report of a run's final status (on the follower's thread)."""
        self.settle_run(run, status, result)

    def settle_run(self, run: Running, status: TaskStatus, result: Any) -> bool:
        """Apply a run's outcome, once: the one way a run's end is handled.

        The run is taken from its owner (``running`` or ``adopted``) and its outcome applied
        in one hold of the lock, so nobody can adopt or settle it in between. A run no longer
        held (settled already, its telescope declared lost, a superseded follower) is
        ignored. A run whose task the store no longer holds running under its token (ended
        by another writer, or claimed again) only has its assets recorded. A sync member
        that did not complete stops the rest of its group.

        Returns:
            Whether the outcome was taken (False: ignored as late).
        """
        with self.lock:
            if not self.fleet.release(run):
                _LOG.info("Ignoring a late outcome of %s from %s", run.task_id, run.telescope)
                return False
            task = self.store.get_task(run.task_id)
            if (task.status, task.fencing_token) != (_T.RUNNING, run.token):
                _LOG.info("%s was ended meanwhile: recording its assets only", run.task_id)
                run.ended = True
            if run.sync_group is not None and status is not TaskStatus.COMPLETED and not run.ended:
                self.stop_group(
                    run.sync_group, f"{run.task_id} of its sync group ended {status.name}"
                )
            try:
                self.outcomes.finished(run, status, result, self.links[run.telescope])
            except ClaimRejected as exc:  # ended by a writer outside the lock: the fence held
                _LOG.warning("Outcome of %s refused by the fence: %s", run.task_id, exc)
        self.on_change(f"task {run.task_id} finished ({status.name})")
        return True

    def stop_task(self, task_id: str, reason: str = "aborted by user") -> None:
        """Stop a running task on its telescope (followed or adopted); the caller ends it."""
        with self.lock:
            for run in [r for r in self.fleet.held() if r.task_id == task_id]:
                run.interrupted, run.ended = reason, True
                self._stop_unless_interlocked(run)

    def stop_group(self, group: str, reason: str) -> None:
        """Stop every running member of a sync group (followed or adopted): none runs alone."""
        with self.lock:
            for run in [r for r in self.fleet.held() if r.sync_group == group]:
                if not run.interrupted:
                    run.interrupted = reason
                    self._stop_unless_interlocked(run)

    def _stop_unless_interlocked(self, run: Running) -> None:
        """Abort the run's telescope, unless a fired interlock owns its shutdown."""
        if self.interlocked(run.telescope):
            _LOG.info("Not aborting %s: a fired interlock owns its shutdown", run.telescope)
            return
        self.links[run.telescope].stop()

    def telescope_lost(self, telescope: str, reason: str) -> None:
        """A telescope stopped answering: its work goes back to pending, it gets nothing new."""
        with self.lock:
            self.offline.add(telescope)
            for run in [r for r in self.running.values() if r.telescope == telescope]:
                self.fleet.release(run)
                self.outcomes.lost(run, reason)
            for task in self.store.tasks_for_telescope(telescope, [_T.SCHEDULED.value]):
                self._unschedule(task.id, task.observation_id, reason)

    def telescope_back(self, telescope: str) -> None:
        """A lost telescope answers again."""
        with self.lock:
            self.offline.discard(telescope)
