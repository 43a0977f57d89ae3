"""WeatherStation: the simulated weather sensors, driven by a scenario on the injected clock.

Every sample is pushed as change and archive events (also when a value repeats), so a follower
can tell a quiet sensor from a stopped one. ``InjectFault`` stops a sensor, makes it return
garbage, or sticks it at a value. Logic lives in :mod:`astrotango.simulation.sensors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tango import DevState
from tango.server import attribute, command, device_property

from astrotango.control_model import CommunicationStatus
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import decode_json_argument, raise_dev_failed
from astrotango.simulation import Clock, make_clock
from astrotango.simulation.sensors import (
    WEATHER_SENSORS,
    Scenario,
    SensorPanel,
    WeatherModel,
    attribute_name,
    load_scenario,
)

__all__ = [
    "WeatherStation",
    "clear_faults_command",
    "faults_attribute",
    "inject_fault_command",
    "last_sample_attribute",
    "sensor_attribute",
    "start_panel",
]


def sensor_attribute(sensor: str, unit: str, doc: str) -> Any:
    """A read-only float attribute showing the panel's latest reading of ``sensor``."""
    name = attribute_name(sensor)

    def read(self: Any) -> float:
        return float(self.panel.value(name))

    return attribute(name=name, dtype=float, unit=unit, doc=doc, fget=read)


def _not_offline(device: Any) -> bool:
    return bool(device.get_state() != DevState.DISABLE)


def inject_fault_command() -> Any:
    """The ``InjectFault(json)`` command of a sensor simulator device."""

    def InjectFault(self: Any, argument: str) -> None:
        """``{"sensor": "windSpeed", "fault": "stale|garbage|fixed|none", "value": 20}``."""
        request = decode_json_argument(argument, what="InjectFault argument")
        try:
            self.panel.inject(request)
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"InjectFault argument: {exc}")

    return command(InjectFault, dtype_in=str, fisallowed=_not_offline)


def clear_faults_command() -> Any:
    """The ``ClearFaults()`` command: injected faults end (scheduled ones keep their times)."""

    def ClearFaults(self: Any) -> None:
        """Clear every injected fault."""
        self.panel.faults.clear()

    return command(ClearFaults)


def faults_attribute() -> Any:
    """The ``faults`` attribute: sensor -> fault in force at the last sample (JSON)."""
    return attribute(
        name="faults",
        dtype=str,
        doc="Sensor -> fault in force (JSON)",
        fget=lambda self: json.dumps(self.panel.active_faults()),
    )


def last_sample_attribute() -> Any:
    """The ``lastSample`` attribute: when the last sample was taken (ISO UTC, clock time)."""
    return attribute(
        name="lastSample",
        dtype=str,
        doc="Last sample time (ISO UTC, clock time)",
        fget=lambda self: self.panel.last_sample,
    )


def start_panel(
    device: Any,
    sensors: tuple[str, ...],
    make_sampler: Callable[[Scenario, Clock], Callable[..., dict[str, float]]],
) -> SensorPanel:
    """Build a device's panel from its properties and set up events for every attribute."""
    try:
        scenario = load_scenario(device.Scenario or None)
    except ValueError as exc:
        raise ValueError(f"{device.get_name()} properties: Scenario: {exc}") from exc
    if device.Seed >= 0:
        scenario = scenario.model_copy(update={"seed": device.Seed})
    clock = make_clock(device.ClockScale, device.SimulationStart)
    panel = SensorPanel(
        sensors,
        make_sampler(scenario, clock),
        scenario,
        clock,
        device.SamplePeriod,
        device._publisher.push,
    )
    for name in [*(attribute_name(s) for s in sensors), "lastSample"]:
        device.set_change_event(name, True, False)
        device.set_archive_event(name, True, False)
    return panel


class WeatherStation(AstroDevice):
    """Simulated weather station: clouds, wind and gusts, humidity, rain, sky temperature."""

    Scenario = device_property(dtype=str, default_value="", doc="YAML/JSON file; '' default")
    Seed = device_property(dtype=int, default_value=-1, doc="-1: the scenario's seed")
    SamplePeriod = device_property(dtype=float, default_value=10.0, doc="clock seconds")
    ClockScale = device_property(dtype=float, default_value=1.0, doc="Simulated s per real s")
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")

    def init_device(self) -> None:
        """Build the panel, then the base; sampling runs while ONLINE."""
        super().init_device()
        self.panel = start_panel(
            self, tuple(WEATHER_SENSORS), lambda scenario, _: WeatherModel(scenario).sample
        )

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

    cloudCover = sensor_attribute("cloud_cover", "%", "Cloud cover")
    windSpeed = sensor_attribute("wind_speed", "m/s", "Mean wind speed")
    windGust = sensor_attribute("wind_gust", "m/s", "Wind gusts")
    humidity = sensor_attribute("humidity", "%", "Relative humidity")
    rain = sensor_attribute("rain", "mm/h", "Rain rate (0 when dry)")
    skyTemperature = sensor_attribute("sky_temperature", "degC", "Sky temperature (IR)")
