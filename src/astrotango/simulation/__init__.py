"""Simulation: hardware and sensor simulators behind driver Protocols; clocks re-exported."""

from __future__ import annotations

from astrotango.clock import (
    SHARED_CLOCK_ENV,
    Clock,
    ClockCondition,
    ClockKeeper,
    ManualClock,
    ScaledClock,
    Wake,
    WallClock,
    make_clock,
    shared_clock,
    shared_clock_spec,
    virtual_clock_spec,
)

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
