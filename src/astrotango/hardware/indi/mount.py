"""The mount of an INDI telescope (``Telescope Simulator`` or any INDI mount driver).

Slews go out in JNow (``EQUATORIAL_EOD_COORD`` after ``ON_COORD_SET`` TRACK or SLEW) and come
back converted to ICRS. INDI mounts land where the target was when the slew began, seconds
behind the sky, so once a slew ends the driver measures the landing and slews again (at most
``max_corrections`` times) while it is more than ``reslew_threshold_arcsec`` off; only then is
the mount ``on_target``. The corrections run on the connection's thread, driven by the
property updates; no call blocks. A horizontal (alt/az) target is reached the same way, then
tracking is switched off: INDI mounts track after every goto.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from astrotango.clock.clocks import Clock
from astrotango.hardware.errors import HardwareFault
from astrotango.hardware.indi.config import IndiConfig
from astrotango.hardware.indi.connection import Blob, IndiConnection
from astrotango.hardware.indi.frames import JNowFrame
from astrotango.hardware.indi.mapping import mount_state
from astrotango.hardware.indi.properties import Prop
from astrotango.hardware.limits import MountLimits
from astrotango.hardware.sky import altaz_to_radec, angular_separation_deg, radec_to_altaz
from astrotango.hardware.types import (
    EquatorialPointing,
    HorizontalPointing,
    MountState,
    MountStatus,
    Pointing,
    Site,
)

__all__ = ["IndiMount"]

_COORD, _PARK, _TRACK = "EQUATORIAL_EOD_COORD", "TELESCOPE_PARK", "TELESCOPE_TRACK_STATE"
_FOLLOWS = (MountState.IDLE, MountState.SLEWING, MountState.TRACKING)


@dataclass
class _Slew:
    """One commanded slew and its corrections (changed under the mount's lock)."""

    target: Pointing
    sent_at: float  # time.monotonic() of the last slew sent
    slews: int = 1
    seen_busy: bool = False
    done: bool = False
    on_target: bool = False
    failed: str = ""
    error_arcsec: float = float("nan")


class IndiMount:
    """The :class:`~astrotango.hardware.Mount` Protocol over an INDI mount device.

    Args:
        conn: The server connection.
        device: The mount's device name.
        site: Where the telescope stands (sent to the mount as ``GEOGRAPHIC_COORD``).
        config: Tolerances, corrections, limits and timeouts.
        clock: Timestamps and the time of coordinate conversions.
    """

    def __init__(
        self, conn: IndiConnection, device: str, site: Site, config: IndiConfig, clock: Clock
    ) -> None:
        self._conn, self._device, self._site = conn, device, site
        self._config, self._clock = config, clock
        self._frame = JNowFrame()
        self._lock = threading.Lock()
        self._slew: _Slew | None = None
        self._site_sent = False
        conn.listen(self._on_update)

    @property
    def limits(self) -> MountLimits:
        """The limits enforced on every slew."""
        return self._config.limits

    # -- commands -------------------------------------------------------------------------

    def slew(self, target: Pointing) -> None:
        """Start slewing to ``target``: tracked when equatorial, left fixed when horizontal.

        Raises:
            LimitViolation: the target breaks a limit now.
            HardwareFault: disconnected, parked, parking or unparking.
        """
        state = self._base()[0]
        if state in (MountState.PARKED, MountState.PARKING, MountState.UNPARKING):
            raise HardwareFault(f"mount: cannot slew while {state.name.lower()}")
        now = self._clock.now()
        self.limits.check(target, now, self._site)
        mode = "TRACK" if isinstance(target, EquatorialPointing) else "SLEW"
        self._conn.send(self._device, "ON_COORD_SET", {mode: "On"})
        with self._lock:
            self._slew = _Slew(target, time.monotonic())
            self._send_goto(target)

    def track(self, enabled: bool) -> None:
        """Start or stop sidereal tracking (``TELESCOPE_TRACK_STATE``).

        Raises:
            HardwareFault: disconnected, or parked.
        """
        if self._base()[0] is MountState.PARKED:
            raise HardwareFault("mount: cannot change tracking while parked")
        self._conn.send(self._device, _TRACK, {"TRACK_ON" if enabled else "TRACK_OFF": "On"})
        if not enabled:
            with self._lock:
                if self._slew is not None and isinstance(self._slew.target, EquatorialPointing):
                    self._slew = None

    def stop(self) -> None:
        """Stop every motion (``TELESCOPE_ABORT_MOTION``)."""
        with self._lock:
            self._slew = None
        self._conn.send(self._device, "TELESCOPE_ABORT_MOTION", {"ABORT": "On"})

    def park(self) -> None:
        """Start parking (``TELESCOPE_PARK`` PARK)."""
        with self._lock:
            self._slew = None
        self._conn.send(self._device, _PARK, {"PARK": "On"})

    def unpark(self) -> None:
        """Unpark (``TELESCOPE_PARK`` UNPARK); nothing happens unless parked."""
        if self._base()[0] in (MountState.PARKED, MountState.PARKING):
            self._conn.send(self._device, _PARK, {"UNPARK": "On"})

    # -- monitoring -----------------------------------------------------------------------

    def position(self) -> MountStatus:
        """Where the mount points (ICRS, and alt/az at the site) and what it does.

        Raises:
            HardwareFault: disconnected, or the mount device is not connected.
        """
        state, fault = self._base()
        coord = self._conn.require(self._device, _COORD)
        track = self._conn.get(self._device, _TRACK)
        now = self._clock.now()
        ra, dec = self._frame.to_icrs(coord.number("RA") * 15.0, coord.number("DEC"), now)
        alt, az = radec_to_altaz(ra, dec, now, self._site)
        tracking = track.on("TRACK_ON") if track is not None else state is MountState.TRACKING
        on_target = False
        slew = self._slew
        if slew is not None and state in _FOLLOWS:
            if slew.failed:
                state, fault = MountState.FAULT, slew.failed
            elif not slew.done:
                state = MountState.SLEWING
            elif isinstance(slew.target, EquatorialPointing):
                on_target = slew.on_target and state is MountState.TRACKING
            else:
                on_target = slew.on_target and state is MountState.IDLE
        return MountStatus(state, ra, dec, alt, az, tracking, on_target, fault)

    def _base(self) -> tuple[MountState, str]:
        self._conn.ready(self._device)
        coord = self._conn.require(self._device, _COORD)
        return mount_state(
            self._conn.get(self._device, _PARK), coord, self._conn.get(self._device, _TRACK)
        )

    # -- on the connection's thread -------------------------------------------------------

    def _on_update(self, update: Prop | Blob | None) -> None:
        if update is None:  # connected anew, or lost: the server forgot our slew
            with self._lock:
                self._slew, self._site_sent = None, False
            return
        if not isinstance(update, Prop) or update.device != self._device:
            return
        if update.name == "GEOGRAPHIC_COORD" and not self._site_sent:
            self._send_site(update)
        elif update.name == _COORD:
            with self._lock:
                self._follow(update)

    def _follow(self, coord: Prop) -> None:
        """Advance the current slew on a coordinate update (holding the lock)."""
        slew = self._slew
        if slew is None or slew.done:
            return
        if coord.alert:
            self._slew = None  # the mount refused or failed: FAULT comes from the property
            return
        if coord.busy:
            slew.seen_busy = True
            return
        waited = time.monotonic() - slew.sent_at
        if not slew.seen_busy:
            if waited > self._config.command_timeout_s:
                slew.done, slew.failed = True, f"mount: did not start slewing in {waited:.0f} s"
            return
        slew.error_arcsec = self._error_arcsec(slew.target, coord)
        horizontal = isinstance(slew.target, HorizontalPointing)
        cfg = self._config
        good = cfg.horizontal_tolerance_arcsec if horizontal else cfg.reslew_threshold_arcsec
        if slew.error_arcsec > good and slew.slews <= cfg.max_corrections:
            slew.slews += 1
            slew.seen_busy, slew.sent_at = False, time.monotonic()
            try:
                self._send_goto(slew.target)
            except HardwareFault as exc:
                slew.done, slew.failed = True, str(exc)
            return
        tolerance = cfg.horizontal_tolerance_arcsec if horizontal else cfg.pointing_tolerance_arcsec
        slew.done, slew.on_target = True, slew.error_arcsec <= tolerance
        if horizontal:  # INDI mounts track after any goto; a fixed alt/az target is not tracked
            try:
                self._conn.send(self._device, _TRACK, {"TRACK_OFF": "On"})
            except HardwareFault as exc:
                slew.failed = str(exc)
        if not slew.on_target:
            slew.failed = (
                f"mount: {slew.error_arcsec:.1f} arcsec from {slew.target.name!r} after "
                f"{slew.slews} slews (tolerance {tolerance:g} arcsec)"
            )

    def _error_arcsec(self, target: Pointing, coord: Prop) -> float:
        now = self._clock.now()
        ra, dec = self._frame.to_icrs(coord.number("RA") * 15.0, coord.number("DEC"), now)
        if isinstance(target, EquatorialPointing):
            return 3600.0 * angular_separation_deg(ra, dec, target.ra_deg, target.dec_deg)
        alt, az = radec_to_altaz(ra, dec, now, self._site)
        return 3600.0 * angular_separation_deg(az, alt, target.az_deg, target.alt_deg)

    def _send_goto(self, target: Pointing) -> None:
        now = self._clock.now()
        if isinstance(target, EquatorialPointing):
            ra, dec = target.ra_deg, target.dec_deg
        else:
            ra, dec = altaz_to_radec(target.alt_deg, target.az_deg, now, self._site)
        ra_now, dec_now = self._frame.to_jnow(ra, dec, now)
        self._conn.send(self._device, _COORD, {"RA": ra_now / 15.0, "DEC": dec_now})

    def _send_site(self, prop: Prop) -> None:
        site = self._site
        wanted = {"LAT": site.latitude_deg, "LONG": site.longitude_deg % 360.0}
        wanted["ELEV"] = site.elevation_m
        try:
            if any(abs(prop.number(k) - v) > 1e-6 for k, v in wanted.items()):
                self._conn.send(self._device, "GEOGRAPHIC_COORD", wanted)
            self._site_sent = True
        except (HardwareFault, KeyError, TypeError):
            pass  # not a standard GEOGRAPHIC_COORD: the mount keeps its own site
