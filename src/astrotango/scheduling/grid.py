"""The planning time grid: regular samples from the horizon start, default every 60 s."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

__all__ = ["TimeGrid", "iso_z"]


def iso_z(moment: datetime) -> str:
    """Format a UTC time as ISO 8601 with a ``Z`` suffix, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class TimeGrid:
    """Samples ``start + i * step_s`` for ``i = 0 .. n - 1``, all at or before ``end``.

    Attributes:
        start: First sample (UTC, timezone-aware).
        end: End of the horizon (UTC); the last sample is the last one not after it.
        step_s: Sample spacing, seconds.
    """

    start: datetime
    end: datetime
    step_s: float = 60.0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("grid times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("grid end must be after its start")
        if self.step_s <= 0.0:
            raise ValueError("step_s must be positive")

    @property
    def n(self) -> int:
        """Number of samples."""
        return math.floor(self.span_s / self.step_s + 1e-9) + 1

    @property
    def span_s(self) -> float:
        """Horizon length, seconds."""
        return (self.end - self.start).total_seconds()

    @property
    def offsets_s(self) -> NDArray[np.float64]:
        """Sample times as seconds since ``start``."""
        return np.arange(self.n, dtype=np.float64) * self.step_s

    def offset_s(self, moment: datetime) -> float:
        """Seconds from ``start`` to ``moment`` (negative before it)."""
        return (moment - self.start).total_seconds()

    def at(self, offset_s: float) -> datetime:
        """The UTC time ``offset_s`` seconds after ``start``."""
        return (self.start + timedelta(seconds=float(offset_s))).astimezone(UTC)

    def slots_for(self, duration_s: float) -> int:
        """Whole steps a block of ``duration_s`` spans (rounded up)."""
        return max(1, math.ceil(duration_s / self.step_s - 1e-9))
