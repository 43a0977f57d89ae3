"""The simulated alt-az mount: per-axis rate and acceleration, settling, tracking, park, limits.

State is evaluated lazily at the clock's time, so a ManualClock drives it deterministically. A
new motion command starts from where the mount is (the braking of the old motion is not
modelled).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from astrotango.clock.clocks import Clock
from astrotango.hardware import (
    EquatorialPointing,
    HardwareFault,
    MountLimits,
    MountState,
    MountStatus,
    Pointing,
    Site,
    altaz_to_radec,
    pointing_altaz,
)
from astrotango.simulation.telescope.config import SimulatorConfig
from astrotango.simulation.telescope.faults import FaultBoard
from astrotango.simulation.telescope.motion import AxisMove, wrap180

__all__ = ["SimulatedMount"]

_MOVING = (MountState.SLEWING, MountState.PARKING)


class SimulatedMount:
    """A simulated alt-az mount implementing :class:`~astrotango.hardware.Mount`.

    Args:
        clock: The simulation clock.
        site: Where the mount stands.
        config: Rates, accelerations, settle time, park position and limits.
        faults: The shared fault board (hang gate).
    """

    def __init__(
        self, clock: Clock, site: Site, config: SimulatorConfig, faults: FaultBoard
    ) -> None:
        self._clock, self._site, self._config, self._faults = clock, site, config, faults
        self._lock = threading.Lock()
        self._state = MountState.PARKED
        self._alt, self._az = config.park_alt_deg, config.park_az_deg
        self._since = clock.now()
        self._until: datetime | None = None
        self._moves: tuple[AxisMove, AxisMove] | None = None
        self._target: Pointing | None = None
        self._tracking = False
        self._on_target = False
        self._fault = ""

    @property
    def limits(self) -> MountLimits:
        """The limits enforced on every slew."""
        return self._config.limits

    # -- commands -------------------------------------------------------------------------

    def slew(self, target: Pointing) -> None:
        """Start slewing to ``target`` (tracked when equatorial).

        Raises:
            LimitViolation: the target breaks a limit now.
            HardwareFault: parked, unparking or in fault.
        """
        self._faults.gate("mount")
        with self._lock:
            now = self._advance()
            if self._state in (MountState.PARKED, MountState.UNPARKING, MountState.PARKING):
                raise HardwareFault(f"mount: cannot slew while {self._state.name.lower()}")
            self._refuse_if_fault()
            self.limits.check(target, now, self._site)
            goal_alt, goal_az = pointing_altaz(target, now, self._site)
            for _ in range(2):  # aim where an equatorial target will be on arrival
                duration = self._plan(goal_alt, goal_az).duration
                goal_alt, goal_az = pointing_altaz(
                    target, now + timedelta(seconds=duration), self._site
                )
            self._target, self._fault, self._on_target = target, "", False
            self._tracking = isinstance(target, EquatorialPointing)
            self._start_move(MountState.SLEWING, goal_alt, goal_az, now)

    def track(self, enabled: bool) -> None:
        """Start tracking the current equatorial target (or the sky where it points); or stop."""
        self._faults.gate("mount")
        with self._lock:
            now = self._advance()
            self._refuse_if_fault()
            if self._state in (MountState.PARKED, MountState.UNPARKING, *_MOVING):
                raise HardwareFault(f"mount: cannot change tracking while {self._state.name}")
            if not enabled:
                self._commit(now, MountState.IDLE)
                self._tracking = self._on_target = False
                return
            if self._state is not MountState.IDLE:
                return  # already tracking, or settling onto a target it will track
            ra, dec = altaz_to_radec(self._alt, self._az, now, self._site)
            name = self._target.name if self._target is not None else "sky"
            self._target = EquatorialPointing(ra, dec, name)
            self._tracking = True
            self._commit(now, MountState.TRACKING)

    def stop(self) -> None:
        """Stop every motion where the mount is."""
        self._faults.gate("mount")
        with self._lock:
            now = self._advance()
            if self._state in (MountState.PARKED, MountState.FAULT):
                return
            self._commit(now, MountState.IDLE)
            self._tracking = self._on_target = False

    def park(self) -> None:
        """Start moving to the park position."""
        self._faults.gate("mount")
        with self._lock:
            now = self._advance()
            self._refuse_if_fault()
            if self._state in (MountState.PARKED, MountState.PARKING):
                return
            self._target, self._tracking, self._on_target, self._fault = None, False, False, ""
            alt, az = self._config.park_alt_deg, self._config.park_az_deg
            if alt >= 90.0:  # a zenith stow: azimuth means nothing there, so it stays put
                az = self._altaz(now)[1]
            self._start_move(MountState.PARKING, alt, az, now)

    def unpark(self) -> None:
        """Release the brakes; IDLE after ``unpark_s``."""
        self._faults.gate("mount")
        with self._lock:
            now = self._advance()
            self._refuse_if_fault()
            if self._state is MountState.PARKED:
                self._commit(now, MountState.UNPARKING)
                self._until = now + timedelta(seconds=self._config.unpark_s)

    def position(self) -> MountStatus:
        """Measure the mount now."""
        self._faults.gate("mount")
        with self._lock:
            now = self._advance()
            alt, az = self._altaz(now)
            if self._state in (MountState.SETTLING, MountState.TRACKING) and isinstance(
                self._target, EquatorialPointing
            ):
                ra, dec = self._target.ra_deg, self._target.dec_deg
            else:
                ra, dec = altaz_to_radec(alt, az, now, self._site)
            return MountStatus(
                self._state, ra, dec, alt, az, self._tracking, self._on_target, self._fault
            )

    def next_change(self) -> datetime | None:
        """When the current motion phase (unpark, slew, settle, park) ends; None if still."""
        with self._lock:
            self._advance()
            return self._until

    # -- fault injection ------------------------------------------------------------------

    def set_fault(self, reason: str | None) -> None:
        """Put the mount in FAULT where it is (``reason``), or clear the fault (None)."""
        with self._lock:
            now = self._advance()
            if reason:
                self._commit(now, MountState.FAULT)
                self._tracking = self._on_target = False
                self._fault = reason
            elif self._state is MountState.FAULT:
                self._commit(now, MountState.IDLE)
                self._fault = ""

    # -- internals (lock held) ------------------------------------------------------------

    def _refuse_if_fault(self) -> None:
        if self._state is MountState.FAULT:
            raise HardwareFault(f"mount fault: {self._fault}")

    def _plan(self, alt: float, az: float) -> _Plan:
        cfg = self._config
        return _Plan(
            AxisMove(self._alt, alt - self._alt, cfg.alt_rate_deg_s, cfg.alt_accel_deg_s2),
            AxisMove(self._az, wrap180(az - self._az), cfg.az_rate_deg_s, cfg.az_accel_deg_s2),
        )

    def _start_move(self, state: MountState, alt: float, az: float, now: datetime) -> None:
        self._commit(now, state)
        plan = self._plan(alt, az)
        self._moves = (plan.alt, plan.az)
        self._until = now + timedelta(seconds=plan.duration)

    def _commit(self, now: datetime, state: MountState) -> None:
        """Freeze the position at ``now`` and enter ``state``."""
        self._alt, self._az = self._altaz(now)
        self._state, self._since, self._until, self._moves = state, now, None, None

    def _altaz(self, now: datetime) -> tuple[float, float]:
        if self._state in _MOVING and self._moves is not None:
            elapsed = (now - self._since).total_seconds()
            alt_move, az_move = self._moves
            return alt_move.position(elapsed), az_move.position(elapsed) % 360.0
        if self._target is not None and self._state in (MountState.SETTLING, MountState.TRACKING):
            return pointing_altaz(self._target, now, self._site)
        return self._alt, self._az

    def _advance(self) -> datetime:
        """Apply every phase change due by now; return now."""
        now = self._clock.now()
        while self._until is not None and now >= self._until:
            end = self._until
            if self._state is MountState.UNPARKING:
                self._commit(end, MountState.IDLE)
            elif self._state is MountState.PARKING:
                self._commit(end, MountState.PARKED)
            elif self._state is MountState.SLEWING:
                self._commit(end, MountState.SETTLING)
                self._on_target = False
                self._until = end + timedelta(seconds=self._config.settle_s)
            elif self._state is MountState.SETTLING:
                tracked = self._tracking and isinstance(self._target, EquatorialPointing)
                self._commit(end, MountState.TRACKING if tracked else MountState.IDLE)
                self._on_target = True
        if self._state is MountState.TRACKING and self._target is not None:
            alt, _ = pointing_altaz(self._target, now, self._site)
            if alt < self.limits.min_altitude_deg:
                self._commit(now, MountState.IDLE)
                self._tracking = self._on_target = False
                self._fault = "tracking stopped at the horizon limit"
        return now


class _Plan:
    """The two axis moves of one slew."""

    def __init__(self, alt: AxisMove, az: AxisMove) -> None:
        self.alt, self.az = alt, az

    @property
    def duration(self) -> float:
        """The slew's duration: the slower axis."""
        return max(self.alt.duration_s, self.az.duration_s)
