"""Closeness to transit: blocks centred near the meridian score higher."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.merits.base import F64, MeritInput

__all__ = ["TransitMerit"]


@dataclass(frozen=True, slots=True)
class TransitMerit:
    """``1 - weight * |hour angle| / 12 h`` at the block's middle."""

    weight: float = 0.02
    name: str = "transit"

    def score(self, inp: MeritInput) -> F64:
        """Factor in ``[1 - weight, 1]``."""
        out: F64 = 1.0 - self.weight * np.abs(inp.hour_angle_mid_rad) / np.pi
        return out
