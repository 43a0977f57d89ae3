"""Time since the last observation: a target just observed scores lower."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.merits.base import F64, MeritInput

__all__ = ["SinceLastMerit"]


@dataclass(frozen=True, slots=True)
class SinceLastMerit:
    """``1 - weight * exp(-since / timescale_s)``; never observed = 1."""

    weight: float = 0.1
    timescale_s: float = 86400.0
    name: str = "since_last"

    def score(self, inp: MeritInput) -> F64:
        """Factor in ``[1 - weight, 1]``."""
        since = np.maximum(inp.since_last_s, 0.0)
        out: F64 = 1.0 - self.weight * np.exp(-since / self.timescale_s)
        return out
