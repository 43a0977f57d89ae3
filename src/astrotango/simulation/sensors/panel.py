"""What a simulated sensor device shows: the latest readings, faults by command, one feed.

A :class:`SensorPanel` wires a model, a :class:`FaultBoard` and a :class:`SensorFeed` on the
injected clock, keeps the latest reading of every sensor (by its Tango attribute name, e.g.
``windSpeed``) and tells ``push(attribute, value)`` about each published reading. Devices stay
thin: they declare attributes that read :meth:`value` and forward fault commands.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from astrotango.clock.clocks import Clock
from astrotango.simulation.sensors.faults import FaultBoard
from astrotango.simulation.sensors.feed import Sampler, SensorFeed
from astrotango.simulation.sensors.scenario import Scenario, SensorFault

__all__ = ["SensorPanel", "attribute_name"]

Push = Callable[[str, Any], None]


def attribute_name(sensor: str) -> str:
    """The Tango attribute of a sensor: ``wind_speed`` -> ``windSpeed``."""
    head, *rest = sensor.split("_")
    return head + "".join(part.title() for part in rest)


def _sensor_name(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class SensorPanel:
    """The latest readings of a set of sensors, fed on the clock, with fault injection.

    Args:
        sensors: Sensor names (snake case) the model produces.
        sample: The model's sampler.
        scenario: Supplies scheduled faults.
        clock: The injected clock.
        period_s: Clock seconds between samples.
        push: Told ``(attribute, value)`` for every published reading, and ``("lastSample",
            iso)`` and ``("faults", json)`` after each sample.
    """

    def __init__(
        self,
        sensors: tuple[str, ...],
        sample: Sampler,
        scenario: Scenario,
        clock: Clock,
        period_s: float,
        push: Push,
    ) -> None:
        self.sensors = sensors
        self.faults = FaultBoard(scenario, sensors)
        self._clock, self._push = clock, push
        self._values: dict[str, float] = {attribute_name(s): math.nan for s in sensors}
        self._last_sample = ""
        self._active: dict[str, str] = {}
        self._lock = threading.Lock()
        self.feed = SensorFeed(sample, self.faults, clock, period_s, self._publish)

    def value(self, attribute: str) -> float:
        """The latest published reading of ``attribute`` (NaN before the first)."""
        with self._lock:
            return self._values[attribute]

    @property
    def last_sample(self) -> str:
        """When the last sample was taken (ISO, clock time; '' before the first)."""
        with self._lock:
            return self._last_sample

    def active_faults(self) -> dict[str, str]:
        """Sensor -> fault, for faults in force at the last sample."""
        with self._lock:
            return dict(self._active)

    def _publish(self, when: datetime, readings: Mapping[str, float]) -> None:
        active = self.faults.active(when)
        with self._lock:
            self._last_sample = when.isoformat()
            self._active = active
            for sensor, value in readings.items():
                self._values[attribute_name(sensor)] = value
        for sensor, value in readings.items():
            self._push(attribute_name(sensor), value)
        self._push("lastSample", when.isoformat())

    def inject(self, request: Any) -> None:
        """Apply a fault request ``{"sensor", "fault": stale|garbage|fixed|none, "value"}``.

        Raises:
            ValueError: naming the bad field.
        """
        if not isinstance(request, dict):
            raise ValueError("argument: expected a JSON object {sensor, fault, value}")
        unknown = set(request) - {"sensor", "fault", "value"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown field")
        sensor = _sensor_name(str(request.get("sensor", "")))
        fault_name = str(request.get("fault", ""))
        value = request.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError("value: must be a number")
        if fault_name == "none":
            fault = None
        else:
            try:
                fault = SensorFault(fault_name)
            except ValueError:
                kinds = ", ".join([*(f.value for f in SensorFault), "none"])
                raise ValueError(f"fault: {fault_name!r} is not one of {kinds}") from None
        self.faults.inject(sensor, fault, None if value is None else float(value))
