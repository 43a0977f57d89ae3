"""WeatherStation: the weather sensors, simulated from a scenario or read from INDI/Alpaca.

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

from astrotango.clock import Clock, make_clock
from astrotango.control.telescope.drivers import WeatherSource, build_weather_source, driver_kind
from astrotango.control_model import CommunicationStatus
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import (
    NO_ARGUMENT_DOC,
    NO_REPLY_DOC,
    decode_json_argument,
    raise_dev_failed,
)
from astrotango.devices.event_config import enable_events
from astrotango.simulation.sensors import (
    WEATHER_SENSORS,
    SensorPanel,
    WeatherModel,
    attribute_name,
    load_scenario,
)
from astrotango.simulation.sensors import (
    Scenario as SensorScenario,
)

__all__ = ["SimulatedSensors", "WeatherStation", "sensor_attribute"]


def sensor_attribute(sensor: str, unit: str, doc: str) -> Any:
    """A read-only float attribute showing the panel's latest reading of ``sensor``."""
    name = attribute_name(sensor)

    def read(self: Any) -> float:
        return float(self.panel.value(name))

    return attribute(name=name, dtype=float, unit=unit, doc=doc, fget=read)


def start_panel(
    device: Any,
    sensors: tuple[str, ...],
    make_sampler: Callable[[SensorScenario, Clock], Callable[..., dict[str, float]]],
) -> SensorPanel:
    """Build a device's panel from its properties and set up events for every attribute."""
    try:
        scenario = load_scenario(device.Scenario or None)
    except ValueError as exc:
        raise ValueError(f"{device.get_name()} properties: Scenario: {exc}") from exc
    if device.Seed >= 0:
        scenario = scenario.model_copy(update={"seed": device.Seed})
    clock = make_clock(device.ClockScale, device.SimulationStart)
    push = device._publisher.push
    shown_faults = ["{}"]

    def publish(name: str, value: Any) -> None:
        push(name, value)
        if name == "lastSample":  # the faults in force change only with a sample
            faults = json.dumps(panel.active_faults())
            if faults != shown_faults[0]:
                shown_faults[0] = faults
                push("faults", faults)

    panel = SensorPanel(
        sensors, make_sampler(scenario, clock), scenario, clock, device.SamplePeriod, publish
    )
    enable_events(device, [*(attribute_name(s) for s in sensors), "lastSample", "faults"])
    return panel


class SimulatedSensors(AstroDevice):
    """Base of the sensor simulators: a scenario-driven panel, sampled while ONLINE.

    Subclasses name their ``SENSORS`` and build the sampler in :meth:`make_sampler`; the
    properties, the sampling lifecycle, fault injection and ``lastSample`` are shared.
    """

    SENSORS: tuple[str, ...] = ()

    Scenario = device_property(dtype=str, default_value="", doc="YAML/JSON file; '' default")
    Seed = device_property(dtype=int, default_value=-1, doc="-1: the scenario's seed")
    SamplePeriod = device_property(dtype=float, default_value=10.0, doc="clock seconds")
    ClockScale = device_property(dtype=float, default_value=1.0, doc="Simulated s per real s")
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")

    def init_device(self) -> None:
        """Build the base, then the panel; sampling runs while ONLINE."""
        super().init_device()
        self.panel = start_panel(self, self.SENSORS, self.make_sampler)

    def make_sampler(
        self, scenario: SensorScenario, clock: Clock
    ) -> Callable[..., dict[str, float]]:
        """The function the panel calls for each sample; subclasses override."""
        raise NotImplementedError

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

    def is_InjectFault_allowed(self) -> bool:
        """Not while OFFLINE."""
        return bool(self.get_state() != DevState.DISABLE)

    @command(
        dtype_in=str,
        doc_in='JSON object {"sensor": attribute name (e.g. windSpeed), "fault": "stale", '
        '"garbage", "fixed" or "none", "value": number, for fixed}',
        doc_out=NO_REPLY_DOC,
    )
    def InjectFault(self, argument: str) -> None:
        """``{"sensor": "windSpeed", "fault": "stale|garbage|fixed|none", "value": 20}``."""
        request = decode_json_argument(argument, what="InjectFault argument")
        try:
            self.panel.inject(request)
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"InjectFault argument: {exc}")

    @command(doc_in=NO_ARGUMENT_DOC, doc_out=NO_REPLY_DOC)
    def ClearFaults(self) -> None:
        """Clear every injected fault (scheduled ones keep their times)."""
        self.panel.faults.clear()

    @attribute(dtype=str, doc="Sensor -> fault in force (JSON)")
    def faults(self) -> str:
        """Sensor -> fault in force at the last sample."""
        return json.dumps(self.panel.active_faults())

    @attribute(dtype=str, doc="Last sample time (ISO UTC, clock time)")
    def lastSample(self) -> str:
        """When the last sample was taken."""
        return self.panel.last_sample


class WeatherStation(SimulatedSensors):
    """Weather station: clouds, wind and gusts, humidity, rain, sky temperature.

    ``Source`` = ``scenario`` (the default) simulates them; ``indi`` reads an INDI weather
    device and ``alpaca`` an ASCOM ObservingConditions, configured by ``SourceParameters``
    (JSON: the INDI or Alpaca configuration, server and device). Injected faults apply to
    either.
    """

    SENSORS = tuple(WEATHER_SENSORS)

    Source = device_property(dtype=str, default_value="scenario", doc="scenario | indi | alpaca")
    SourceParameters = device_property(
        dtype=str, default_value="", doc="JSON: the INDI or Alpaca station (server, device)"
    )

    def make_sampler(
        self, scenario: SensorScenario, clock: Clock
    ) -> Callable[..., dict[str, float]]:
        """The scenario's weather model, or the real station ``Source`` names."""
        self._station: WeatherSource | None = None
        if self.Source.strip().lower() in ("", "scenario"):
            return WeatherModel(scenario).sample
        try:
            self._station = build_weather_source(
                driver_kind(self.Source), self.SourceParameters, clock
            )
        except ValueError as exc:
            raise ValueError(f"{self.get_name()} properties: {exc}") from exc
        return self._station.sample

    def delete_device(self) -> None:
        """Stop sampling and let go of a real station."""
        super().delete_device()
        station: WeatherSource | None = getattr(self, "_station", None)
        if station is not None:
            station.close()

    cloudCover = sensor_attribute("cloud_cover", "%", "Cloud cover")
    windSpeed = sensor_attribute("wind_speed", "m/s", "Mean wind speed")
    windGust = sensor_attribute("wind_gust", "m/s", "Wind gusts")
    humidity = sensor_attribute("humidity", "%", "Relative humidity")
    rain = sensor_attribute("rain", "mm/h", "Rain rate (0 when dry)")
    skyTemperature = sensor_attribute("sky_temperature", "degC", "Sky temperature (IR)")
