"""Fault injection for simulated sensors: stop updating, return garbage, stick at a value."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from datetime import datetime
from itertools import cycle

from astrotango.simulation.sensors.scenario import Scenario, SensorFault

__all__ = ["GARBAGE_VALUES", "FaultBoard"]

#: What a garbage sensor returns, in turn: not numbers, infinities, absurd magnitudes.
GARBAGE_VALUES: tuple[float, ...] = (math.nan, math.inf, -9999.0, 1e9, -math.inf)


class FaultBoard:
    """Faults in force: injected by command (until cleared) or scheduled by the scenario.

    Args:
        scenario: Supplies scheduled faults.
        sensors: The sensor names faults may name.
    """

    def __init__(self, scenario: Scenario, sensors: tuple[str, ...]) -> None:
        self._scenario = scenario
        self.sensors = sensors
        self._injected: dict[str, tuple[SensorFault, float | None]] = {}
        self._garbage = cycle(GARBAGE_VALUES)
        self._lock = threading.Lock()

    def inject(self, sensor: str, fault: SensorFault | None, value: float | None = None) -> None:
        """Inject a fault on ``sensor`` (None clears it).

        Raises:
            ValueError: naming ``sensor`` (unknown) or ``value`` (missing for ``fixed``).
        """
        if sensor not in self.sensors:
            raise ValueError(f"sensor: {sensor!r} is not one of {', '.join(self.sensors)}")
        if fault is SensorFault.FIXED and value is None:
            raise ValueError("value: a 'fixed' fault needs a value")
        with self._lock:
            if fault is None:
                self._injected.pop(sensor, None)
            else:
                self._injected[sensor] = (fault, value)

    def clear(self) -> None:
        """Clear every injected fault (scheduled ones keep their timetable)."""
        with self._lock:
            self._injected.clear()

    def active(self, when: datetime) -> dict[str, str]:
        """Sensor -> fault name, for every fault in force at ``when``."""
        found = {}
        for sensor in self.sensors:
            fault = self._fault(sensor, when)
            if fault is not None:
                found[sensor] = fault[0].value
        return found

    def _fault(self, sensor: str, when: datetime) -> tuple[SensorFault, float | None] | None:
        with self._lock:
            injected = self._injected.get(sensor)
        if injected is not None:
            return injected
        scheduled = self._scenario.fault_at(sensor, when)
        return None if scheduled is None else (scheduled.fault, scheduled.value)

    def apply(self, values: Mapping[str, float], when: datetime) -> dict[str, float]:
        """The readings as the faulty sensors report them; stale sensors are left out."""
        out: dict[str, float] = {}
        for sensor, value in values.items():
            fault = self._fault(sensor, when)
            if fault is None:
                out[sensor] = value
            elif fault[0] is SensorFault.GARBAGE:
                with self._lock:
                    out[sensor] = next(self._garbage)
            elif fault[0] is SensorFault.FIXED:
                out[sensor] = value if fault[1] is None else fault[1]
            # STALE: nothing reported
        return out
