"""HostTelemetry: the simulated observatory host (battery, storage, camera temperature).

The battery charges from a solar panel by day and discharges through the load; free storage
shrinks as assets are written (``RecordWrite``, and a nightly rate); the camera cools toward its
setpoint. Same scenario, clock, events and fault injection as the WeatherStation.
"""

from __future__ import annotations

import math
from typing import Any

from tango import DevState
from tango.server import command, device_property

from astrotango.control_model import CommunicationStatus
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import raise_dev_failed
from astrotango.devices.weather import (
    clear_faults_command,
    faults_attribute,
    inject_fault_command,
    last_sample_attribute,
    sensor_attribute,
    start_panel,
)
from astrotango.simulation.sensors import HOST_SENSORS, HostModel

__all__ = ["HostTelemetry"]


class HostTelemetry(AstroDevice):
    """Simulated host: batteryCharge (%), freeStorage (GB), cameraTemperature (degC)."""

    Scenario = device_property(dtype=str, default_value="", doc="YAML/JSON file; '' default")
    Seed = device_property(dtype=int, default_value=-1, doc="-1: the scenario's seed")
    SamplePeriod = device_property(dtype=float, default_value=10.0, doc="clock seconds")
    ClockScale = device_property(dtype=float, default_value=1.0, doc="Simulated s per real s")
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")

    def init_device(self) -> None:
        """Build the panel, then the base; sampling runs while ONLINE."""
        super().init_device()
        self._model: HostModel | None = None

        def sampler(scenario: Any, clock: Any) -> Any:
            self._model = HostModel(scenario, clock.now())
            return self._model.sample

        self.panel = start_panel(self, tuple(HOST_SENSORS), sampler)

    def delete_device(self) -> None:
        """Stop sampling."""
        self.panel.feed.stop()
        super().delete_device()

    def _component_connected(self) -> None:
        super()._component_connected()
        self.panel.feed.start()

    def _communication_changed(self, status: CommunicationStatus) -> None:
        if hasattr(self, "panel") and status != CommunicationStatus.ESTABLISHED:
            self.panel.feed.stop()
        super()._communication_changed(status)

    InjectFault = inject_fault_command()
    ClearFaults = clear_faults_command()
    faults = faults_attribute()
    lastSample = last_sample_attribute()

    def is_RecordWrite_allowed(self) -> bool:
        """Not while OFFLINE."""
        return self.get_state() != DevState.DISABLE

    @command(dtype_in=float)
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
