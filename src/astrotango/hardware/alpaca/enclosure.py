"""The enclosure: an ASCOM Dome's shutter (ShutterStatus 0 open … 4 error)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from astrotango.clock.clocks import Clock
from astrotango.hardware.alpaca.mapping import open_fraction, shutter_state
from astrotango.hardware.alpaca.transport import TimedDome, call, get, is_network, put
from astrotango.hardware.errors import HardwareError
from astrotango.hardware.types import EnclosureState, EnclosureStatus

__all__ = ["AlpacaEnclosure", "ShutterReading"]


@dataclass(frozen=True)
class ShutterReading:
    """One reading of the Dome: its ShutterStatus, or why it could not be read."""

    status: int = 1
    fault: str = ""


class AlpacaEnclosure:
    """An ASCOM Dome implementing :class:`~astrotango.hardware.Enclosure`.

    Until a reading taken after ``open``/``close`` arrives, the enclosure reports the motion
    it was commanded (OPENING, CLOSING): a reading from before would show the old state.

    Args:
        device: The Dome device.
        clock: Dates commands.
        reading: The latest snapshot's time and shutter reading (raises when there is none).
        command: Brackets a command (the poller discards readings taken meanwhile).
    """

    def __init__(
        self,
        device: TimedDome,
        clock: Clock,
        reading: Callable[[], tuple[datetime, ShutterReading]],
        command: Callable[[], contextlib.AbstractContextManager[None]],
    ) -> None:
        self._device, self._clock, self._reading, self._command = device, clock, reading, command
        self._lock = threading.Lock()
        self._commanded: EnclosureState | None = None
        self._issued = clock.now()

    def connect(self) -> None:
        """Connect the Dome."""
        put(self._device, "Connected", True)

    def read(self) -> ShutterReading:
        """Read the shutter (poller thread); a device error becomes a reading with a fault.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        try:
            return ShutterReading(int(get(self._device, "ShutterStatus")))
        except HardwareError as exc:
            if is_network(exc):
                raise
            return ShutterReading(fault=str(exc))

    def open(self) -> None:
        """Start opening the shutter."""
        self._move(EnclosureState.OPENING, "OpenShutter")

    def close(self) -> None:
        """Start closing the shutter."""
        self._move(EnclosureState.CLOSING, "CloseShutter")

    def state(self) -> EnclosureStatus:
        """The enclosure as last read.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        when, r = self._reading()
        with self._lock:
            commanded, issued = self._commanded, self._issued
        if commanded is not None and when < issued:
            return EnclosureStatus(commanded, 0.5)
        if r.fault:
            return EnclosureStatus(EnclosureState.FAULT, 0.5, r.fault)
        state = shutter_state(r.status)
        fault = ""
        if state is EnclosureState.FAULT:
            fault = f"dome {self._device.device_number}: shutter error (ShutterStatus {r.status})"
        return EnclosureStatus(state, open_fraction(state), fault)

    def _move(self, commanded: EnclosureState, method: str) -> None:
        d = self._device
        with self._command():
            with self._lock:
                self._commanded, self._issued = commanded, self._clock.now()
            call(d, method, getattr(d, method))
