"""The enclosure of an INDI telescope: a dome's shutter (``DOME_SHUTTER``), unparked first.

INDI domes refuse to move the shutter while parked, so ``open`` unparks a parked dome
(``DOME_PARK`` UNPARK) and sends the shutter command once the dome reports it is unparked;
the enclosure reads OPENING meanwhile.
"""

from __future__ import annotations

import threading

from astrotango.hardware.errors import HardwareFault
from astrotango.hardware.indi.connection import Blob, IndiConnection
from astrotango.hardware.indi.mapping import enclosure_status
from astrotango.hardware.indi.properties import Prop
from astrotango.hardware.types import EnclosureStatus

__all__ = ["IndiEnclosure"]

_SHUTTER, _PARK = "DOME_SHUTTER", "DOME_PARK"


class IndiEnclosure:
    """The :class:`~astrotango.hardware.Enclosure` Protocol over an INDI dome device.

    Args:
        conn: The server connection.
        device: The dome's device name.
    """

    def __init__(self, conn: IndiConnection, device: str) -> None:
        self._conn, self._device = conn, device
        self._lock = threading.Lock()
        self._open_after_unpark = False
        conn.listen(self._on_update)

    def open(self) -> None:
        """Start opening: unpark the dome if parked, then open the shutter.

        Raises:
            HardwareFault: disconnected, or the dome is not connected.
        """
        self._conn.ready(self._device)
        park = self._conn.get(self._device, _PARK)
        if park is not None and (park.on("PARK") or park.busy):
            with self._lock:
                self._open_after_unpark = True
            if park.on("PARK"):
                self._conn.send(self._device, _PARK, {"UNPARK": "On"})
            return
        self._conn.send(self._device, _SHUTTER, {"SHUTTER_OPEN": "On"})

    def close(self) -> None:
        """Start closing the shutter (cancels an open waiting for the unpark).

        Raises:
            HardwareFault: disconnected, or the dome is not connected.
        """
        self._conn.ready(self._device)
        with self._lock:
            self._open_after_unpark = False
        self._conn.send(self._device, _SHUTTER, {"SHUTTER_CLOSE": "On"})

    def state(self) -> EnclosureStatus:
        """The shutter as last reported (fraction 0.5 while it moves: INDI does not say).

        Raises:
            HardwareFault: disconnected, or the dome is not connected.
        """
        self._conn.ready(self._device)
        shutter = self._conn.require(self._device, _SHUTTER)
        park = self._conn.get(self._device, _PARK)
        return enclosure_status(shutter, park, self._open_after_unpark)

    def _on_update(self, update: Prop | Blob | None) -> None:
        if update is None:
            with self._lock:
                self._open_after_unpark = False
            return
        if not isinstance(update, Prop) or update.device != self._device:
            return
        if update.name != _PARK or not self._open_after_unpark:
            return
        if update.alert:
            with self._lock:
                self._open_after_unpark = False  # the FAULT shows through DOME_PARK
        elif not update.busy and update.on("UNPARK"):
            try:  # the shutter shows Busy before the flag drops: never a CLOSED in between
                self._conn.send(self._device, _SHUTTER, {"SHUTTER_OPEN": "On"})
            except HardwareFault:
                pass  # disconnected meanwhile: telemetry reports it
            finally:
                with self._lock:
                    self._open_after_unpark = False
