"""The simulated enclosure: travel time, reversal mid-way, a stuck motor with stall detection."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from astrotango.clock.clocks import Clock
from astrotango.hardware import EnclosureState, EnclosureStatus
from astrotango.simulation.telescope.faults import FaultBoard

__all__ = ["SimulatedEnclosure"]


class SimulatedEnclosure:
    """A dome or roof that takes ``travel_s`` to open or close fully.

    While the ``enclosure_stuck`` fault is active the motor does not move; after
    ``stall_detect_s`` of commanded but absent motion the enclosure reports FAULT. Clearing the
    fault lets a moving enclosure carry on.

    Args:
        clock: The simulation clock.
        travel_s: Time for a full stroke, seconds.
        stall_detect_s: How long a stalled motor takes to be reported, seconds.
        faults: The shared fault board.
    """

    def __init__(
        self, clock: Clock, travel_s: float, stall_detect_s: float, faults: FaultBoard
    ) -> None:
        self._clock, self._travel_s, self._stall_s, self._faults = (
            clock,
            travel_s,
            stall_detect_s,
            faults,
        )
        self._lock = threading.Lock()
        self._fraction = 0.0
        self._direction = 0  # +1 opening, -1 closing, 0 still
        self._since = clock.now()
        self._stuck = False

    def open(self) -> None:
        """Start opening (or keep opening)."""
        self._command(+1)

    def close(self) -> None:
        """Start closing (or keep closing)."""
        self._command(-1)

    def state(self) -> EnclosureStatus:
        """Measure the enclosure now."""
        self._faults.gate("enclosure")
        with self._lock:
            now = self._advance()
            if self._direction == 0:
                state = EnclosureState.OPEN if self._fraction >= 1.0 else EnclosureState.CLOSED
                return EnclosureStatus(state, self._fraction)
            moving = EnclosureState.OPENING if self._direction > 0 else EnclosureState.CLOSING
            if self._stuck and (now - self._since).total_seconds() >= self._stall_s:
                verb = "opening" if self._direction > 0 else "closing"
                reason = f"enclosure stuck: motor stalled at {self._fraction:.0%} while {verb}"
                return EnclosureStatus(EnclosureState.FAULT, self._fraction, reason)
            return EnclosureStatus(moving, self._fraction)

    def next_change(self) -> datetime | None:
        """When the travel ends (or a stalled motor is reported); None when still."""
        with self._lock:
            now = self._advance()
            if self._direction == 0:
                return None
            if self._stuck:
                reported = self._since + timedelta(seconds=self._stall_s)
                return reported if reported > now else None
            left = (1.0 - self._fraction) if self._direction > 0 else self._fraction
            return now + timedelta(seconds=left * self._travel_s)

    def set_stuck(self, stuck: bool) -> None:
        """Stall (True) or free (False) the motor, keeping the commanded direction."""
        with self._lock:
            self._since = self._advance()
            self._stuck = stuck

    def _command(self, direction: int) -> None:
        self._faults.gate("enclosure")
        with self._lock:
            now = self._advance()
            target = 1.0 if direction > 0 else 0.0
            if self._fraction == target:
                self._direction = 0
                return
            if direction != self._direction:
                self._direction, self._since = direction, now

    def _advance(self) -> datetime:
        now = self._clock.now()
        if self._direction == 0 or self._stuck:
            return now
        elapsed = (now - self._since).total_seconds()
        step = elapsed / self._travel_s if self._travel_s > 0 else 1.0
        self._fraction = min(1.0, max(0.0, self._fraction + self._direction * step))
        self._since = now
        # Stopped only at the end it travels to (not at the one it just left, at the
        # instant it was commanded: on virtual time no real time passes in between).
        if self._fraction == (1.0 if self._direction > 0 else 0.0):
            self._direction = 0
        return now
