"""The one signature every merit has, and what it sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["F64", "Merit", "MeritInput"]

F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MeritInput:
    """Per candidate block: arrays broadcastable to (n_tasks, n_candidate_starts).

    Attributes:
        sin_alt_mid: Sine of the target altitude at the block's middle (1 / airmass).
        hour_angle_mid_rad: Hour angle at the block's middle, radians in (-pi, pi].
        since_last_s: Seconds since the last observation at the start (``inf`` = never).
        remaining_s: Seconds from the horizon start to the task's last feasible start.
        slew_deg: Angle from the telescope's previous target, degrees (0 when none).
        observed_tonight: Observations already made this night.
        max_per_night: Observations allowed per night (``inf`` = no limit).
    """

    sin_alt_mid: F64
    hour_angle_mid_rad: F64
    since_last_s: F64
    remaining_s: F64
    slew_deg: F64
    observed_tonight: F64
    max_per_night: F64


class Merit(Protocol):
    """A soft preference: a positive factor per candidate (1 = neutral).

    Factors of all merits multiply together with priority and queue priority.
    """

    @property
    def name(self) -> str:
        """Merit name, e.g. ``"airmass"``."""
        ...

    def score(self, inp: MeritInput) -> F64:
        """The factor for each (task, candidate start)."""
        ...
