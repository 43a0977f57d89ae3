"""The planner's output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from astrotango.scheduling.block import ScheduledBlock

__all__ = ["Plan"]


@dataclass(frozen=True, slots=True)
class Plan:
    """Blocks sorted by (start, telescope), and what could not be placed.

    Attributes:
        blocks: The planned blocks.
        unscheduled: Ids of the tasks not planned, in input order.
        start: Horizon start (UTC).
        end: Horizon end (UTC).
        step_s: Grid resolution used, seconds.
        tasks_considered: Number of tasks given to the planner.
    """

    blocks: tuple[ScheduledBlock, ...]
    unscheduled: tuple[str, ...]
    start: datetime
    end: datetime
    step_s: float
    tasks_considered: int

    def block_of(self, task_id: str) -> ScheduledBlock | None:
        """The block of ``task_id``, or ``None`` when it is not planned."""
        for block in self.blocks:
            if block.task_id == task_id:
                return block
        return None
