"""Hard constraints: small typed gates, one per file, one signature ``mask(ctx)``."""

from __future__ import annotations

from astrotango.scheduling.constraints.airmass import AirmassConstraint
from astrotango.scheduling.constraints.altitude import AltitudeConstraint
from astrotango.scheduling.constraints.availability import AvailabilityConstraint
from astrotango.scheduling.constraints.base import BoolArray, Constraint, Scope
from astrotango.scheduling.constraints.cadence import CadenceConstraint
from astrotango.scheduling.constraints.capability import CapabilityConstraint
from astrotango.scheduling.constraints.moon_illumination import MoonIlluminationConstraint
from astrotango.scheduling.constraints.moon_separation import MoonSeparationConstraint
from astrotango.scheduling.constraints.queue import QueueConstraint
from astrotango.scheduling.constraints.time_window import TimeWindowConstraint
from astrotango.scheduling.constraints.twilight import TwilightConstraint

__all__ = [
    "DEFAULT_CONSTRAINTS",
    "AirmassConstraint",
    "AltitudeConstraint",
    "AvailabilityConstraint",
    "BoolArray",
    "CadenceConstraint",
    "CapabilityConstraint",
    "Constraint",
    "MoonIlluminationConstraint",
    "MoonSeparationConstraint",
    "QueueConstraint",
    "Scope",
    "TimeWindowConstraint",
    "TwilightConstraint",
]

#: Every gate, in the order explanations report them.
DEFAULT_CONSTRAINTS: tuple[Constraint, ...] = (
    CapabilityConstraint(),
    AvailabilityConstraint(),
    QueueConstraint(),
    TimeWindowConstraint(),
    CadenceConstraint(),
    AltitudeConstraint(),
    AirmassConstraint(),
    TwilightConstraint(),
    MoonSeparationConstraint(),
    MoonIlluminationConstraint(),
)
