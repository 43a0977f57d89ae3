"""The radio receiver of an INDI telescope: a device with INDI's receiver (sensor) interface.

What the device speaks (found on ``indi_simulator_receiver``, indi-bin 1.9.9):

* ``RECEIVER_SETTINGS`` (numbers): ``RECEIVER_FREQUENCY`` in Hz (the simulator: 24 MHz to
  2 GHz, kept in single precision, so 1420405751.77 Hz reads back as 1420405760 Hz),
  ``RECEIVER_BANDWIDTH`` in Hz (fixed: its range is 0..0), ``RECEIVER_SAMPLERATE`` in Hz,
  ``RECEIVER_GAIN``, ``RECEIVER_BITSPERSAMPLE``, ``RECEIVER_ANTENNA``;
* ``SENSOR_INTEGRATION`` / ``SENSOR_INTEGRATION_VALUE``: starts an integration, seconds
  (Busy while it runs, counting down, Ok when the data are sent);
* ``SENSOR_ABORT_INTEGRATION`` / ``ABORT``: stops it (the integration goes Idle, no data);
* the BLOB ``SENSOR`` / ``DATA``: a ``.fits`` file of the samples (``NAXIS1`` = sample rate
  x time, 16 bits; 2 MB per second at the simulator's 1 MHz), with ``FREQ``, ``SRATE`` and
  ``BANDWIDT`` cards in Hz.

We speak GHz: :meth:`IndiReceiver.tune` converts, and refuses (``HardwareError`` naming the
bound, the device and the server) a frequency outside the receiver's ``band_ghz`` or the
device's range (``IndiConfig.receiver_tuning_ghz``: the library's snapshot keeps no min/max).
Our L-band receivers (1-2 GHz) fit the simulator's range.

Whether the device tuned is judged by the frequency it reports, not by the vector's state:
indipyclient sends every member of ``RECEIVER_SETTINGS`` (as the protocol asks), and the
simulator declares ``RECEIVER_BANDWIDTH`` 0..0 and ``RECEIVER_BITSPERSAMPLE`` 16..16 while
holding 10000 and 1, so it answers every tuning with Alert ("Invalid range for Bandwidth")
although its setters have applied the frequency (its data say so), and stays Alert. Data that
arrive before the device reported the frequency asked (within ``receiver_tolerance_hz``) are a
fault: they were taken at another frequency.

The cycle is the camera's: EXPOSING from the request, READING from the end of the countdown
until the BLOB arrives, then READY (``INTTIME`` is the time asked: the data hold all of it);
``readout`` writes the BLOB with our header (the task, ``FREQ_GHZ``, pointing) merged into its
primary header. An aborted integration is READY at once and reads out as a partial asset whose
file holds the header only.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from astrotango.clock.clocks import Clock
from astrotango.hardware.errors import HardwareError
from astrotango.hardware.fits import frame_asset, pointing_header, task_header
from astrotango.hardware.indi.config import IndiConfig
from astrotango.hardware.indi.connection import Blob, IndiConnection
from astrotango.hardware.indi.properties import Prop
from astrotango.hardware.instruments import ReceiverInfo
from astrotango.hardware.types import (
    Asset,
    HeaderValue,
    InstrumentState,
    InstrumentStatus,
    IntegrationRequest,
    MountStatus,
)

__all__ = ["IndiReceiver", "integration_header", "reported_ghz", "tuned", "tuning_hz"]

_SETTINGS, _FREQUENCY, _BANDWIDTH = "RECEIVER_SETTINGS", "RECEIVER_FREQUENCY", "RECEIVER_BANDWIDTH"
_INTEGRATION, _INTEGRATION_VALUE = "SENSOR_INTEGRATION", "SENSOR_INTEGRATION_VALUE"
_ABORT, _DATA = "SENSOR_ABORT_INTEGRATION", "SENSOR"
_HZ_PER_GHZ, _HZ_PER_MHZ = 1e9, 1e6


def tuning_hz(
    frequency_ghz: float, info: ReceiverInfo, tuning_ghz: tuple[float, float], device: str
) -> float:
    """The ``RECEIVER_FREQUENCY`` (Hz) for ``frequency_ghz``.

    Args:
        frequency_ghz: The frequency asked for, GHz.
        info: The receiver (its band).
        tuning_ghz: The device's tuning range, GHz.
        device: Names the device and its server in the message (``INDI device 'Receiver
            Simulator' on INDI server 127.0.0.1:7624``).

    Raises:
        HardwareError: outside the receiver's band, or outside the device's range.
    """
    low, high = info.band_ghz
    if not low <= frequency_ghz <= high:
        raise HardwareError(
            f"{info.name}: {frequency_ghz:g} GHz is outside the band {low:g}-{high:g} GHz"
        )
    low, high = tuning_ghz
    if not low <= frequency_ghz <= high:
        raise HardwareError(
            f"{info.name}: {frequency_ghz:g} GHz is outside the tuning range "
            f"{low:g}-{high:g} GHz of {device}"
        )
    return frequency_ghz * _HZ_PER_GHZ


def reported_ghz(settings: Prop | None) -> float | None:
    """The frequency ``RECEIVER_SETTINGS`` reports, GHz; None when it reports none."""
    hz = _number(settings, _FREQUENCY)
    return None if hz is None else hz / _HZ_PER_GHZ


def tuned(settings: Prop, frequency_ghz: float, tolerance_hz: float) -> bool:
    """Whether ``RECEIVER_SETTINGS`` reports the device within ``tolerance_hz`` of the asked.

    The vector's state is not looked at (see the module's docstring).
    """
    ghz = reported_ghz(settings)
    return ghz is not None and abs(ghz - frequency_ghz) * _HZ_PER_GHZ <= tolerance_hz


def integration_header(
    request: IntegrationRequest,
    start: datetime,
    info: ReceiverInfo,
    frequency_ghz: float,
    settings: Prop | None,
    mount: MountStatus | None,
) -> dict[str, HeaderValue]:
    """The keywords known when an integration starts.

    Time, target, task, ``FREQ_GHZ`` (the tuned frequency), ``BEAM_DEG``, ``BW_MHZ`` (the
    device's ``RECEIVER_BANDWIDTH``, when it reports one), and where the mount pointed (none
    when unknown or in fault). ``CHANNELS`` is not written: the device sends samples.
    """
    task = request.task
    header: dict[str, HeaderValue] = {
        "DATE-OBS": start.isoformat(timespec="milliseconds").replace("+00:00", ""),
        "OBJECT": task.target or "none",
        **task_header(task),
        "INSTRUME": info.name,
        "FREQ_GHZ": frequency_ghz,
        "BEAM_DEG": info.beam_deg,
    }
    bandwidth_hz = _number(settings, _BANDWIDTH)
    if bandwidth_hz is not None and bandwidth_hz > 0:
        header["BW_MHZ"] = bandwidth_hz / _HZ_PER_MHZ
    if mount is not None and not mount.fault:
        header.update(pointing_header(mount))
    return header


def _number(prop: Prop | None, member: str) -> float | None:
    if prop is None or member not in prop.values:
        return None
    try:
        return prop.number(member)
    except (TypeError, ValueError):
        return None


class _Phase(enum.Enum):
    IDLE = InstrumentState.IDLE
    INTEGRATING = InstrumentState.EXPOSING
    READING = InstrumentState.READING
    READY = InstrumentState.READY
    FAULT = InstrumentState.FAULT


_BUSY = (_Phase.INTEGRATING, _Phase.READING)


class IndiReceiver:
    """The :class:`~astrotango.hardware.Receiver` Protocol over an INDI receiver device.

    Args:
        info: The receiver's description.
        conn: The server connection (the device must be among its devices and BLOB devices).
        config: The device name, its tuning range and the readout timeout.
        clock: Timestamps (DATE-OBS, elapsed time).
        data_dir: Where the FITS files are written.
        pointing: Where the telescope points (None when unknown), for the header.
        header: Keywords common to every data product (TELESCOP, site).
    """

    kind = "radio_spectrum"

    def __init__(
        self,
        info: ReceiverInfo,
        conn: IndiConnection,
        config: IndiConfig,
        clock: Clock,
        data_dir: Path,
        pointing: Callable[[], MountStatus | None],
        header: dict[str, HeaderValue],
    ) -> None:
        self.info = info
        self._conn, self._config, self._clock, self._dir = conn, config, clock, data_dir
        self._device = config.receiver
        self._pointing, self._base_header = pointing, header
        self._lock = threading.Lock()
        self._phase, self._fault = _Phase.IDLE, ""
        self._frequency_ghz: float | None = None
        self._unconfirmed = False  # tuned, but the device has not reported it yet
        self._request: IntegrationRequest | None = None
        self._start = clock.now()
        self._end = self._start
        self._data: bytes | None = None
        self._header: dict[str, HeaderValue] = {}
        conn.listen(self._on_update)

    @property
    def _name(self) -> str:
        return self.info.name

    @property
    def _where(self) -> str:
        return f"INDI device {self._device!r} on {self._conn.name}"

    def tune(self, frequency_ghz: float) -> None:
        """Tune to ``frequency_ghz`` (sends ``RECEIVER_FREQUENCY`` in Hz); returns at once.

        Raises:
            HardwareError: outside the band or the device's range, or integrating;
                HardwareFault: disconnected, or the device is not connected.
        """
        hz = tuning_hz(frequency_ghz, self.info, self._config.receiver_tuning_ghz, self._where)
        self._conn.ready(self._device)
        with self._lock:
            self._advance()
            if self._phase in _BUSY:
                raise HardwareError(f"{self._name}: busy ({self._phase.value.name})")
            self._conn.send(self._device, _SETTINGS, {_FREQUENCY: hz})
            self._frequency_ghz, self._unconfirmed = frequency_ghz, True

    def integrate(self, request: IntegrationRequest) -> None:
        """Start an integration at the tuned frequency (``SENSOR_INTEGRATION``).

        Raises:
            HardwareError: not tuned, busy, or a duration that is not positive;
                HardwareFault: disconnected, or the device is not connected.
        """
        if not request.duration_s > 0:
            raise HardwareError(
                f"{self._name}: integration of {request.duration_s:g} s: must be positive"
            )
        self._conn.ready(self._device)
        with self._lock:
            now = self._advance()
            if self._phase not in (_Phase.IDLE, _Phase.FAULT):
                raise HardwareError(f"{self._name}: busy ({self._phase.value.name})")
            if self._frequency_ghz is None:
                raise HardwareError(f"{self._name}: not tuned")
            self._conn.send(self._device, _INTEGRATION, {_INTEGRATION_VALUE: request.duration_s})
            self._request, self._data, self._fault = request, None, ""
            self._start, self._phase = now, _Phase.INTEGRATING
            self._end = now + timedelta(seconds=request.duration_s)
            settings = self._conn.get(self._device, _SETTINGS)
            self._header = integration_header(
                request, now, self.info, self._frequency_ghz, settings, self._pointing()
            )

    def status(self) -> InstrumentStatus:
        """The receiver now, from the snapshot.

        Raises:
            HardwareFault: disconnected, or the device is not connected.
        """
        self._conn.ready(self._device)
        with self._lock:
            now = self._advance()
            duration = self._request.duration_s if self._request else 0.0
            elapsed = 0.0
            if self._request is not None:
                elapsed = max(0.0, (min(now, self._end) - self._start).total_seconds())
            return InstrumentStatus(self._name, self._phase.value, elapsed, duration, self._fault)

    def abort(self) -> None:
        """Cut the integration short (``SENSOR_ABORT_INTEGRATION``); READY at once, no data.

        Raises:
            HardwareFault: disconnected.
        """
        with self._lock:
            now = self._advance()
            if self._phase is not _Phase.INTEGRATING:
                return
            self._conn.send(self._device, _ABORT, {"ABORT": "On"})
            self._end = max(self._start, now)
            self._phase, self._data = _Phase.READY, None

    def readout(self) -> Asset:
        """Write the data to ``<data_dir>/<asset id>.fits`` and return its asset; IDLE after.

        Raises:
            HardwareError: nothing is ready, or the file cannot be written (the data are then
                lost and the receiver IDLE).
        """
        with self._lock:
            self._advance()
            request = self._request
            if self._phase is not _Phase.READY or request is None:
                raise HardwareError(f"{self._name}: nothing to read out ({self._phase.value.name})")
            data, start = self._data, self._start
            actual_s = (self._end - start).total_seconds()
            partial = data is None
            header = {**self._base_header, **self._header}
            header.update(INTTIME=round(actual_s, 3), PARTIAL=partial)
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

    def _advance(self) -> datetime:
        now = self._clock.now()
        if self._phase is _Phase.INTEGRATING and now >= self._end:
            self._phase = _Phase.READING
        if self._phase is _Phase.READING:
            waited = (now - self._end).total_seconds()
            if waited > self._config.readout_timeout_s:
                self._fail(f"no data {waited:.0f} s after the integration ended")
        return now

    def _not_tuned(self) -> str:
        settings = self._conn.get(self._device, _SETTINGS)
        ghz = reported_ghz(settings)
        reported = "no frequency" if ghz is None else f"{ghz:.9g} GHz"
        if settings is not None and settings.alert:
            reported += f" ({settings.reason()})"
        return f"data before the device tuned to {self._frequency_ghz:g} GHz: it reports {reported}"

    def _fail(self, reason: str) -> None:
        self._phase, self._data = _Phase.FAULT, None
        self._fault = f"{self._name}: {reason} ({self._where})"

    # -- on the connection's thread -------------------------------------------------------

    def _on_update(self, update: Prop | Blob | None) -> None:
        with self._lock:
            busy = self._phase in _BUSY
            if update is None:  # (re)connected or lost: the device may have been restarted
                self._frequency_ghz = None
                if busy:
                    self._fail("connection lost during the integration")
            elif update.device != self._device:
                return
            elif isinstance(update, Blob):
                if update.name == _DATA and busy:
                    self._take(update)
            elif update.name == _SETTINGS:
                self._on_settings(update)
            elif update.name == _INTEGRATION and update.alert and busy:
                self._fail(update.reason())

    def _on_settings(self, settings: Prop) -> None:
        if self._unconfirmed and self._frequency_ghz is not None:
            tolerance_hz = self._config.receiver_tolerance_hz
            self._unconfirmed = not tuned(settings, self._frequency_ghz, tolerance_hz)

    def _take(self, blob: Blob) -> None:
        if blob.format.lower() != ".fits":
            self._fail(f"data format {blob.format!r} is not FITS")
            return
        if self._unconfirmed:
            self._fail(self._not_tuned())
            return
        # the time asked, even when the data come early: the simulator sends them up to half
        # a second before the countdown ends, holding the samples of the whole time
        self._data, self._phase = blob.data, _Phase.READY
