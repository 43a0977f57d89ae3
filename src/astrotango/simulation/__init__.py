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
)

__all__ = [
    "SHARED_CLOCK_ENV",
    "Clock",
    "ManualClock",
    "ScaledClock",
    "WallClock",
    "make_clock",
    "shared_clock",
    "shared_clock_spec",
]
