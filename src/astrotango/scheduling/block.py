"""One planned block: a task on a telescope from start to end, with why it scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["ScheduledBlock"]


@dataclass(frozen=True, slots=True)
class ScheduledBlock:
    """A task placed on a telescope.

    Attributes:
        task_id: The task.
        telescope_id: The telescope.
        start: Start (UTC), on a grid sample.
        end: ``start + duration_s`` (UTC).
        score: ``priority * queue_priority * product(merits)``.
        merits: Every factor of ``score`` by name (``priority`` and ``queue_priority``
            included), so the plan can say why.
    """

    task_id: str
    telescope_id: str
    start: datetime
    end: datetime
    score: float
    merits: dict[str, float] = field(default_factory=dict)
