"""Fault injection: what can go wrong in the simulated telescope, and the hang gate."""

from __future__ import annotations

import enum
import threading

from astrotango.clock import Clock, Wake
from astrotango.hardware import HardwareTimeout

__all__ = ["Fault", "FaultBoard"]


class Fault(enum.StrEnum):
    """Injectable faults."""

    ENCLOSURE_STUCK = "enclosure_stuck"
    MOUNT_FAULT = "mount_fault"
    CAMERA_TIMEOUT = "camera_timeout"
    HANG = "hang"


class FaultBoard:
    """Which faults are active, shared by every simulated part.

    Args:
        clock: The simulation clock (hung calls block for ``call_timeout_s`` of it).
        call_timeout_s: How long a call into a hung simulator blocks before it fails.
    """

    def __init__(self, clock: Clock, call_timeout_s: float) -> None:
        self._clock = clock
        self._call_timeout_s = call_timeout_s
        self._active: set[Fault] = set()
        self._lock = threading.Lock()
        self._responsive = Wake()
        self._responsive.set()

    def set(self, fault: Fault, active: bool) -> None:
        """Activate or clear a fault."""
        with self._lock:
            if active:
                self._active.add(fault)
            else:
                self._active.discard(fault)
            if fault is Fault.HANG:
                (self._responsive.clear if active else self._responsive.set)()

    def active(self, fault: Fault) -> bool:
        """Whether ``fault`` is active."""
        with self._lock:
            return fault in self._active

    @property
    def faults(self) -> frozenset[Fault]:
        """Every active fault."""
        with self._lock:
            return frozenset(self._active)

    def gate(self, part: str) -> None:
        """Pass at once, unless the simulator hangs: then block until it recovers or times out.

        Raises:
            HardwareTimeout: the simulator stayed hung for ``call_timeout_s``.
        """
        if self._responsive.is_set():
            return
        self._clock.sleep(self._call_timeout_s, wake=self._responsive)
        if not self._responsive.is_set():
            raise HardwareTimeout(f"{part}: no answer within {self._call_timeout_s:g} s")
