"""Reconciliation (mission/001): the store against what each telescope reports.

After a controller restart (or a lost completion message) the store may say a task is running
while nobody follows it. The reconciler adopts such tasks: while the telescope still reports
the task as current, it waits; once the telescope has moved on, it decides from what the
telescope captured: every planned exposure present and none cut short means the task
completed (its completion is recovered); anything less means it was interrupted (what was
captured is kept, the task goes back to pending).
"""

from __future__ import annotations

import logging

from astrotango.control.observation.dispatch import Dispatcher, Running
from astrotango.control.observation.records import task_spec
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import TaskState

__all__ = ["Reconciler"]

_LOG = logging.getLogger(__name__)


class Reconciler:
    """Adopts running tasks nobody follows and settles them from the telescopes' reports."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.store = dispatcher.store
        self.adopted: dict[str, Running] = {}

    def run(self) -> None:
        """Adopt orphans, then settle every adopted task whose telescope has moved on."""
        with self.dispatcher.lock:
            for task in self.store.tasks_by_status(TaskState.RUNNING.value):
                followed = task.id in self.dispatcher.running or task.id in self.adopted
                if followed or task.telescope not in self.dispatcher.links:
                    continue
                _LOG.warning("Reconciling %s: running on %s, not followed", task.id, task.telescope)
                run = Running(task.id, task.observation_id, task.telescope, task.fencing_token)
                self.adopted[task.id] = run
                # The controller may have died between the claim and the observation's move
                # to in_progress: a running task means the observation is in progress.
                self.dispatcher.outcomes.started(run)
            for task_id, run in list(self.adopted.items()):
                link = self.dispatcher.links[run.telescope]
                if link.heartbeat_age_s() is None:
                    continue  # not heard from it yet (a restart): wait for its first report
                if run.telescope not in self.dispatcher.offline and link.current_task() == task_id:
                    continue  # still executing there: wait
                del self.adopted[task_id]
                self._settle(run)

    def _settle(self, run: Running) -> None:
        link = self.dispatcher.links[run.telescope]
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
            run.interrupted = "found unfinished on reconciliation"
        self.dispatcher.outcomes.finished(run, status, result, link)
