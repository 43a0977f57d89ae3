"""The camera: an ASCOM Camera and (optional) FilterWheel implementing the Camera Protocol.

``expose`` runs on the caller's thread: it moves the wheel if the filter changes (waiting for
it, up to ``filter_timeout_s``), sets the binning, and starts the exposure; the poller then
sees it go EXPOSING → READING → READY. ``readout`` downloads the image (caller's thread, within
``readout_timeout_s``) and writes the FITS file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from astrotango.clock.clocks import Clock
from astrotango.hardware.alpaca.config import AlpacaConfig
from astrotango.hardware.alpaca.images import DARK_TYPES, Exposure, download, exposure_header
from astrotango.hardware.alpaca.mapping import camera_state, wheel_position
from astrotango.hardware.alpaca.transport import (
    TimedCamera,
    TimedFilterWheel,
    call,
    get,
    is_network,
    put,
)
from astrotango.hardware.errors import HardwareError, HardwareTimeout
from astrotango.hardware.fits import frame_asset
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

__all__ = ["AlpacaCamera", "CameraReading"]

_ERROR_STATE = 5


@dataclass(frozen=True)
class CameraReading:
    """One reading of the Camera (and wheel), or why it could not be read."""

    camera_state: int = 0
    image_ready: bool = False
    wheel_position: int = -1
    fault: str = ""


class AlpacaCamera:
    """An ASCOM Camera (+ FilterWheel) implementing :class:`~astrotango.hardware.Camera`.

    Args:
        info: The camera's description (name, filters).
        camera: The Camera device.
        wheel: The FilterWheel device, or None.
        config: Filter map and timeouts.
        clock: Dates exposures.
        reading: The latest snapshot's time and camera reading (raises when there is none).
        command: Brackets a command (the poller discards readings taken meanwhile).
        pointing: Where the telescope points, for the header (None when unknown).
        header: Keywords every image carries (TELESCOP, site).
        data_dir: Where the FITS files go.
        focus: Where the focuser stands (None when unknown), for the header; None: no
            focuser.
    """

    def __init__(
        self,
        info: CameraInfo,
        camera: TimedCamera,
        wheel: TimedFilterWheel | None,
        config: AlpacaConfig,
        clock: Clock,
        reading: Callable[[], tuple[datetime, CameraReading]],
        command: Callable[[], contextlib.AbstractContextManager[None]],
        pointing: Callable[[], MountStatus | None],
        header: dict[str, HeaderValue],
        data_dir: Path,
        focus: Callable[[], FocuserStatus | None] | None = None,
    ) -> None:
        self.info = info
        self._camera, self._wheel, self._config, self._clock = camera, wheel, config, clock
        self._reading, self._command, self._pointing = reading, command, pointing
        self._base_header, self._data_dir = header, data_dir
        self._focus = focus
        self._lock = threading.Lock()
        self._exposure: Exposure | None = None
        self._filter = info.filters[0]
        self._names: tuple[str, ...] = ()
        self._size = (0, 0)
        self._binning: int | None = None
        self._can_stop = self._can_abort = False

    # -- poller side ----------------------------------------------------------------------

    def connect(self) -> None:
        """Connect the camera and wheel; learn the sensor size, wheel names, abort modes."""
        c = self._camera
        put(c, "Connected", True)
        self._size = (int(get(c, "CameraXSize")), int(get(c, "CameraYSize")))
        self._can_stop = bool(get(c, "CanStopExposure"))
        self._can_abort = bool(get(c, "CanAbortExposure"))
        self._binning = None  # a restarted camera may have another: set at the next exposure
        if self._wheel is not None:
            put(self._wheel, "Connected", True)
            self._names = tuple(str(n) for n in get(self._wheel, "Names"))

    def read(self) -> CameraReading:
        """Read the camera and wheel (poller thread); a device error becomes a fault.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        try:
            state, ready = (
                int(get(self._camera, "CameraState")),
                bool(get(self._camera, "ImageReady")),
            )
            slot = int(get(self._wheel, "Position")) if self._wheel is not None else -1
            return CameraReading(state, ready, slot)
        except HardwareError as exc:
            if is_network(exc):
                raise
            return CameraReading(fault=str(exc))

    # -- the Camera Protocol --------------------------------------------------------------

    def status(self) -> InstrumentStatus:
        """The camera as last read, with the exposure under way.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        when, r = self._reading()
        with self._lock:
            exp = self._exposure
        name = self.info.name
        if r.fault or r.camera_state == _ERROR_STATE:
            fault = r.fault or f"camera {self._camera.device_number}: CameraState error"
            return InstrumentStatus(name, InstrumentState.FAULT, fault=fault)
        if exp is None:
            return InstrumentStatus(name, InstrumentState.IDLE)
        duration = exp.request.exposure_s
        if exp.start is None or when < exp.start:
            return InstrumentStatus(name, InstrumentState.EXPOSING, 0.0, duration)
        state = camera_state(r.camera_state, r.image_ready, expecting=True)
        overdue = (when - exp.start).total_seconds() > duration + self._config.readout_timeout_s
        if state is InstrumentState.READING and r.camera_state == 0 and overdue:
            fault = f"camera {self._camera.device_number}: went idle without an image"
            return InstrumentStatus(
                name, InstrumentState.FAULT, exp.actual_s(when), duration, fault
            )
        return InstrumentStatus(name, state, exp.actual_s(when), duration)

    def set_filter(self, name: str) -> None:
        """Move the wheel to filter ``name`` (the next exposure waits for it to arrive).

        Raises:
            HardwareError: no such filter, or the wheel refused.
        """
        slot = self._slot(name)
        if self._wheel is not None and slot is not None:
            put(self._wheel, "Position", slot)
        self._filter = name

    def expose(self, request: ExposureRequest) -> None:
        """Move the wheel if needed, set the binning, start the exposure.

        Raises:
            HardwareError: busy, no such filter, the wheel did not arrive, or the camera refused.
        """
        state = self.status().state
        if state is not InstrumentState.IDLE:
            raise HardwareError(f"{self.info.name}: busy ({state.name})")
        wanted = request.filter or self._filter
        if self._config.shutter_closed and request.image_type.lower() not in DARK_TYPES:
            request = dataclasses.replace(request, image_type="dark")  # the header says so
        exp = Exposure(request, wanted, self._slot(wanted))
        with self._lock:
            self._exposure = exp
        try:
            self._move_wheel(exp.slot)
            self._filter = wanted
            self._set_binning(request.binning)
            c = self._camera
            with self._command():
                start = self._clock.now()
                focuser = self._focus() if self._focus is not None else None
                exp.header = exposure_header(exp, start, self.info.name, self._pointing(), focuser)
                exp.start = start
                call(c, "StartExposure", lambda: c.StartExposure(request.exposure_s, exp.light))
        except HardwareError:
            with self._lock:
                self._exposure = None
            raise

    def abort(self) -> None:
        """Cut the exposure short: StopExposure keeps the image (partial), else AbortExposure."""
        with self._lock:
            exp = self._exposure
        if exp is None or exp.start is None or self.status().state is not InstrumentState.EXPOSING:
            return
        c = self._camera
        with self._command():
            if self._can_stop:
                call(c, "StopExposure", c.StopExposure)
                exp.partial, exp.end = True, self._clock.now()
            elif self._can_abort:
                call(c, "AbortExposure", c.AbortExposure)
                with self._lock:
                    self._exposure = None

    def readout(self) -> Asset:
        """Download the image, write its FITS file, and return the asset; the camera is IDLE.

        Raises:
            HardwareError: nothing is ready, the download failed, or the file cannot be written.
        """
        state = self.status().state
        with self._lock:
            exp = self._exposure
        if state is not InstrumentState.READY or exp is None or exp.start is None:
            raise HardwareError(f"{self.info.name}: nothing to read out ({state.name})")
        c = self._camera
        pixels = call(c, "ImageArray", lambda: download(c))
        with self._lock:
            self._exposure = None
        actual = exp.actual_s(exp.end) if exp.end is not None else exp.request.exposure_s
        header = {
            **self._base_header,
            **exp.header,
            "EXPTIME": round(actual, 3),
            "PARTIAL": exp.partial,
        }
        return frame_asset(
            self._data_dir,
            kind="fits_image",
            instrument=self.info.name,
            start=exp.start,
            duration_s=actual,
            partial=exp.partial,
            header=header,
            task=exp.request.task,
            data=pixels,
        )

    # -- internals ------------------------------------------------------------------------

    def _slot(self, name: str) -> int | None:
        try:
            slot = wheel_position(name, self.info.filters, self._names, self._config.filter_map)
        except HardwareError as exc:
            raise HardwareError(f"{self.info.name}: {exc}") from exc
        return slot if self._wheel is not None else None

    def _move_wheel(self, slot: int | None) -> None:
        wheel = self._wheel
        if wheel is None or slot is None or int(get(wheel, "Position")) == slot:
            return
        put(wheel, "Position", slot)
        deadline = self._clock.now() + timedelta(seconds=self._config.filter_timeout_s)
        while (at := int(get(wheel, "Position"))) != slot:  # -1 while it moves
            if self._clock.now() >= deadline:
                raise HardwareTimeout(
                    f"{self.info.name}: filter wheel not at slot {slot} after "
                    f"{self._config.filter_timeout_s:g} s (at {at})"
                )
            self._clock.sleep(0.1)  # the wheel moves in the clock's time (real: a WallClock)

    def _set_binning(self, binning: int) -> None:
        if binning == self._binning:
            return
        c = self._camera
        width, height = self._size
        for member, value in (("BinX", binning), ("BinY", binning), ("StartX", 0), ("StartY", 0)):
            put(c, member, value)
        put(c, "NumX", width // binning)
        put(c, "NumY", height // binning)
        self._binning = binning
