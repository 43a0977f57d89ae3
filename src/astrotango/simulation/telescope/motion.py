"""Axis motion: a trapezoidal (or triangular) velocity profile with rate and acceleration."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["AxisMove", "wrap180"]


def wrap180(angle_deg: float) -> float:
    """An angle in [-180, 180)."""
    return (angle_deg + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class AxisMove:
    """A move of one axis by ``distance_deg`` (signed), starting and ending at rest.

    Attributes:
        start_deg: Where the axis starts.
        distance_deg: How far it moves (signed).
        rate_deg_s: Top speed.
        accel_deg_s2: Acceleration and deceleration.
    """

    start_deg: float
    distance_deg: float
    rate_deg_s: float
    accel_deg_s2: float

    @property
    def duration_s(self) -> float:
        """How long the move takes."""
        d, v, a = abs(self.distance_deg), self.rate_deg_s, self.accel_deg_s2
        if d == 0:
            return 0.0
        if d < v * v / a:  # never reaches top speed: accelerate half way, then brake
            return 2.0 * math.sqrt(d / a)
        return d / v + v / a

    def position(self, elapsed_s: float) -> float:
        """Where the axis is ``elapsed_s`` after the start (clamped to the move)."""
        d, v, a = abs(self.distance_deg), self.rate_deg_s, self.accel_deg_s2
        total = self.duration_s
        t = min(max(elapsed_s, 0.0), total)
        if d == 0 or t >= total:
            return self.start_deg + self.distance_deg
        peak = min(v, math.sqrt(d * a))
        ramp = peak / a
        if t < ramp:
            done = 0.5 * a * t * t
        elif t <= total - ramp:
            done = 0.5 * a * ramp * ramp + peak * (t - ramp)
        else:
            left = total - t
            done = d - 0.5 * a * left * left
        return self.start_deg + math.copysign(done, self.distance_deg)
