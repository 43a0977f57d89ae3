"""Which driver a telescope runs on: our simulator, an INDI server, or ASCOM Alpaca devices.

The Telescope device's ``Driver`` property names one; ``DriverParameters`` (JSON) configures it:
:class:`~astrotango.simulation.telescope.SimulatorConfig`, :class:`~astrotango.hardware.indi.
IndiConfig` or :class:`~astrotango.hardware.alpaca.AlpacaConfig`. Real hardware moves in real
time, so the INDI and Alpaca drivers refuse a simulated clock (a scaled or virtual one would
time their motions wrongly), and they need a data directory for their FITS files.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pydantic

from astrotango.clock.clocks import Clock, WallClock
from astrotango.hardware import CameraInfo, ReceiverInfo, Site
from astrotango.hardware.alpaca import AlpacaConfig, AlpacaTelescope, AlpacaWeather
from astrotango.hardware.indi import IndiConfig, IndiTelescope, IndiWeather
from astrotango.hardware.protocols import TelescopeDriver
from astrotango.simulation.telescope import SimulatorConfig, TelescopeSimulator

__all__ = ["DriverKind", "WeatherSource", "build_driver", "build_weather_source", "driver_kind"]

M = TypeVar("M", bound=pydantic.BaseModel)


class DriverKind(enum.StrEnum):
    """The drivers a telescope can run on."""

    SIMULATOR = "simulator"
    INDI = "indi"
    ALPACA = "alpaca"


def driver_kind(text: str) -> DriverKind:
    """The driver ``text`` names (case and surrounding blanks ignored).

    Raises:
        ValueError: no such driver, naming the choices.
    """
    try:
        return DriverKind(text.strip().lower())
    except ValueError:
        choices = ", ".join(k.value for k in DriverKind)
        raise ValueError(f"Driver: unknown {text!r}; expected one of {choices}") from None


def build_driver(
    kind: DriverKind,
    parameters: str,
    *,
    telescope_id: str,
    site: Site,
    instruments: tuple[CameraInfo | ReceiverInfo, ...],
    clock: Clock,
    data_dir: Path | None,
    logger: logging.Logger,
) -> TelescopeDriver:
    """The driver, configured; a real one is already connecting in the background.

    Args:
        kind: Which driver.
        parameters: Its configuration as JSON ("" or "{}": the defaults).
        telescope_id: Its name in every asset.
        site: Where it stands.
        instruments: Its instruments.
        clock: The device's clock (a real driver needs real time).
        data_dir: Where FITS files go (None: the simulator writes none; a real driver refuses).
        logger: Where a real driver reports connection changes.

    Raises:
        ValueError: bad parameters (naming the field), a simulated clock or no data directory
            for real hardware, or instruments the driver cannot serve.
    """
    text = parameters.strip() or "{}"
    if kind is DriverKind.SIMULATOR:
        config = _parse(SimulatorConfig, text, kind)
        return TelescopeSimulator(telescope_id, site, instruments, clock, config, data_dir)
    _need_real_time(kind, clock)
    if data_dir is None:
        raise ValueError(
            f"Driver {kind}: a real instrument needs a data directory for its FITS files: set the "
            "DataDirectory property or $ASTROTANGO_DATA_DIR"
        )
    if kind is DriverKind.INDI:
        indi = IndiTelescope(
            telescope_id, site, instruments, _parse(IndiConfig, text, kind), clock, data_dir
        )
        indi.start()
        return indi
    alpaca = AlpacaTelescope(
        telescope_id, site, instruments, _parse(AlpacaConfig, text, kind), clock, data_dir, logger
    )
    alpaca.start()
    return alpaca


@dataclass(frozen=True)
class WeatherSource:
    """A real weather station read as our sensors: ``sample(when)`` and ``close()``."""

    sample: Callable[[datetime], dict[str, float]]
    close: Callable[[], None]


def build_weather_source(kind: DriverKind, parameters: str, clock: Clock) -> WeatherSource:
    """An INDI weather device or an Alpaca ObservingConditions, connecting in the background.

    A station that cannot be read raises from ``sample``: the readings stop, and every gate
    that follows them closes as it does for a silent sensor.

    Raises:
        ValueError: the simulator (it has no station of its own), bad parameters naming the
            field, or a simulated clock.
    """
    if kind is DriverKind.SIMULATOR:
        raise ValueError("Source: the simulated weather is a scenario, not a driver")
    _need_real_time(kind, clock)
    text = parameters.strip() or "{}"
    if kind is DriverKind.INDI:
        indi = IndiWeather(_parse(IndiConfig, text, kind))
        indi.start()
        return WeatherSource(indi.sample, indi.close)
    alpaca = AlpacaWeather(_parse(AlpacaConfig, text, kind))
    return WeatherSource(alpaca.sample, lambda: None)


def _need_real_time(kind: DriverKind, clock: Clock) -> None:
    if not isinstance(clock, WallClock):
        raise ValueError(
            f"{kind}: real hardware runs in real time, but this device runs on a simulated "
            f"clock ({type(clock).__name__}): set ClockScale 1 and no SimulationStart, and "
            "start it outside a simulated night"
        )


def _parse(model: type[M], text: str, kind: DriverKind) -> M:
    try:
        return model.model_validate_json(text)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise ValueError(f"DriverParameters for {kind}: {problems}") from None
