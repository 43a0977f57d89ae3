"""Reconciliation (mission/001): the store against what each telescope reports.

After a controller restart (or a lost completion message) the store may say a task is running
while nobody follows it. The reconciler adopts such tasks: it waits until the telescope has
reported both a heartbeat and its current task (a restarted controller hears them in either
order), and while the telescope still reports the task as current; once the telescope has moved
on, or has been silent for the heartbeat timeout (since the restart or since its last report),
it decides (having asked the telescope directly, in case an event was lost) from what the
telescope captured: every planned exposure present and none cut short
means the task completed (its completion is recovered); anything less means it was interrupted
(what was captured is kept, the task goes back to pending).

An adopted run is held in the dispatcher's ``adopted`` (so an abort or the time limit stops
it on its telescope, and no task is sent there meanwhile) and settled, once, through
:meth:`Dispatcher.settle_run`: a run its follower is settling is never adopted, and a run ended
meanwhile by another writer (or run again under a newer token) only has its assets recorded.
"""

from __future__ import annotations

import logging
from datetime import datetime

from astrotango.control.observation.dispatch import Dispatcher
from astrotango.control.observation.fleet import Running
from astrotango.control.observation.links import TelescopeLink
from astrotango.control.observation.records import task_spec
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import TaskState

__all__ = ["Reconciler"]

_LOG = logging.getLogger(__name__)


class Reconciler:
    """Adopts running tasks nobody follows and settles them from the telescopes' reports.

    Args:
        dispatcher: The dispatcher whose links and outcomes settle the tasks.
        silence_s: Clock seconds without a report after which a telescope is taken as lost
            (the controller's heartbeat timeout).
    """

    def __init__(self, dispatcher: Dispatcher, *, silence_s: float = 60.0) -> None:
        self.dispatcher = dispatcher
        self.store = dispatcher.store
        self.silence_s = silence_s
        self._adopted_at: dict[str, datetime] = {}

    @property
    def adopted(self) -> dict[str, Running]:
        """The runs adopted and not settled yet, by task id (held by the dispatcher)."""
        return self.dispatcher.fleet.adopted

    def run(self) -> None:
        """Adopt orphans, then settle every adopted task whose telescope has moved on."""
        fleet = self.dispatcher.fleet
        with fleet.lock:
            for task in self.store.tasks_by_status(TaskState.RUNNING.value):
                if fleet.follows(task.id) or task.telescope not in fleet.links:
                    continue
                _LOG.warning("Reconciling %s: running on %s, not followed", task.id, task.telescope)
                run = Running(
                    task.id,
                    task.observation_id,
                    task.telescope,
                    task.fencing_token,
                    sync_group=task.sync_group,
                )
                self.adopted[task.id] = run
                self._adopted_at[task.id] = self.dispatcher.ledger.clock.now()
                # The controller may have died between the claim and the observation's move
                # to in_progress: a running task means the observation is in progress.
                self.dispatcher.outcomes.started(run)
            for task_id, run in list(self.adopted.items()):
                if self._still_running(run):
                    continue
                self._adopted_at.pop(task_id, None)
                self._settle(run)

    def _still_running(self, run: Running) -> bool:
        """Whether to keep waiting: the telescope runs the task, or has not said yet.

        The monitors' offline mark is not used: a restarted controller marks every telescope
        offline ("no heartbeat yet") before its first events arrive.
        """
        link = self.dispatcher.fleet.links[run.telescope]
        if self._heard_running(link, run):
            return True
        link.refresh()  # events for speed, a read for truth before the task is settled
        return self._heard_running(link, run)

    def _heard_running(self, link: TelescopeLink, run: Running) -> bool:
        age, current = link.heartbeat_age_s(), link.current_task()
        if age is None or current is None:  # not heard from it yet since the restart
            waited = self.dispatcher.ledger.clock.now() - self._adopted_at[run.task_id]
            return waited.total_seconds() <= self.silence_s
        return age <= self.silence_s and current == run.task_id

    def _settle(self, run: Running) -> None:
        """Decide the run's outcome from what the telescope captured; settle it once."""
        link = self.dispatcher.fleet.links[run.telescope]
        try:
            assets = link.assets(run.task_id)
        except Exception:  # noqa: BLE001 - an unreachable telescope: treat as interrupted
            assets = []
        spec = task_spec(self.store.get_task(run.task_id))
        planned = sum(e.count for e in spec.exposures)
        whole = [a for a in assets if not a.get("partial")]
        complete = bool(whole) and len(whole) >= planned and len(whole) == len(assets)
        if complete:
            status, result = (
                TaskStatus.COMPLETED,
                [int(ResultCode.OK), "recovered on reconciliation"],
            )
        else:
            status = TaskStatus.ABORTED
            result = [int(ResultCode.ABORTED), "found unfinished on reconciliation"]
            run.interrupted = run.interrupted or "found unfinished on reconciliation"
        self.dispatcher.settle_run(run, status, result)
