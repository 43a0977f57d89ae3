"""The mount: an ASCOM Telescope, commanded from the caller's thread, read by the poller.

Positions are ICRS degrees to us and the mount's frame (J2000 or JNow, RightAscension in
hours) on the wire. ASCOM reports only AtPark, Slewing and Tracking; the unparking, parking
and settling states come from what the driver commanded (:class:`~.mapping.Phase`) until a
reading taken after the command shows the motion finished.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from astrotango.clock.clocks import Clock
from astrotango.hardware.alpaca.config import AlpacaConfig
from astrotango.hardware.alpaca.frames import Frame, frame_for, icrs_to_mount, mount_to_icrs
from astrotango.hardware.alpaca.mapping import Phase, mount_state
from astrotango.hardware.alpaca.transport import TimedTelescope, call, get, is_network, put
from astrotango.hardware.errors import HardwareError, HardwareFault
from astrotango.hardware.limits import MountLimits
from astrotango.hardware.sky import angular_separation_deg
from astrotango.hardware.types import (
    EquatorialPointing,
    HorizontalPointing,
    MountState,
    MountStatus,
    Pointing,
    Site,
)

__all__ = ["AlpacaMount", "MountReading"]

_NOT_MOVABLE = (MountState.PARKED, MountState.UNPARKING, MountState.PARKING)


@dataclass(frozen=True)
class MountReading:
    """One reading of the Telescope device, positions already ICRS; ``fault`` if it failed."""

    at_park: bool = False
    slewing: bool = False
    tracking: bool = False
    ra_deg: float = 0.0
    dec_deg: float = 0.0
    alt_deg: float = 0.0
    az_deg: float = 0.0
    fault: str = ""


class AlpacaMount:
    """An ASCOM Telescope implementing :class:`~astrotango.hardware.Mount`.

    Args:
        device: The Telescope device.
        site: Where it stands (written to the mount at connect when ``config.set_site``).
        config: Tolerances, timing and limits.
        clock: Dates commands.
        reading: The latest snapshot's time and mount reading (raises when there is none).
        command: Brackets a command (the poller discards readings taken meanwhile).
        logger: Where site and frame findings go.
    """

    def __init__(
        self,
        device: TimedTelescope,
        site: Site,
        config: AlpacaConfig,
        clock: Clock,
        reading: Callable[[], tuple[datetime, MountReading]],
        command: Callable[[], contextlib.AbstractContextManager[None]],
        logger: logging.Logger,
    ) -> None:
        self._device, self._site, self._config, self._clock = device, site, config, clock
        self._reading, self._command, self._logger = reading, command, logger
        self._tolerance_deg = config.pointing_tolerance_arcsec / 3600.0
        self._lock = threading.Lock()
        self._frame = Frame.J2000
        self._can_track = self._can_altaz = True
        self._phase, self._issued, self._slew_seen = Phase.NONE, clock.now(), False
        self._slew_end = self._issued
        self._target: Pointing | None = None

    @property
    def limits(self) -> MountLimits:
        """The limits enforced on every slew."""
        return self._config.limits

    @property
    def frame(self) -> Frame:
        """The mount's equatorial frame (known after connect)."""
        return self._frame

    # -- poller side ----------------------------------------------------------------------

    def connect(self) -> None:
        """Connect; learn the frame and capabilities; write (or check) the site."""
        d = self._device
        put(d, "Connected", True)
        self._frame = frame_for(int(get(d, "EquatorialSystem")), self._config.equatorial_frame)
        self._can_track = bool(get(d, "CanSetTracking"))
        self._can_altaz = bool(get(d, "CanSlewAltAzAsync"))
        site = self._site
        if self._config.set_site:
            try:
                put(d, "SiteLatitude", site.latitude_deg)
                put(d, "SiteLongitude", site.longitude_deg)
                put(d, "SiteElevation", site.elevation_m)
            except HardwareError as exc:
                if is_network(exc):
                    raise
                self._logger.warning("mount: cannot set the site: %s", exc)
        lat, lon = float(get(d, "SiteLatitude")), float(get(d, "SiteLongitude"))
        if abs(lat - site.latitude_deg) > 0.01 or abs(lon - site.longitude_deg) > 0.01:
            self._logger.warning(
                "mount: its site (%.4f, %.4f) is not %s (%.4f, %.4f): its alt/az will differ",
                lat, lon, site.name, site.latitude_deg, site.longitude_deg,
            )  # fmt: skip

    def read(self, when: datetime) -> MountReading:
        """Read the mount (poller thread); a device error becomes a reading with a fault.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        d = self._device
        try:
            ra, dec = mount_to_icrs(
                float(get(d, "RightAscension")) * 15.0, float(get(d, "Declination")), when,
                self._frame,
            )  # fmt: skip
            return MountReading(
                at_park=bool(get(d, "AtPark")),
                slewing=bool(get(d, "Slewing")),
                tracking=bool(get(d, "Tracking")),
                ra_deg=ra,
                dec_deg=dec,
                alt_deg=float(get(d, "Altitude")),
                az_deg=float(get(d, "Azimuth")) % 360.0,
            )
        except HardwareError as exc:
            if is_network(exc):
                raise
            return MountReading(fault=str(exc))

    def observe(self, when: datetime, r: MountReading) -> None:
        """Advance the commanded phase with a reading taken at ``when`` (poller thread)."""
        with self._lock:
            if when < self._issued or r.fault:
                return
            since = (when - self._issued).total_seconds()
            grace = since >= self._config.slew_start_grace_s
            unparked = self._phase is Phase.UNPARKING and (not r.at_park or grace)
            if unparked or (self._phase is Phase.PARKING and r.at_park):
                self._phase = Phase.NONE
            elif self._phase is Phase.SLEWING:
                if r.slewing:
                    self._slew_seen = True
                elif self._slew_seen or grace or self._near(r):
                    self._phase, self._slew_end = Phase.SETTLING, when
            if self._phase is Phase.SETTLING:
                settled = (when - self._slew_end).total_seconds() >= self._config.settle_s
                self._phase = Phase.NONE if settled else Phase.SETTLING

    # -- the Mount Protocol ---------------------------------------------------------------

    def position(self) -> MountStatus:
        """The mount as last read.

        Raises:
            HardwareError: the server is unreachable or does not answer.
        """
        _, r = self._reading()
        with self._lock:
            phase, target = self._phase, self._target
        if r.fault:
            return MountStatus(MountState.FAULT, 0.0, 0.0, 0.0, 0.0, False, False, r.fault)
        state = mount_state(at_park=r.at_park, slewing=r.slewing, tracking=r.tracking, phase=phase)
        wanted = MountState.TRACKING if isinstance(target, EquatorialPointing) else MountState.IDLE
        on_target = target is not None and state is wanted and self._near(r, target)
        return MountStatus(
            state, r.ra_deg, r.dec_deg, r.alt_deg, r.az_deg, r.tracking, on_target, ""
        )

    def slew(self, target: Pointing) -> None:
        """Start slewing (tracking first switched on for an equatorial target).

        Raises:
            LimitViolation: the target breaks a limit now.
            HardwareFault: parked, unparking, parking or in fault; or the mount refused.
        """
        state = self.position()
        if state.state in _NOT_MOVABLE:
            raise HardwareFault(f"mount: cannot slew while {state.state.name.lower()}")
        if state.state is MountState.FAULT:
            raise HardwareFault(f"mount fault: {state.fault}")
        now = self._clock.now()
        self.limits.check(target, now, self._site)
        d = self._device
        with self._command():
            self._enter(Phase.SLEWING, target, now)
            try:
                if isinstance(target, EquatorialPointing):
                    ra, dec = icrs_to_mount(target.ra_deg, target.dec_deg, now, self._frame)
                    if self._can_track:
                        put(d, "Tracking", True)
                    call(
                        d,
                        "SlewToCoordinatesAsync",
                        lambda: d.SlewToCoordinatesAsync(ra / 15.0, dec),
                    )
                else:
                    self._slew_altaz(target)
            except HardwareError:
                self._enter(Phase.NONE, None, now)
                raise

    def _slew_altaz(self, target: HorizontalPointing) -> None:
        d = self._device
        if not self._can_altaz:
            raise HardwareFault(f"mount: cannot slew to alt/az ({d.base_url})")
        if self._can_track:
            put(d, "Tracking", False)
        alt, az = target.alt_deg, target.az_deg % 360.0
        call(d, "SlewToAltAzAsync", lambda: d.SlewToAltAzAsync(az, alt))

    def track(self, enabled: bool) -> None:
        """Track the sky where the mount points (enabled), or stop tracking.

        Raises:
            HardwareFault: parked or moving, in fault, or the mount refused.
        """
        status = self.position()
        if status.state is MountState.FAULT:
            raise HardwareFault(f"mount fault: {status.fault}")
        if status.state in (*_NOT_MOVABLE, MountState.SLEWING):
            raise HardwareFault(f"mount: cannot change tracking while {status.state.name}")
        if enabled and status.state in (MountState.TRACKING, MountState.SETTLING):
            return
        target = EquatorialPointing(status.ra_deg, status.dec_deg, "sky") if enabled else None
        with self._command():
            self._enter(Phase.NONE, target, self._clock.now())
            put(self._device, "Tracking", enabled)

    def stop(self) -> None:
        """Abort a slew and stop tracking where the mount is."""
        if self.position().state is MountState.PARKED:
            return
        d = self._device
        with self._command():
            self._enter(Phase.NONE, None, self._clock.now())
            call(d, "AbortSlew", d.AbortSlew)
            if self._can_track:
                put(d, "Tracking", False)

    def park(self) -> None:
        """Start parking (PARKED once the mount reports AtPark)."""
        if self.position().state in (MountState.PARKED, MountState.PARKING):
            return
        d = self._device
        with self._command():
            self._enter(Phase.PARKING, None, self._clock.now())
            call(d, "Park", d.Park)

    def unpark(self) -> None:
        """Unpark, leaving tracking off: IDLE once the mount reports it is not at park."""
        if self.position().state is not MountState.PARKED:
            return
        d = self._device
        with self._command():
            self._enter(Phase.UNPARKING, None, self._clock.now())
            call(d, "Unpark", d.Unpark)
            if self._can_track:
                put(d, "Tracking", False)

    # -- internals ------------------------------------------------------------------------

    def _enter(self, phase: Phase, target: Pointing | None, now: datetime) -> None:
        with self._lock:
            self._phase, self._target, self._issued, self._slew_seen = phase, target, now, False

    def _near(self, r: MountReading, target: Pointing | None = None) -> bool:
        goal = target if target is not None else self._target
        if isinstance(goal, EquatorialPointing):
            off = angular_separation_deg(r.ra_deg, r.dec_deg, goal.ra_deg, goal.dec_deg)
        elif isinstance(goal, HorizontalPointing):
            off = angular_separation_deg(r.az_deg, r.alt_deg, goal.az_deg, goal.alt_deg)
        else:
            return False
        return off <= self._tolerance_deg
