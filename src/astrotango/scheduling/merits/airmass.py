"""Airmass preference: lower airmass scores higher."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from astrotango.scheduling.merits.base import F64, MeritInput

__all__ = ["AirmassMerit"]


@dataclass(frozen=True, slots=True)
class AirmassMerit:
    """``1 - weight * (1 - 1/airmass)``: 1 at the zenith, ``1 - weight`` at the horizon."""

    weight: float = 0.05
    name: str = "airmass"

    def score(self, inp: MeritInput) -> F64:
        """Factor in ``[1 - weight, 1]``."""
        out: F64 = 1.0 - self.weight * (1.0 - np.clip(inp.sin_alt_mid, 0.0, 1.0))
        return out
