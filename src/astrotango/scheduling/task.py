"""The planner's neutral input: one task that may be given one block on one telescope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from astrotango.scheduling.task_constraints import TaskConstraints

__all__ = ["SchedulableTask"]


@dataclass(frozen=True, slots=True)
class SchedulableTask:
    """A task the planner may place (at most once).

    Attributes:
        id: Unique identifier.
        ra_deg: ICRS right ascension, degrees.
        dec_deg: ICRS declination, degrees.
        duration_s: Length of the block, seconds.
        priority: Higher is more important (benchmark: 1..10).
        queue_priority: Multiplier of the queue the task comes from (1 = neutral).
        queue: Name of that queue ('' = none): a telescope closed to it cannot take the task.
        constraints: Hard limits over the whole block.
        time_window: ``(start, end)`` UTC the block must lie within, or ``None``.
        cadence_next_eligible: Earliest allowed start (UTC) from its cadence, or ``None``.
        fixed_start: A fixed-time task's start (UTC): the block starts no more than
            ``start_tolerance_s`` before or after it, or is not planned.
        start_tolerance_s: Allowed distance of a fixed-time start from ``fixed_start``.
        required_capability: Instrument kind a telescope must carry (``"optical"``,
            ``"radio"``...).
        fov_need_deg: Field of view the observation needs, degrees (0 = any).
        required_features: Further capabilities a telescope must list (e.g. ``"filter:r"``).
        sync_group: Key of a group planned together (``parallel`` and
            ``parallel_synchronized`` copies): its ``sync_size`` members start at one
            instant on distinct telescopes, all or none.
        sync_size: Number of members of ``sync_group`` (1 when not grouped).
        last_observed: When the target was last observed (UTC), or ``None``.
        max_per_night: Observations allowed per night (``None`` = no limit).
        observed_tonight: Observations already made this night.
    """

    id: str
    ra_deg: float
    dec_deg: float
    duration_s: float
    priority: float = 1.0
    queue_priority: float = 1.0
    queue: str = ""
    constraints: TaskConstraints = field(default_factory=TaskConstraints)
    time_window: tuple[datetime, datetime] | None = None
    cadence_next_eligible: datetime | None = None
    fixed_start: datetime | None = None
    start_tolerance_s: float = 0.0
    required_capability: str = "optical"
    fov_need_deg: float = 0.0
    required_features: frozenset[str] = frozenset()
    sync_group: str | None = None
    sync_size: int = 1
    last_observed: datetime | None = None
    max_per_night: int | None = None
    observed_tonight: int = 0

    def __post_init__(self) -> None:
        if not -90.0 <= self.dec_deg <= 90.0:
            raise ValueError(f"dec_deg out of range: {self.dec_deg}")
        if self.duration_s <= 0.0:
            raise ValueError(f"duration_s must be positive: {self.duration_s}")
        if self.priority < 0.0 or self.queue_priority < 0.0:
            raise ValueError("priority and queue_priority must be >= 0")
        if self.sync_size < 1:
            raise ValueError(f"sync_size must be >= 1: {self.sync_size}")
        if self.start_tolerance_s < 0.0:
            raise ValueError(f"start_tolerance_s must be >= 0: {self.start_tolerance_s}")
        if self.time_window is not None and self.time_window[1] < self.time_window[0]:
            raise ValueError("time_window ends before it starts")
