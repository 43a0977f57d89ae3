"""Sensor simulators: a weather station and the observatory host, driven by scenario files.

A :class:`Scenario` (YAML or JSON; the default ships as ``scenarios/default.yaml``) gives
baselines with noise, episodes on a timeline and scheduled faults; :class:`WeatherModel` and
:class:`HostModel` turn it into readings at any time of the injected clock; :class:`FaultBoard`
applies injected and scheduled faults; :class:`SensorFeed` samples on the clock in a thread.
"""

from __future__ import annotations

from astrotango.simulation.sensors.faults import GARBAGE_VALUES, FaultBoard
from astrotango.simulation.sensors.feed import SensorFeed
from astrotango.simulation.sensors.host import HOST_SENSORS, HostModel
from astrotango.simulation.sensors.panel import SensorPanel, attribute_name
from astrotango.simulation.sensors.scenario import (
    DEFAULT_SCENARIO,
    Episode,
    FaultEpisode,
    HostSpec,
    QuantitySpec,
    Scenario,
    SensorFault,
    load_scenario,
)
from astrotango.simulation.sensors.weather import WEATHER_SENSORS, WeatherModel

__all__ = [
    "DEFAULT_SCENARIO",
    "GARBAGE_VALUES",
    "HOST_SENSORS",
    "WEATHER_SENSORS",
    "Episode",
    "FaultBoard",
    "FaultEpisode",
    "HostModel",
    "HostSpec",
    "QuantitySpec",
    "Scenario",
    "SensorFault",
    "SensorFeed",
    "SensorPanel",
    "WeatherModel",
    "attribute_name",
    "load_scenario",
]
