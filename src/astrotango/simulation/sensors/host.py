"""The simulated observatory host: battery with solar charging, shrinking storage, camera cooler.

State advances with time: the battery charges from a solar panel by day (a half-sine over the
local solar day) and discharges through the load; free storage shrinks while observing at
night and when assets are recorded; the camera approaches its setpoint (limited by how far the
cooler can pull below ambient) with a first-order time constant. Scenario episodes may move the
inputs ``ambient_temperature`` (°C), ``cooler`` (0 off .. 1 on), ``load_w``, ``solar_factor``
(0 .. 1, e.g. a cloudy day) and ``write_rate_gb_per_h``.
"""

from __future__ import annotations

import math
import random
import threading
from datetime import datetime, timedelta

from astrotango.simulation.sensors.scenario import Scenario

__all__ = ["HOST_SENSORS", "HostModel"]

#: Sensor name -> (unit, physical minimum, physical maximum).
HOST_SENSORS: dict[str, tuple[str, float, float]] = {
    "battery_charge": ("%", 0.0, 100.0),
    "free_storage": ("GB", 0.0, 1e9),
    "camera_temperature": ("degC", -150.0, 80.0),
}
_MAX_STEP_S = 600.0


class HostModel:
    """Host telemetry that integrates over time.

    Args:
        scenario: Host parameters and episodes.
        start: The time the state refers to initially.
    """

    def __init__(self, scenario: Scenario, start: datetime) -> None:
        self.scenario = scenario
        spec = scenario.host
        self._spec = spec
        self._at = start
        self._battery_pct = spec.battery_start_pct
        self._free_gb = spec.storage_start_gb
        self._camera_c = spec.ambient_c
        self._rng = random.Random(scenario.seed)
        self._lock = threading.Lock()

    def _input(self, name: str, base: float, when: datetime) -> float:
        return self.scenario.episode_value(name, base, when)

    def solar_power_w(self, when: datetime) -> float:
        """Solar panel output at ``when``, watts."""
        hour = (when.hour + when.minute / 60 + self._spec.site_longitude_deg / 15.0) % 24.0
        daylight = max(0.0, math.sin(math.pi * (hour - 6.0) / 12.0)) if 6 <= hour <= 18 else 0.0
        factor = min(1.0, max(0.0, self._input("solar_factor", 1.0, when)))
        return self._spec.solar_peak_w * daylight * factor

    def record_write(self, size_gb: float) -> None:
        """Account for assets written to disk.

        Raises:
            ValueError: naming ``size_gb`` when negative or not finite.
        """
        if not math.isfinite(size_gb) or size_gb < 0:
            raise ValueError("size_gb: must be a finite number of gigabytes >= 0")
        with self._lock:
            self._free_gb = max(0.0, self._free_gb - size_gb)

    def _step(self, when: datetime, dt_s: float) -> None:
        spec = self._spec
        solar = self.solar_power_w(when)
        load = self._input("load_w", spec.load_w, when)
        delta_wh = (solar - load) * dt_s / 3600.0
        self._battery_pct = min(
            100.0, max(0.0, self._battery_pct + 100 * delta_wh / spec.battery_capacity_wh)
        )
        if solar == 0.0:  # observing at night
            rate = self._input("write_rate_gb_per_h", spec.write_rate_gb_per_h, when)
            self._free_gb = max(0.0, self._free_gb - rate * dt_s / 3600.0)
        ambient = self._input("ambient_temperature", spec.ambient_c, when)
        cooler = min(1.0, max(0.0, self._input("cooler", 1.0, when)))
        target = max(spec.camera_setpoint_c, ambient - spec.camera_max_delta_c * cooler)
        self._camera_c += (target - self._camera_c) * (1.0 - math.exp(-dt_s / spec.camera_tau_s))

    def sample(self, when: datetime) -> dict[str, float]:
        """Advance the state to ``when`` and return every sensor's true reading."""
        with self._lock:
            remaining = (when - self._at).total_seconds()
            while remaining > 0:
                dt = min(_MAX_STEP_S, remaining)
                self._at += timedelta(seconds=dt)
                self._step(self._at, dt)
                remaining -= dt
            noise = self._rng.gauss(0.0, 0.05)
            return {
                "battery_charge": self._battery_pct,
                "free_storage": self._free_gb,
                "camera_temperature": self._camera_c + noise,
            }
