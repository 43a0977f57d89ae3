"""Urgency: a task whose window or visibility ends soon scores higher."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.merits.base import F64, MeritInput

__all__ = ["UrgencyMerit"]


@dataclass(frozen=True, slots=True)
class UrgencyMerit:
    """``1 + weight * (1 - min(1, remaining / horizon_s))``: last chance = ``1 + weight``."""

    weight: float = 0.03
    horizon_s: float = 4 * 3600.0
    name: str = "urgency"

    def score(self, inp: MeritInput) -> F64:
        """Factor in ``[1, 1 + weight]``."""
        frac = np.clip(inp.remaining_s / self.horizon_s, 0.0, 1.0)
        out: F64 = 1.0 + self.weight * (1.0 - frac)
        return out
