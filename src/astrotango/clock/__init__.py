"""Time, injected: the wall clock in production, scaled, manual and virtual clocks otherwise.

The lowest layer beside :mod:`astrotango.control_model`: everything that waits or timestamps
(the LRC executor, control, simulators, devices, the launcher) takes a :class:`Clock`.
"""

from __future__ import annotations

from astrotango.clock.clocks import (
    SHARED_CLOCK_ENV,
    VIRTUAL,
    Clock,
    ManualClock,
    ScaledClock,
    WallClock,
    make_clock,
    set_thread_context,
    shared_clock,
    shared_clock_spec,
    spawn,
    to_grid,
    virtual_clock_spec,
)
from astrotango.clock.virtual import ClockCondition, ClockKeeper, VirtualClock, Wake

__all__ = [
    "SHARED_CLOCK_ENV",
    "VIRTUAL",
    "Clock",
    "ClockCondition",
    "ClockKeeper",
    "ManualClock",
    "ScaledClock",
    "VirtualClock",
    "Wake",
    "WallClock",
    "make_clock",
    "set_thread_context",
    "shared_clock",
    "shared_clock_spec",
    "spawn",
    "to_grid",
    "virtual_clock_spec",
]
