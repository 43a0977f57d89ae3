"""The focuser: an ASCOM Focuser (absolute) implementing the Focuser Protocol.

The poller reads Position, IsMoving and (when the focuser has a sensor) Temperature; ``move_to``
(Move) and ``stop`` (Halt) are short calls on the caller's thread. Until a reading taken after
a Move or a Halt arrives, the focuser reports itself under way: a reading from before would
show it still, where it was. Only absolute focusers are driven (Position and Move to a step);
a relative one is a fault. alpaca-simulators' focuser (device 0) is absolute, 0..100000 steps,
moves at once, clamps a Move outside its travel, and reports 20 deg C.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from astrotango.clock.clocks import Clock
from astrotango.hardware.alpaca.transport import TimedFocuser, call, get, is_network, put
from astrotango.hardware.errors import HardwareError, HardwareFault
from astrotango.hardware.types import FocuserInfo, FocuserStatus

__all__ = ["AlpacaFocuser", "FocuserReading", "focuser_status"]


@dataclass(frozen=True)
class FocuserReading:
    """One reading of the Focuser: position (steps), IsMoving, Temperature (deg C or None)."""

    position_steps: int = 0
    moving: bool = False
    temperature_c: float | None = None
    fault: str = ""


def focuser_status(reading: FocuserReading, *, commanded: bool) -> FocuserStatus:
    """Our focuser status from a reading; ``commanded``: a Move not yet seen in a reading."""
    if reading.fault:
        return FocuserStatus(reading.position_steps, False, reading.temperature_c, reading.fault)
    moving = reading.moving or commanded
    return FocuserStatus(reading.position_steps, moving, reading.temperature_c)


class AlpacaFocuser:
    """An ASCOM Focuser implementing :class:`~astrotango.hardware.Focuser`.

    Args:
        device: The Focuser device.
        clock: Dates commands.
        reading: The latest snapshot's time and focuser reading (raises when there is none).
        command: Brackets a command (the poller discards readings taken meanwhile).
    """

    def __init__(
        self,
        device: TimedFocuser,
        clock: Clock,
        reading: Callable[[], tuple[datetime, FocuserReading]],
        command: Callable[[], contextlib.AbstractContextManager[None]],
    ) -> None:
        self._device, self._clock, self._reading, self._command = device, clock, reading, command
        self._lock = threading.Lock()
        self._info: FocuserInfo | None = None
        self._unusable = ""  # why the focuser cannot be driven ('' when it can)
        self._has_sensor = True
        self._issued: datetime | None = None  # when the last Move was issued

    # -- poller side ----------------------------------------------------------------------

    def connect(self) -> None:
        """Connect; learn the travel (MaxStep, StepSize) and whether there is a sensor."""
        d = self._device
        put(d, "Connected", True)
        try:
            absolute = bool(get(d, "Absolute"))
            info = FocuserInfo(int(get(d, "MaxStep")), _step_size_um(d))
        except (HardwareError, ValueError) as exc:
            if is_network(exc):
                raise
            with self._lock:
                self._info, self._unusable = None, f"focuser {d.device_number}: {exc}"
            return
        try:
            get(d, "Temperature")
            sensor = True
        except HardwareError as exc:  # NotImplemented: no sensor
            if is_network(exc):
                raise
            sensor = False
        with self._lock:
            self._info, self._has_sensor = info, sensor
            self._unusable = (
                "" if absolute else f"focuser {d.device_number} is relative (Absolute false)"
            )

    def read(self) -> FocuserReading:
        """Read the focuser (poller thread); a device error becomes a reading with a fault.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        d = self._device
        try:
            position, moving = int(get(d, "Position")), bool(get(d, "IsMoving"))
            temperature = float(get(d, "Temperature")) if self._has_sensor else None
        except HardwareError as exc:
            if is_network(exc):
                raise
            return FocuserReading(fault=str(exc))
        return FocuserReading(position, moving, temperature, self._unusable)

    # -- the Focuser Protocol -------------------------------------------------------------

    def info(self) -> FocuserInfo:
        """The travel, as learnt at connect.

        Raises:
            HardwareFault: not connected yet, or the focuser cannot be driven.
        """
        with self._lock:
            info, unusable = self._info, self._unusable
        if unusable:
            raise HardwareFault(unusable)
        if info is None:
            raise HardwareFault(f"focuser {self._device.device_number}: not connected yet")
        return info

    def status(self) -> FocuserStatus:
        """The focuser as last read (moving from a Move until a later reading).

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        when, reading = self._reading()
        with self._lock:
            commanded = self._issued is not None and when < self._issued
        return focuser_status(reading, commanded=commanded)

    def move_to(self, position_steps: int) -> None:
        """Start moving to ``position_steps`` (Move).

        Raises:
            HardwareError: outside 0..MaxStep (naming the bound), or the focuser refused.
        """
        why = self.info().range_error(position_steps)
        d = self._device
        if why:
            raise HardwareError(f"focuser {d.device_number}: {why}")
        with self._command():
            with self._lock:
                self._issued = self._clock.now()
            try:
                call(d, "Move", lambda: d.Move(position_steps))
            except HardwareError:
                with self._lock:
                    self._issued = None
                raise

    def stop(self) -> None:
        """Stop where it is (Halt); under way until a reading after the Halt shows it still.

        Raises:
            HardwareError: the focuser cannot halt (NotImplemented), or refused.
        """
        d = self._device
        with self._command():
            with self._lock:
                self._issued = self._clock.now()
            call(d, "Halt", d.Halt)


def _step_size_um(device: TimedFocuser) -> float | None:
    """StepSize (micrometres), or None when the focuser does not say."""
    try:
        size = float(get(device, "StepSize"))
    except HardwareError as exc:  # NotImplemented: the focuser does not say
        if is_network(exc):
            raise
        return None
    return size if size > 0 else None
