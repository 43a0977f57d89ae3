"""Per-night limit: a task observed its allowed number of times tonight scores zero."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.merits.base import F64, MeritInput

__all__ = ["PerNightMerit"]


@dataclass(frozen=True, slots=True)
class PerNightMerit:
    """1 while ``observed_tonight < max_per_night``, else 0 (the task is not planned)."""

    name: str = "per_night"

    def score(self, inp: MeritInput) -> F64:
        """Factor 0 or 1."""
        out: F64 = np.where(inp.observed_tonight < inp.max_per_night, 1.0, 0.0)
        return out
