"""The camera of an INDI telescope: a CCD device and an optional filter wheel device.

The CCD takes ``CCD_EXPOSURE`` and sends the image as the BLOB ``CCD1``; the wheel moves by
``FILTER_SLOT``.

An exposure moves the wheel first when it must, then starts; the camera is EXPOSING from the
request (the wheel move included), READING from the end of the countdown until the FITS BLOB
arrives, then READY. ``readout`` writes the BLOB with our header merged into its primary
header. INDI cameras send nothing after an abort, so an aborted exposure is READY at once and
reads out as a partial asset without pixels.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from astrotango.clock.clocks import Clock
from astrotango.hardware.errors import HardwareError, HardwareFault
from astrotango.hardware.fits import exposure_header, frame_asset
from astrotango.hardware.indi.config import IndiConfig
from astrotango.hardware.indi.connection import Blob, IndiConnection
from astrotango.hardware.indi.mapping import filter_slot, frame_type
from astrotango.hardware.indi.properties import Prop
from astrotango.hardware.instruments import CameraInfo
from astrotango.hardware.types import (
    Asset,
    ExposureRequest,
    FocuserStatus,
    HeaderValue,
    InstrumentState,
    InstrumentStatus,
    MountStatus,
)

__all__ = ["IndiCamera"]

_SLOT, _SLOT_VALUE, _EXPOSURE, _IMAGE = "FILTER_SLOT", "FILTER_SLOT_VALUE", "CCD_EXPOSURE", "CCD1"


class _Phase(enum.Enum):
    IDLE = "idle"
    FILTER = "filter"  # the wheel moves before the exposure starts: reported EXPOSING
    EXPOSING = "exposing"
    READING = "reading"
    READY = "ready"
    FAULT = "fault"


_REPORTED = {
    _Phase.IDLE: InstrumentState.IDLE,
    _Phase.FILTER: InstrumentState.EXPOSING,
    _Phase.EXPOSING: InstrumentState.EXPOSING,
    _Phase.READING: InstrumentState.READING,
    _Phase.READY: InstrumentState.READY,
    _Phase.FAULT: InstrumentState.FAULT,
}


class IndiCamera:
    """The :class:`~astrotango.hardware.Camera` Protocol over INDI CCD and wheel devices.

    Args:
        info: The camera's description (its filters in wheel order).
        conn: The server connection.
        config: Device names, the filter slot map and timeouts.
        clock: Timestamps (DATE-OBS, elapsed time).
        data_dir: Where the FITS files are written.
        pointing: Where the telescope points (None when unknown), for the header.
        header: Keywords common to every image (TELESCOP, site).
        focus: Where the focuser stands (None when unknown), for the header; None: no
            focuser.
    """

    kind = "fits_image"

    def __init__(
        self,
        info: CameraInfo,
        conn: IndiConnection,
        config: IndiConfig,
        clock: Clock,
        data_dir: Path,
        pointing: Callable[[], MountStatus | None],
        header: dict[str, HeaderValue],
        focus: Callable[[], FocuserStatus | None] | None = None,
    ) -> None:
        self.info = info
        self._conn, self._config, self._clock, self._dir = conn, config, clock, data_dir
        self._ccd, self._wheel = config.ccd, config.wheel
        self._pointing, self._base_header = pointing, header
        self._focus = focus
        self._lock = threading.Lock()
        self._phase, self._fault = _Phase.IDLE, ""
        self._filter = info.filters[0]
        self._request: ExposureRequest | None = None
        self._slot = 0
        self._since = 0.0  # time.monotonic() the filter move began
        self._start = clock.now()
        self._end = self._start
        self._data: bytes | None = None
        self._header: dict[str, HeaderValue] = {}
        conn.listen(self._on_update)

    @property
    def _name(self) -> str:
        return self.info.name

    def set_filter(self, name: str) -> None:
        """Select a filter; the wheel moves now unless an exposure is under way.

        Raises:
            HardwareError: no such filter; HardwareFault: disconnected.
        """
        slot = filter_slot(name, self.info.filters, self._config.filter_slots)
        with self._lock:
            self._filter = name
            idle = self._phase in (_Phase.IDLE, _Phase.READY, _Phase.FAULT)
        if idle and self._wheel is not None:
            self._conn.send(self._wheel, _SLOT, {_SLOT_VALUE: slot})

    def expose(self, request: ExposureRequest) -> None:
        """Start an exposure (after moving the wheel if needed).

        Raises:
            HardwareError: busy, no such filter or image type; HardwareFault: disconnected.
        """
        wanted = request.filter or self._filter
        slot = filter_slot(wanted, self.info.filters, self._config.filter_slots)
        frame = frame_type(request.image_type)
        self._conn.ready(self._ccd)
        if self._wheel is not None:
            self._conn.ready(self._wheel)
        with self._lock:
            if self._phase not in (_Phase.IDLE, _Phase.FAULT):
                raise HardwareError(f"{self._name}: busy ({_REPORTED[self._phase].name})")
            self._conn.send(self._ccd, "CCD_FRAME_TYPE", {frame: "On"})
            binning = float(request.binning)
            self._conn.send(self._ccd, "CCD_BINNING", {"HOR_BIN": binning, "VER_BIN": binning})
            self._filter, self._request, self._slot = wanted, request, slot
            self._data, self._fault = None, ""
            wheel = self._conn.get(self._wheel, _SLOT) if self._wheel else None
            if wheel is not None and round(wheel.number(_SLOT_VALUE)) != slot:
                self._conn.send(self._wheel or "", _SLOT, {_SLOT_VALUE: slot})
                self._phase, self._since = _Phase.FILTER, time.monotonic()
            else:
                self._begin()

    def status(self) -> InstrumentStatus:
        """The camera now.

        Raises:
            HardwareFault: disconnected, or the CCD device is not connected.
        """
        self._conn.ready(self._ccd)
        with self._lock:
            now = self._advance()
            duration = self._request.exposure_s if self._request else 0.0
            elapsed = 0.0
            if self._phase is not _Phase.FILTER and self._request is not None:
                elapsed = max(0.0, (min(now, self._end) - self._start).total_seconds())
            state = _REPORTED[self._phase]
            return InstrumentStatus(self._name, state, elapsed, duration, self._fault)

    def abort(self) -> None:
        """Cut the exposure short (``CCD_ABORT_EXPOSURE``); READY at once, without pixels.

        Raises:
            HardwareFault: disconnected.
        """
        with self._lock:
            now = self._advance()
            if self._phase is _Phase.EXPOSING:
                self._conn.send(self._ccd, "CCD_ABORT_EXPOSURE", {"ABORT": "On"})
                self._end = max(self._start, now)
            elif self._phase is _Phase.FILTER:
                self._start = self._end = now
            else:
                return
            self._phase, self._data = _Phase.READY, None

    def readout(self) -> Asset:
        """Write the image to ``<data_dir>/<asset id>.fits`` and return its asset; IDLE after.

        Raises:
            HardwareError: nothing is ready, or the file cannot be written (the image is
                then lost and the camera IDLE).
        """
        with self._lock:
            self._advance()
            request = self._request
            if self._phase is not _Phase.READY or request is None:
                state = _REPORTED[self._phase].name
                raise HardwareError(f"{self._name}: nothing to read out ({state})")
            data, start = self._data, self._start
            actual_s = (self._end - start).total_seconds()
            partial = data is None
            header = {**self._base_header, **self._header}
            header.update(EXPTIME=round(actual_s, 3), PARTIAL=partial)
            self._phase, self._request, self._data = _Phase.IDLE, None, None
        return frame_asset(
            self._dir,
            kind=self.kind,
            instrument=self._name,
            start=start,
            duration_s=actual_s,
            partial=partial,
            header=header,
            task=request.task,
            data=data,
        )

    # -- internals (holding the lock) -----------------------------------------------------

    def _begin(self) -> None:
        """Start the exposure itself and note the header of its start."""
        request = self._request
        assert request is not None
        self._conn.send(self._ccd, _EXPOSURE, {"CCD_EXPOSURE_VALUE": request.exposure_s})
        self._start = self._clock.now()
        self._end = self._start + timedelta(seconds=request.exposure_s)
        self._phase = _Phase.EXPOSING
        self._header = self._start_header(request, self._start)

    def _start_header(self, request: ExposureRequest, start: datetime) -> dict[str, HeaderValue]:
        focuser = self._focus() if self._focus is not None else None
        header = exposure_header(
            request, start, self._name, self._filter, self._pointing(), focuser
        )
        header["FOV_DEG"] = self.info.fov_deg
        return header

    def _advance(self) -> datetime:
        now = self._clock.now()
        if self._phase is _Phase.FILTER:
            if time.monotonic() - self._since > self._config.command_timeout_s:
                self._fail(f"filter wheel did not reach slot {self._slot}")
        elif self._phase is _Phase.EXPOSING and now >= self._end:
            self._phase = _Phase.READING
        elif self._phase is _Phase.READING:
            waited = (now - self._end).total_seconds()
            if waited > self._config.readout_timeout_s:
                self._fail(f"no image {waited:.0f} s after the exposure ended")
        return now

    def _fail(self, reason: str) -> None:
        self._phase, self._fault, self._data = _Phase.FAULT, f"{self._name}: {reason}", None

    # -- on the connection's thread -------------------------------------------------------

    def _on_update(self, update: Prop | Blob | None) -> None:
        with self._lock:
            busy = self._phase in (_Phase.FILTER, _Phase.EXPOSING, _Phase.READING)
            if update is None:
                if busy:
                    self._fail("connection lost during the exposure")
            elif isinstance(update, Blob):
                if update.device == self._ccd and update.name == _IMAGE and busy:
                    self._take(update)
            elif update.device == self._wheel and update.name == _SLOT:
                self._on_wheel(update)
            elif (
                update.device == self._ccd
                and update.name == _EXPOSURE
                and update.alert
                and self._phase in (_Phase.EXPOSING, _Phase.READING)
            ):
                self._fail(update.reason())

    def _on_wheel(self, slot: Prop) -> None:
        if self._phase is not _Phase.FILTER:
            return
        if slot.alert:
            self._fail(slot.reason())
        elif not slot.busy and round(slot.number(_SLOT_VALUE)) == self._slot:
            try:
                self._begin()
            except HardwareFault as exc:
                self._fail(str(exc))

    def _take(self, blob: Blob) -> None:
        if self._phase is _Phase.FILTER:
            return  # an image from before this exposure began
        if blob.format.lower() != ".fits":
            self._fail(f"image format {blob.format!r} is not FITS")
            return
        self._data, self._phase = blob.data, _Phase.READY
        self._end = min(self._end, self._clock.now())
