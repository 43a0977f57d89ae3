"""Simulation: injected clocks now; hardware and sensor simulators behind driver Protocols."""

from __future__ import annotations

from astrotango.simulation.clock import (
    SHARED_CLOCK_ENV,
    Clock,
    ManualClock,
    ScaledClock,
    WallClock,
    make_clock,
    shared_clock,
    shared_clock_spec,
    virtual_clock_spec,
)
from astrotango.simulation.virtual_time import ClockCondition, ClockKeeper, Wake

__all__ = [
    "SHARED_CLOCK_ENV",
    "Clock",
    "ClockCondition",
    "ClockKeeper",
    "ManualClock",
    "ScaledClock",
    "Wake",
    "WallClock",
    "make_clock",
    "shared_clock",
    "shared_clock_spec",
    "virtual_clock_spec",
]
