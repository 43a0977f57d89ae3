"""Simulation: injected clocks now; hardware and sensor simulators behind driver Protocols."""

from __future__ import annotations

from astrotango.simulation.clock import Clock, ManualClock, ScaledClock, WallClock, make_clock

__all__ = ["Clock", "ManualClock", "ScaledClock", "WallClock", "make_clock"]
