"""Queue gates: a telescope closed to a task's queue cannot take the task.

Each queue's policy gates execution with its own constraint devices (mission/004): in civil
twilight the research policy's sun gate is closed while the maintenance queue (no gates) may
take sky flats on the same telescope. The controller tells the Scheduler which queues each
telescope is closed to; this gate keeps their tasks off it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.constraints.base import BoolArray, Scope
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["QueueConstraint"]


@dataclass(frozen=True, slots=True)
class QueueConstraint:
    """False for the tasks whose queue the telescope is closed to.

    Returns shape (n_tasks, 1): the same at every time (a queue that opens later is a new
    availability, and a new plan).
    """

    name: str = "queue"
    scope: Scope = "telescope"

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True for the tasks whose queue is open on the telescope."""
        tel = ctx.telescope
        if tel is None:
            raise ValueError("queue is telescope-scoped: ctx.telescope is required")
        closed = tel.closed_queues
        ok = [t.queue not in closed for t in ctx.tasks.tasks]
        return np.array(ok, dtype=bool).reshape(-1, 1)

    def describe(self, task: SchedulableTask) -> str:
        """E.g. ``"queue 'research' closed by its policy's gates"``."""
        return f"queue {task.queue!r} closed by its policy's gates"
