"""One telescope on an ASCOM Alpaca server: the :class:`~astrotango.hardware.TelescopeDriver`.

A poller thread reads every device into a snapshot every ``poll_period_s``; ``telemetry()``
and the parts' ``position()``/``state()``/``status()`` answer from it at once and raise
:class:`~astrotango.hardware.HardwareFault` naming the server while it is unreachable. Commands
are short HTTP calls on the caller's thread. The poller reconnects by itself when the server
comes back; the driver is never recreated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from astrotango.clock.clocks import Clock
from astrotango.hardware.alpaca.camera import AlpacaCamera, CameraReading
from astrotango.hardware.alpaca.config import AlpacaConfig
from astrotango.hardware.alpaca.enclosure import AlpacaEnclosure, ShutterReading
from astrotango.hardware.alpaca.focuser import AlpacaFocuser, FocuserReading
from astrotango.hardware.alpaca.mount import AlpacaMount, MountReading
from astrotango.hardware.alpaca.poller import Snapshot, SnapshotPoller
from astrotango.hardware.alpaca.transport import (
    TimedCamera,
    TimedDome,
    TimedFilterWheel,
    TimedFocuser,
    TimedTelescope,
)
from astrotango.hardware.errors import HardwareError
from astrotango.hardware.fits import telescope_header
from astrotango.hardware.instruments import CameraInfo, ReceiverInfo
from astrotango.hardware.sky import radec_to_altaz, sun_radec
from astrotango.hardware.types import (
    EnclosureState,
    EnclosureStatus,
    FocuserStatus,
    MountStatus,
    Site,
    Telemetry,
)

__all__ = ["AlpacaTelescope"]

T = TypeVar("T")
_NO_ENCLOSURE = EnclosureStatus(EnclosureState.NONE, 1.0)


@dataclass(frozen=True)
class _Reading:
    """Every device, read in one poll."""

    mount: MountReading
    shutter: ShutterReading | None
    cameras: Mapping[str, CameraReading]
    focuser: FocuserReading | None = None


class AlpacaTelescope:
    """A telescope whose mount, dome, focuser, camera and filter wheel are ASCOM Alpaca devices.

    Args:
        telescope_id: Goes into every asset (``TELESCOP``) and asset id.
        site: Where it stands (written to the mount at connect).
        instruments: Its camera (one: the Alpaca ``camera`` device; no receivers).
        config: Server, device numbers, timing, limits.
        clock: Dates telemetry and assets (a WallClock in practice).
        data_dir: Where the FITS files go.
        logger: Where connection changes go.

    Raises:
        ValueError: a receiver, or more than one camera, in ``instruments``.
    """

    def __init__(
        self,
        telescope_id: str,
        site: Site,
        instruments: tuple[CameraInfo | ReceiverInfo, ...],
        config: AlpacaConfig,
        clock: Clock,
        data_dir: Path,
        logger: logging.Logger | None = None,
    ) -> None:
        cameras = [i for i in instruments if isinstance(i, CameraInfo)]
        if len(cameras) != len(instruments) or len(cameras) > 1:
            raise ValueError("an Alpaca telescope has at most one camera and no receivers")
        self._site, self._config, self._clock = site, config, clock
        log = logger or logging.getLogger(__name__)
        server = config.server
        self._poller: SnapshotPoller[_Reading] = SnapshotPoller(
            f"Alpaca server {server}",
            connect=self._connect,
            read=self._read,
            observe=self._observe,
            clock=clock,
            period_s=config.poll_period_s,
            stale_after_s=config.stale_after_s,
            logger=log,
        )
        command = self._poller.command
        scope = _timed(TimedTelescope(server, config.telescope), config)
        self._mount = AlpacaMount(
            scope, site, config, clock, self._part(lambda r: r.mount), command, log
        )
        self._enclosure: AlpacaEnclosure | None = None
        if config.dome is not None:
            dome = _timed(TimedDome(server, config.dome), config)
            shutter = self._part(lambda r: r.shutter or ShutterReading())
            self._enclosure = AlpacaEnclosure(dome, clock, shutter, command)
        self._focuser: AlpacaFocuser | None = None
        if config.focuser is not None:
            focuser = _timed(TimedFocuser(server, config.focuser), config)
            reading = self._part(lambda r: r.focuser or FocuserReading())
            self._focuser = AlpacaFocuser(focuser, clock, reading, command)
        header = telescope_header(telescope_id, site)
        focus = self._focus if self._focuser is not None else None
        self._cameras: dict[str, AlpacaCamera] = {}
        for info in cameras:
            wheel = None
            if config.filterwheel is not None:
                wheel = _timed(TimedFilterWheel(server, config.filterwheel), config)
            self._cameras[info.name] = AlpacaCamera(
                info,
                _timed(TimedCamera(server, config.camera), config),
                wheel,
                config,
                clock,
                self._part(_camera_reading(info.name)),
                command,
                self._pointing,
                {**header, "FOV_DEG": info.fov_deg},
                data_dir,
                focus,
            )

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the poller (it connects by itself); returns at once."""
        self._poller.start()

    def close(self) -> None:
        """Stop the poller."""
        self._poller.close()

    # -- the driver Protocol --------------------------------------------------------------

    @property
    def site(self) -> Site:
        """Where the telescope stands."""
        return self._site

    @property
    def mount(self) -> AlpacaMount:
        """The mount."""
        return self._mount

    @property
    def enclosure(self) -> AlpacaEnclosure | None:
        """The dome, or None (``config.dome`` None)."""
        return self._enclosure

    @property
    def focuser(self) -> AlpacaFocuser | None:
        """The focuser, or None (``config.focuser`` None)."""
        return self._focuser

    @property
    def instruments(self) -> Mapping[str, AlpacaCamera]:
        """The camera by name."""
        return self._cameras

    def telemetry(self) -> Telemetry:
        """Everything as last read by the poller (never waits on the network).

        Raises:
            HardwareFault: the server is unreachable (the message names it), or not yet reached.
            HardwareTimeout: the server has not answered for ``config.stale_after_s``.
        """
        when = self._poller.latest().time
        mount = self._mount.position()
        enclosure = self._enclosure.state() if self._enclosure else _NO_ENCLOSURE
        instruments = tuple(c.status() for c in self._cameras.values())
        focuser = self._focuser.status() if self._focuser is not None else None
        sun_alt, _ = radec_to_altaz(*sun_radec(when), when, self._site)
        return Telemetry(when, mount, enclosure, instruments, sun_alt, None, focuser)

    # -- the poller's hooks (poller thread) ------------------------------------------------

    def _connect(self) -> None:
        self._mount.connect()
        if self._enclosure is not None:
            self._enclosure.connect()
        for camera in self._cameras.values():
            camera.connect()
        if self._focuser is not None:
            self._focuser.connect()

    def _read(self, when: datetime) -> _Reading:
        mount = self._mount.read(when)
        shutter = self._enclosure.read() if self._enclosure is not None else None
        cameras = {name: camera.read() for name, camera in self._cameras.items()}
        focuser = self._focuser.read() if self._focuser is not None else None
        return _Reading(mount, shutter, cameras, focuser)

    def _observe(self, snapshot: Snapshot[_Reading]) -> None:
        self._mount.observe(snapshot.time, snapshot.value.mount)

    def _part(self, pick: Callable[[_Reading], T]) -> Callable[[], tuple[datetime, T]]:
        def latest() -> tuple[datetime, T]:
            snapshot = self._poller.latest()
            return snapshot.time, pick(snapshot.value)

        return latest

    def _pointing(self) -> MountStatus | None:
        try:
            return self._mount.position()
        except HardwareError:
            return None

    def _focus(self) -> FocuserStatus | None:
        try:
            return self._focuser.status() if self._focuser is not None else None
        except HardwareError:
            return None


def _camera_reading(name: str) -> Callable[[_Reading], CameraReading]:
    def pick(reading: _Reading) -> CameraReading:
        return reading.cameras[name]

    return pick


_D = TypeVar("_D", TimedTelescope, TimedDome, TimedCamera, TimedFilterWheel, TimedFocuser)


def _timed(device: _D, config: AlpacaConfig) -> _D:
    device.timeout_s = config.command_timeout_s
    device.download_timeout_s = config.readout_timeout_s
    return device
