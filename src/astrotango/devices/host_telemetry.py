"""HostTelemetry: the simulated observatory host (battery, storage, camera temperature).

The battery charges from a solar panel by day and discharges through the load; free storage
shrinks as assets are written (``RecordWrite``, and a nightly rate); the camera cools toward its
setpoint. Same scenario, clock, events and fault injection as the WeatherStation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from tango import DevState
from tango.server import command

from astrotango.clock import Clock
from astrotango.devices.codec import NO_REPLY_DOC, raise_dev_failed
from astrotango.devices.weather import SimulatedSensors, sensor_attribute
from astrotango.simulation.sensors import HOST_SENSORS, HostModel
from astrotango.simulation.sensors import Scenario as SensorScenario

__all__ = ["HostTelemetry"]


class HostTelemetry(SimulatedSensors):
    """Simulated host: batteryCharge (%), freeStorage (GB), cameraTemperature (degC)."""

    SENSORS = tuple(HOST_SENSORS)

    def init_device(self) -> None:
        """No host model until the panel builds one (see :meth:`make_sampler`)."""
        self._model: HostModel | None = None
        super().init_device()

    def make_sampler(
        self, scenario: SensorScenario, clock: Clock
    ) -> Callable[..., dict[str, float]]:
        """A host model starting at the clock's now; ``RecordWrite`` feeds the same model."""
        self._model = HostModel(scenario, clock.now())
        return self._model.sample

    def is_RecordWrite_allowed(self) -> bool:
        """Not while OFFLINE."""
        return self.get_state() != DevState.DISABLE

    @command(
        dtype_in=float,
        doc_in="Gigabytes of assets just written (finite, 0 or more)",
        doc_out=NO_REPLY_DOC,
    )
    def RecordWrite(self, size_gb: float) -> None:
        """Account for ``size_gb`` gigabytes of assets written to disk."""
        if self._model is None or not math.isfinite(size_gb):
            raise_dev_failed("API_InvalidArgument", "size_gb: must be a finite number")
        try:
            self._model.record_write(size_gb)
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"RecordWrite argument: {exc}")

    batteryCharge = sensor_attribute("battery_charge", "%", "Battery state of charge")
    freeStorage = sensor_attribute("free_storage", "GB", "Free disk space")
    cameraTemperature = sensor_attribute("camera_temperature", "degC", "Camera temperature")
