"""The Telescope's driver by property: bad choices and parameters are refused, naming why."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrotango.clock import ManualClock
from astrotango.clock.clocks import WallClock
from astrotango.control.telescope.drivers import (
    DriverKind,
    build_driver,
    build_weather_source,
    driver_kind,
)
from astrotango.hardware import CameraInfo, Site
from astrotango.simulation.telescope import TelescopeSimulator

SITE = Site("test", 28.76, -17.88, 2396.0)
CAMERA = (CameraInfo(name="cam", fov_deg=0.5, filters=("r", "g")),)
LOG = logging.getLogger("test")


def build(kind: DriverKind, parameters: str, clock: object, data_dir: Path | None) -> object:
    return build_driver(
        kind,
        parameters,
        telescope_id="t1",
        site=SITE,
        instruments=CAMERA,
        clock=clock,  # type: ignore[arg-type]
        data_dir=data_dir,
        logger=LOG,
    )


def test_the_driver_name_is_checked_and_case_blind() -> None:
    assert driver_kind(" INDI ") is DriverKind.INDI
    with pytest.raises(ValueError, match="Driver: unknown 'ascom'; expected one of simulator"):
        driver_kind("ascom")


def test_the_simulator_is_the_default_and_takes_its_parameters(tmp_path: Path) -> None:
    clock = ManualClock(datetime(2026, 12, 15, 23, tzinfo=UTC))
    driver = build(DriverKind.SIMULATOR, '{"settle_s": 2.0}', clock, tmp_path)
    assert isinstance(driver, TelescopeSimulator) and driver.config.settle_s == 2.0


def test_a_bad_parameter_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DriverParameters for indi: connect_timeout_s"):
        build(DriverKind.INDI, '{"connect_timeout_s": -1}', WallClock(), tmp_path)
    with pytest.raises(ValueError, match="DriverParameters for alpaca: colour: Extra inputs"):
        build(DriverKind.ALPACA, '{"colour": "red"}', WallClock(), tmp_path)


def test_real_hardware_refuses_a_simulated_clock_and_needs_a_data_directory(
    tmp_path: Path,
) -> None:
    simulated = ManualClock(datetime(2026, 12, 15, 23, tzinfo=UTC))
    with pytest.raises(ValueError, match="indi: real hardware runs in real time"):
        build(DriverKind.INDI, "", simulated, tmp_path)
    with pytest.raises(ValueError, match="alpaca: a real instrument needs a data directory"):
        build(DriverKind.ALPACA, "", WallClock(), None)
    with pytest.raises(ValueError, match="the simulated weather is a scenario"):
        build_weather_source(DriverKind.SIMULATOR, "", WallClock())
