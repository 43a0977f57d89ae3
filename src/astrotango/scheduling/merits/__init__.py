"""Merits: soft, multiplicative preferences, one per file, one signature ``score(inp)``."""

from __future__ import annotations

from astrotango.scheduling.merits.airmass import AirmassMerit
from astrotango.scheduling.merits.base import Merit, MeritInput
from astrotango.scheduling.merits.per_night import PerNightMerit
from astrotango.scheduling.merits.since_last import SinceLastMerit
from astrotango.scheduling.merits.slew import SlewMerit
from astrotango.scheduling.merits.transit import TransitMerit
from astrotango.scheduling.merits.urgency import UrgencyMerit

__all__ = [
    "DEFAULT_MERITS",
    "AirmassMerit",
    "Merit",
    "MeritInput",
    "PerNightMerit",
    "SinceLastMerit",
    "SlewMerit",
    "TransitMerit",
    "UrgencyMerit",
]

#: The merits a plan uses unless told otherwise. Their weights keep the product within a few
#: per cent of 1, so priority dominates and merits order tasks of equal priority and choose
#: among a task's possible times.
DEFAULT_MERITS: tuple[Merit, ...] = (
    AirmassMerit(),
    TransitMerit(),
    SinceLastMerit(),
    UrgencyMerit(),
    SlewMerit(),
    PerNightMerit(),
)
