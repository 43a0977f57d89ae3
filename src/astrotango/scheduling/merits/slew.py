"""Slew distance from the telescope's previous target: short slews score higher."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.merits.base import F64, MeritInput

__all__ = ["SlewMerit"]


@dataclass(frozen=True, slots=True)
class SlewMerit:
    """``1 - weight * slew / 180°``."""

    weight: float = 0.02
    name: str = "slew"

    def score(self, inp: MeritInput) -> F64:
        """Factor in ``[1 - weight, 1]``."""
        out: F64 = 1.0 - self.weight * np.clip(inp.slew_deg, 0.0, 180.0) / 180.0
        return out
