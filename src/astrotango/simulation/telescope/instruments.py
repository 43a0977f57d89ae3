"""Simulated instruments: the acquisition cycle, and an optical camera producing FITS headers.

Both go IDLE → EXPOSING (exposing or integrating) → READING → READY → (``readout``) IDLE. An
abort cuts the exposure short; what was taken is still read out, as a *partial* asset. While
the ``camera_timeout`` fault is active a camera never finishes reading out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from astrotango.clock.clocks import Clock
from astrotango.hardware import (
    Asset,
    CameraInfo,
    ExposureRequest,
    FocuserStatus,
    HardwareError,
    InstrumentState,
    InstrumentStatus,
    MountStatus,
    TaskInfo,
)
from astrotango.hardware.fits import (
    focus_header,
    frame_asset,
    pointing_header,
    task_header,
)
from astrotango.hardware.types import HeaderValue
from astrotango.simulation.telescope.faults import Fault, FaultBoard

__all__ = [
    "FocusReading",
    "FocusSource",
    "PointingSource",
    "SimulatedCamera",
    "SimulatedInstrument",
]

#: Where the telescope points when an acquisition starts (None if the mount does not answer).
PointingSource = Callable[[], MountStatus | None]
#: The focuser as an exposure starts, and the FWHM (arcsec) of the stars it then images.
FocusReading = tuple[FocuserStatus, float]
#: Where the focuser stands when an exposure starts (None if it does not answer).
FocusSource = Callable[[], FocusReading | None]
#: Image types with stars in them (their frames get a FWHM).
_STARRY = frozenset({"object", "light"})
#: The synthetic frames' level, ADU.
_BIAS_LEVEL = 1000


class SimulatedInstrument:
    """The acquisition cycle both instruments share."""

    kind = "asset"

    def __init__(
        self,
        name: str,
        clock: Clock,
        faults: FaultBoard,
        pointing: PointingSource,
        header: dict[str, HeaderValue],
        data_dir: Path | None = None,
    ) -> None:
        self._name, self._clock, self._faults, self._pointing = name, clock, faults, pointing
        self._base_header, self._data_dir = header, data_dir
        self._lock = threading.Lock()
        self._state = InstrumentState.IDLE
        self._start = clock.now()
        self._duration_s = 0.0
        self._exposure_end = self._start
        self._readout_s = 0.0
        self._partial = False
        self._header: dict[str, HeaderValue] = {}
        self._task: TaskInfo | None = None

    def status(self) -> InstrumentStatus:
        """Measure the instrument now."""
        self._faults.gate(self._name)
        with self._lock:
            now = self._advance()
            elapsed = (min(now, self._exposure_end) - self._start).total_seconds()
            return InstrumentStatus(self._name, self._state, max(0.0, elapsed), self._duration_s)

    def next_change(self) -> datetime | None:
        """When the exposure ends or its readout is done; None when idle, ready or stalled."""
        with self._lock:
            self._advance()
            if self._state is InstrumentState.EXPOSING:
                return self._exposure_end
            if self._state is InstrumentState.READING and not self._stalled():
                return self._exposure_end + timedelta(seconds=self._readout_s)
            return None

    def abort(self) -> None:
        """Cut the current acquisition short; it is read out as a partial asset."""
        self._faults.gate(self._name)
        with self._lock:
            now = self._advance()
            if self._state is InstrumentState.EXPOSING:
                self._exposure_end = max(self._start, now)
                self._partial = True
                self._state = InstrumentState.READING

    def readout(self) -> Asset:
        """Return the asset of a READY instrument, which becomes IDLE; its file when asked.

        With a data directory the data product is written there as a small synthetic FITS
        file (the header is the real one); the asset carries its path, size and checksum.

        Raises:
            HardwareError: nothing is ready, or the file cannot be written (the data are then
                lost and the instrument IDLE, as on real hardware).
        """
        self._faults.gate(self._name)
        with self._lock:
            self._advance()
            if self._state is not InstrumentState.READY or self._task is None:
                raise HardwareError(f"{self._name}: nothing to read out ({self._state.name})")
            actual_s = (self._exposure_end - self._start).total_seconds()
            header = {**self._base_header, **self._header, **self._actual(actual_s)}
            start, partial, task = self._start, self._partial, self._task
            self._state, self._task = InstrumentState.IDLE, None
        return frame_asset(
            self._data_dir,
            kind=self.kind,
            instrument=self._name,
            start=start,
            duration_s=actual_s,
            partial=partial,
            header=header,
            task=task,
            data=self._synthetic_data(),
        )

    def _synthetic_data(self) -> np.ndarray | None:
        """What the data file holds (a stand-in: the simulator has no sky)."""
        return None

    def _actual(self, actual_s: float) -> dict[str, HeaderValue]:
        return {"PARTIAL": self._partial}

    def _begin(
        self,
        now: datetime,
        delay_s: float,
        duration_s: float,
        task: TaskInfo,
        header: dict[str, HeaderValue],
    ) -> None:
        if self._state is not InstrumentState.IDLE:
            raise HardwareError(f"{self._name}: busy ({self._state.name})")
        mount = self._pointing()
        self._start = now + timedelta(seconds=delay_s)
        self._duration_s = duration_s
        self._exposure_end = self._start + timedelta(seconds=duration_s)
        self._partial, self._task, self._state = False, task, InstrumentState.EXPOSING
        self._header = {
            "DATE-OBS": self._start.isoformat(timespec="milliseconds").replace("+00:00", ""),
            "OBJECT": task.target or "none",
            **task_header(task),
            **header,
        }
        if mount is not None:
            self._header.update(pointing_header(mount))

    def _advance(self) -> datetime:
        now = self._clock.now()
        if self._state is InstrumentState.EXPOSING and now >= self._exposure_end:
            self._state = InstrumentState.READING
        if self._state is InstrumentState.READING:
            done = self._exposure_end + timedelta(seconds=self._readout_s)
            if now >= done and not self._stalled():
                self._state = InstrumentState.READY
        return now

    def _stalled(self) -> bool:
        return False


class SimulatedCamera(SimulatedInstrument):
    """An optical camera implementing :class:`~astrotango.hardware.Camera`.

    Args:
        info: The camera's description.
        clock: The simulation clock.
        faults: The shared fault board.
        pointing: Where the telescope points (for the FITS header).
        header: Header keywords common to every image (TELESCOP, site).
        readout_s: Time to read the detector out.
        filter_change_s: Time to change filter before an exposure.
        focus: Where the focuser stands (None: no focuser): every image gets ``FOCUSPOS``,
            and those of the sky (object, light) the ``FWHM`` of their stars, arcseconds.
    """

    kind = "fits_image"

    def __init__(
        self,
        info: CameraInfo,
        clock: Clock,
        faults: FaultBoard,
        pointing: PointingSource,
        header: dict[str, HeaderValue],
        *,
        readout_s: float,
        filter_change_s: float,
        data_dir: Path | None = None,
        focus: FocusSource | None = None,
    ) -> None:
        super().__init__(info.name, clock, faults, pointing, header, data_dir)
        self.info = info
        self._readout_s = readout_s
        self._filter_change_s = filter_change_s
        self._filter = info.filters[0]
        self._focus = focus

    def set_filter(self, name: str) -> None:
        """Select a filter (the wheel moves at the next exposure).

        Raises:
            HardwareError: no such filter.
        """
        self._faults.gate(self._name)
        if name not in self.info.filters:
            raise HardwareError(f"{self._name}: no filter {name!r}; has {list(self.info.filters)}")
        with self._lock:
            self._filter = name

    def expose(self, request: ExposureRequest) -> None:
        """Start an exposure (after a filter change if the wheel must move)."""
        self._faults.gate(self._name)
        wanted = request.filter or self._filter
        if wanted not in self.info.filters:
            raise HardwareError(f"{self._name}: no filter {wanted!r}")
        focus = self._focus() if self._focus is not None else None
        with self._lock:
            now = self._advance()
            delay = self._filter_change_s if wanted != self._filter else 0.0
            self._filter = wanted
            size = self.info.pixels // request.binning
            self._begin(
                now,
                delay,
                request.exposure_s,
                request.task,
                {
                    "SIMPLE": True,
                    "BITPIX": 16,
                    "NAXIS": 2,
                    "NAXIS1": size,
                    "NAXIS2": size,
                    "IMAGETYP": request.image_type,
                    "FILTER": wanted,
                    "XBINNING": request.binning,
                    "YBINNING": request.binning,
                    "FOV_DEG": self.info.fov_deg,
                    "INSTRUME": self._name,
                    **_focus_cards(focus, request.image_type),
                },
            )

    def _actual(self, actual_s: float) -> dict[str, HeaderValue]:
        return {"EXPTIME": round(actual_s, 3), "PARTIAL": self._partial}

    def _synthetic_data(self) -> np.ndarray:
        """A flat 32 x 32 frame at a bias level: small files, valid FITS."""
        return np.full((32, 32), _BIAS_LEVEL, dtype=np.uint16)

    def _stalled(self) -> bool:
        return self._faults.active(Fault.CAMERA_TIMEOUT)


def _focus_cards(focus: FocusReading | None, image_type: str) -> dict[str, HeaderValue]:
    """FOCUSPOS (and FOCTEMP) on every frame; FWHM on frames of the sky."""
    if focus is None:
        return {}
    status, fwhm_arcsec = focus
    return focus_header(status, fwhm_arcsec if image_type.lower() in _STARRY else None)
