"""The focuser of an INDI telescope: INDI's standard focuser properties.

``ABS_FOCUS_POSITION`` (``FOCUS_ABSOLUTE_POSITION``, steps) moves it and reports where it is,
``FOCUS_MAX`` (``FOCUS_MAX_VALUE``) bounds the travel, ``FOCUS_ABORT_MOTION`` (``ABORT``)
stops it, ``FOCUS_TEMPERATURE`` (``TEMPERATURE``, deg C) is its sensor when it has one.

What ``indi_simulator_focus`` (indi-bin 1.9.9, device ``Focuser Simulator``) does with them:
it defines all but ``FOCUS_ABORT_MOTION`` (it cannot be stopped), travel 0..100000; a move
sleeps in its driver for ``DELAY_VALUE`` (100 us) a step, sends nothing meanwhile (never
Busy), then answers Ok at the new position; a position outside the travel is answered Alert
at the old one. So a move counts as under way from the moment it is sent (the snapshot marks
the property Busy) until the device answers: at the target, in Alert, or after a Busy of its
own (a real focuser reporting its travel); a move unanswered for ``command_timeout_s`` is a
fault. Every read comes from the connection's snapshot: nothing here waits on the network.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from astrotango.hardware.errors import HardwareError, HardwareFault
from astrotango.hardware.indi.config import IndiConfig
from astrotango.hardware.indi.connection import Blob, IndiConnection
from astrotango.hardware.indi.properties import Prop
from astrotango.hardware.types import FocuserInfo, FocuserStatus

__all__ = ["IndiFocuser", "focuser_status"]

_POSITION, _VALUE = "ABS_FOCUS_POSITION", "FOCUS_ABSOLUTE_POSITION"
_MAX, _MAX_VALUE = "FOCUS_MAX", "FOCUS_MAX_VALUE"
_ABORT, _TEMPERATURE = "FOCUS_ABORT_MOTION", "FOCUS_TEMPERATURE"


def focuser_status(
    position: Prop, temperature: Prop | None, *, pending: bool, fault: str = ""
) -> FocuserStatus:
    """Our focuser status from ``ABS_FOCUS_POSITION`` and ``FOCUS_TEMPERATURE``.

    Args:
        position: The position property.
        temperature: The temperature property, if the device has one.
        pending: A move the driver sent has not been answered yet.
        fault: Why the driver's last move failed ('' if it did not).

    Moving while the position is Busy or a move is pending; in fault (and not moving) with
    ``fault`` or while the position is in Alert. A temperature in Alert is no reading.

    Raises:
        KeyError, TypeError: the position is not a standard ``ABS_FOCUS_POSITION``.
    """
    reason = fault or (position.reason() if position.alert else "")
    moving = not reason and (position.busy or pending)
    celsius = None
    if temperature is not None and not temperature.alert and "TEMPERATURE" in temperature.values:
        celsius = temperature.number("TEMPERATURE")
    return FocuserStatus(round(position.number(_VALUE)), moving, celsius, reason)


@dataclass
class _Move:
    """One move sent and not yet answered (changed under the focuser's lock)."""

    target: int
    sent_at: float  # time.monotonic() of the send
    seen_busy: bool = False


class IndiFocuser:
    """The :class:`~astrotango.hardware.Focuser` Protocol over an INDI focuser device.

    Args:
        conn: The server connection.
        device: The focuser's device name.
        config: ``command_timeout_s``: how long a move may go unanswered, seconds.
    """

    def __init__(self, conn: IndiConnection, device: str, config: IndiConfig) -> None:
        self._conn, self._device, self._timeout_s = conn, device, config.command_timeout_s
        self._lock = threading.Lock()
        self._move: _Move | None = None
        self._fault = ""
        conn.listen(self._on_update)

    def info(self) -> FocuserInfo:
        """The travel, from ``FOCUS_MAX``.

        Raises:
            HardwareFault: disconnected, the device is not connected, or has no ``FOCUS_MAX``.
        """
        self._conn.ready(self._device)
        prop = self._conn.require(self._device, _MAX)
        try:
            return FocuserInfo(round(prop.number(_MAX_VALUE)))
        except (KeyError, TypeError, ValueError) as exc:
            raise HardwareFault(f"focuser {self._device!r}: bad {_MAX}: {exc}") from exc

    def status(self) -> FocuserStatus:
        """The focuser as last reported (no network round trip).

        Raises:
            HardwareFault: disconnected, or the device is not connected or not a focuser.
        """
        self._conn.ready(self._device)
        position = self._conn.require(self._device, _POSITION)
        temperature = self._conn.get(self._device, _TEMPERATURE)
        with self._lock:
            self._expire()
            pending, fault = self._move is not None, self._fault
        try:
            return focuser_status(position, temperature, pending=pending, fault=fault)
        except (KeyError, TypeError) as exc:
            raise HardwareFault(f"focuser {self._device!r}: bad {_POSITION}: {exc}") from exc

    def move_to(self, position_steps: int) -> None:
        """Send the focuser to ``position_steps``; returns at once.

        Raises:
            HardwareError: outside 0..``FOCUS_MAX`` (naming the bound); HardwareFault:
                disconnected.
        """
        why = self.info().range_error(position_steps)
        if why:
            raise HardwareError(f"focuser {self._device!r}: {why}")
        with self._lock:
            self._move, self._fault = _Move(position_steps, time.monotonic()), ""
        try:
            self._conn.send(self._device, _POSITION, {_VALUE: float(position_steps)})
        except HardwareFault:
            with self._lock:
                self._move = None
            raise

    def stop(self) -> None:
        """Stop the focuser (``FOCUS_ABORT_MOTION``).

        Raises:
            HardwareFault: disconnected, or the device has no ``FOCUS_ABORT_MOTION`` (the
                INDI simulator: it finishes its move).
        """
        self._conn.ready(self._device)
        if self._conn.get(self._device, _ABORT) is None:
            raise HardwareFault(
                f"focuser {self._device!r} cannot be stopped: it has no {_ABORT} "
                "(it finishes its move)"
            )
        with self._lock:
            self._move = None
        self._conn.send(self._device, _ABORT, {"ABORT": "On"})

    # -- internals ------------------------------------------------------------------------

    def _expire(self) -> None:
        """Fail a move the device has not answered in time (lock held)."""
        move = self._move
        if move is None or move.seen_busy:
            return
        waited = time.monotonic() - move.sent_at
        if waited > self._timeout_s:
            self._move = None
            self._fault = (
                f"focuser {self._device!r}: no answer to the move to {move.target} steps "
                f"within {self._timeout_s:g} s"
            )

    def _on_update(self, update: Prop | Blob | None) -> None:
        """Follow the move under way (on the connection's thread)."""
        if update is None:  # connected anew, or lost: the server forgot our move
            with self._lock:
                self._move = None
            return
        if not isinstance(update, Prop) or update.device != self._device:
            return
        if update.name != _POSITION:
            return
        with self._lock:
            move = self._move
            if move is None:
                return
            if update.alert:
                self._move = None
                self._fault = (
                    f"focuser {self._device!r}: the move to {move.target} steps failed "
                    f"({update.message or 'Alert'})"
                )
            elif update.busy:
                move.seen_busy = True
            elif move.seen_busy or _at(update) == move.target:
                self._move = None


def _at(position: Prop) -> int | None:
    """The position an update reports, steps (None when it is not a number)."""
    try:
        return round(position.number(_VALUE))
    except (KeyError, TypeError):
        return None
