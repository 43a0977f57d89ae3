"""A whole telescope on an INDI server: one :class:`~astrotango.hardware.TelescopeDriver`.

One background connection serves the mount, the dome, the focuser and the camera; every read
comes from its snapshot and every command only queues a message, so nothing here waits on the
network.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from astrotango.clock.clocks import Clock
from astrotango.hardware.errors import HardwareError
from astrotango.hardware.fits import telescope_header
from astrotango.hardware.indi.camera import IndiCamera
from astrotango.hardware.indi.config import IndiConfig
from astrotango.hardware.indi.connection import IndiConnection
from astrotango.hardware.indi.enclosure import IndiEnclosure
from astrotango.hardware.indi.focuser import IndiFocuser
from astrotango.hardware.indi.mount import IndiMount
from astrotango.hardware.indi.receiver import IndiReceiver
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

__all__ = ["IndiTelescope"]

_NO_ENCLOSURE = EnclosureStatus(EnclosureState.NONE, 1.0)


class IndiTelescope:
    """A telescope whose mount, dome, focuser and camera are INDI devices.

    Call :meth:`start` to connect (in the background) and :meth:`close` when done. While the
    server is unreachable every read raises ``HardwareFault("INDI server host:port:
    connection lost")`` and the connection is retried every ``reconnect_interval_s``.

    Args:
        telescope_id: Goes into every asset (``TELESCOP``) and asset id.
        site: Where it stands (also sent to the mount).
        instruments: At most one camera (the CCD) and one receiver (the receiver device).
        config: The server, device names, tolerances and timeouts.
        clock: Timestamps (a wall clock: INDI devices run in real time).
        data_dir: Where FITS files are written.

    Raises:
        ValueError: more than one camera, or more than one receiver.
    """

    def __init__(
        self,
        telescope_id: str,
        site: Site,
        instruments: tuple[CameraInfo | ReceiverInfo, ...],
        config: IndiConfig,
        clock: Clock,
        data_dir: Path,
    ) -> None:
        cameras = [i for i in instruments if isinstance(i, CameraInfo)]
        receivers = [i for i in instruments if isinstance(i, ReceiverInfo)]
        if len(cameras) > 1 or len(receivers) > 1:
            raise ValueError("INDI telescope: supports one optical camera and one receiver")
        self._site, self._clock, self.config = site, clock, config
        optional = (config.dome, config.wheel, config.focuser)
        images = [config.ccd] * bool(cameras) + [config.receiver] * bool(receivers)
        devices = [config.mount, *images, *(d for d in optional if d)]
        host, port = config.address
        self._conn = IndiConnection(
            host,
            port,
            devices,
            blob_devices=images,
            connect_timeout_s=config.connect_timeout_s,
            reconnect_interval_s=config.reconnect_interval_s,
        )
        self._mount = IndiMount(self._conn, config.mount, site, config, clock)
        self._enclosure = IndiEnclosure(self._conn, config.dome) if config.dome else None
        self._focuser = IndiFocuser(self._conn, config.focuser, config) if config.focuser else None
        header = telescope_header(telescope_id, site)
        focus = self._focus if self._focuser is not None else None
        self._instruments: dict[str, IndiCamera | IndiReceiver] = {
            info.name: IndiCamera(
                info, self._conn, config, clock, data_dir, self._pointing, header, focus
            )
            for info in cameras
        }
        for radio in receivers:
            self._instruments[radio.name] = IndiReceiver(
                radio, self._conn, config, clock, data_dir, self._pointing, header
            )

    def start(self) -> None:
        """Start connecting in the background; returns at once."""
        self._conn.start()

    def close(self) -> None:
        """Disconnect and stop the background thread."""
        self._conn.close()

    @property
    def connection(self) -> IndiConnection:
        """The server connection (its snapshot of the devices' properties)."""
        return self._conn

    # -- the driver Protocol --------------------------------------------------------------

    @property
    def site(self) -> Site:
        """Where the telescope stands."""
        return self._site

    @property
    def mount(self) -> IndiMount:
        """The mount."""
        return self._mount

    @property
    def enclosure(self) -> IndiEnclosure | None:
        """The dome, or None when the configuration names none."""
        return self._enclosure

    @property
    def focuser(self) -> IndiFocuser | None:
        """The focuser, or None when the configuration names none."""
        return self._focuser

    @property
    def instruments(self) -> Mapping[str, IndiCamera | IndiReceiver]:
        """The camera and the receiver by name."""
        return self._instruments

    def telemetry(self) -> Telemetry:
        """Everything as last reported by the server (no network round trip).

        Raises:
            HardwareFault: the server is unreachable or a device is not connected.
        """
        self._conn.check()
        now = self._clock.now()
        sun_alt, _ = radec_to_altaz(*sun_radec(now), now, self._site)
        mount = self._mount.position()
        enclosure = self._enclosure.state() if self._enclosure else _NO_ENCLOSURE
        instruments = tuple(instrument.status() for instrument in self._instruments.values())
        focuser = self._focuser.status() if self._focuser else None
        return Telemetry(now, mount, enclosure, instruments, sun_alt, None, focuser)

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
