"""The simulated focuser: constant-speed travel on the injected clock, and a focus curve.

State is evaluated lazily at the clock's time (like the mount), so a ManualClock drives it
deterministically; no wall time is read. The FWHM of the stars in an image depends on how far
the focuser stands from best focus (:class:`~astrotango.simulation.telescope.FocuserConfig`).
"""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta

from astrotango.clock.clocks import Clock
from astrotango.hardware import FocuserInfo, FocuserStatus, HardwareError
from astrotango.simulation.telescope.config import FocuserConfig
from astrotango.simulation.telescope.faults import FaultBoard

__all__ = ["SimulatedFocuser"]


class SimulatedFocuser:
    """A focuser implementing :class:`~astrotango.hardware.Focuser`.

    It travels at ``config.rate_steps_s`` (no acceleration) from where it is to the commanded
    position; a new move or a stop starts from where it is at that instant.

    Args:
        clock: The simulation clock.
        config: Travel, speed, focus curve and temperature.
        faults: The shared fault board (hang gate).
    """

    def __init__(self, clock: Clock, config: FocuserConfig, faults: FaultBoard) -> None:
        self._clock, self._config, self._faults = clock, config, faults
        self._info = FocuserInfo(config.max_steps)
        self._lock = threading.Lock()
        self._start = float(config.start_steps)  # where the current move began, steps
        self._target = float(config.start_steps)
        self._since = clock.now()

    def info(self) -> FocuserInfo:
        """The travel (0..``max_steps``)."""
        return self._info

    def status(self) -> FocuserStatus:
        """Measure the focuser now."""
        self._faults.gate("focuser")
        with self._lock:
            position, moving = self._at(self._clock.now())
        return FocuserStatus(round(position), moving, self._config.temperature_c)

    def move_to(self, position_steps: int) -> None:
        """Start moving to ``position_steps``.

        Raises:
            HardwareError: outside 0..``max_steps`` (naming the bound).
        """
        self._faults.gate("focuser")
        why = self._info.range_error(position_steps)
        if why:
            raise HardwareError(f"focuser: {why}")
        with self._lock:
            now = self._clock.now()
            self._start, _ = self._at(now)
            self._target, self._since = float(position_steps), now

    def stop(self) -> None:
        """Stop where the focuser is now."""
        self._faults.gate("focuser")
        with self._lock:
            now = self._clock.now()
            self._start, _ = self._at(now)
            self._target, self._since = self._start, now

    def next_change(self) -> datetime | None:
        """When the move under way ends; None when still."""
        with self._lock:
            _, moving = self._at(self._clock.now())
            if not moving:
                return None
            travel_s = abs(self._target - self._start) / self._config.rate_steps_s
            return self._since + timedelta(seconds=travel_s)

    def fwhm_arcsec(self, position_steps: int | None = None) -> float:
        """The FWHM of a star imaged at ``position_steps`` (default: where it is), arcsec."""
        if position_steps is None:
            with self._lock:
                position_steps = round(self._at(self._clock.now())[0])
        cfg = self._config
        blur = cfg.defocus_arcsec_per_step * abs(position_steps - cfg.best_focus_steps)
        return math.hypot(cfg.seeing_arcsec, blur)

    def _at(self, now: datetime) -> tuple[float, bool]:
        """Where the focuser is at ``now`` (steps) and whether it still moves (lock held)."""
        distance = self._target - self._start
        travelled = self._config.rate_steps_s * max(0.0, (now - self._since).total_seconds())
        if travelled >= abs(distance):
            return self._target, False
        return self._start + math.copysign(travelled, distance), True
