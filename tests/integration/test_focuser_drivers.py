"""The focuser on both real device protocols: INDI (``indi_simulator_focus`` in a real
``indiserver``) and ASCOM Alpaca (``alpaca-simulators``' focuser 0).

Through each driver's whole telescope: its travel is read, a move is sent without blocking,
reported under way, and read back at its target in the telemetry and in a frame's FOCUSPOS;
a position outside the travel is refused before anything is sent; stop halts the Alpaca
focuser and is refused, naming the missing property, by the INDI simulator (it has no
``FOCUS_ABORT_MOTION``). Every wait polls with a deadline. Outside CI a missing simulator
skips; with ``CI`` set it fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from astropy.io import fits
from hardware_servers import (
    AlpacaServer,
    IndiServer,
    free_port,
    needs_alpaca,
    needs_indi,
    night_site,
    wait_until,
)

from astrotango.clock.clocks import WallClock
from astrotango.hardware import (
    CameraInfo,
    ExposureRequest,
    FocuserStatus,
    HardwareError,
    HardwareFault,
    InstrumentState,
    TaskInfo,
)
from astrotango.hardware.alpaca import AlpacaConfig, AlpacaTelescope
from astrotango.hardware.indi import IndiConfig, IndiTelescope

pytestmark = pytest.mark.slow

Driver = IndiTelescope | AlpacaTelescope


@pytest.fixture(
    scope="module",
    params=[pytest.param("indi", marks=needs_indi), pytest.param("alpaca", marks=needs_alpaca)],
)
def driver(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Driver]:
    kind = str(request.param)
    home, data_dir = tmp_path_factory.mktemp(f"{kind}-home"), tmp_path_factory.mktemp(kind)
    site = night_site(f"{kind}-focus", 30.0, 100.0)
    telescope: Driver
    if kind == "indi":
        server: IndiServer | AlpacaServer = IndiServer(free_port(), home)
        server.start()  # every simulator, the focuser's included
        camera = CameraInfo(name="cam", fov_deg=0.5, filters=("Red",))
        config = IndiConfig(server=f"127.0.0.1:{server.port}", focuser="Focuser Simulator")
        telescope = IndiTelescope("f1", site, (camera,), config, WallClock(), data_dir)
    else:
        server = AlpacaServer(free_port(), home)
        server.start()
        camera = CameraInfo(name="cam", fov_deg=0.5, filters=("red",))
        alpaca = AlpacaConfig(server=server.address, focuser=0, poll_period_s=0.25)
        telescope = AlpacaTelescope("f1", site, (camera,), alpaca, WallClock(), data_dir)
    telescope.start()
    try:
        wait_until("first telemetry with the focuser", lambda: telescope.telemetry().focuser, 20)
        yield telescope
    finally:
        telescope.close()
        server.kill()


def focuser_where(driver: Driver, done: object, timeout_s: float = 30.0) -> FocuserStatus:
    def probe() -> FocuserStatus | None:
        status = driver.telemetry().focuser
        return status if status is not None and done(status) else None  # type: ignore[operator]

    return wait_until("focuser condition", probe, timeout_s)


def test_the_focuser_reports_its_travel_and_position(driver: Driver) -> None:
    assert driver.focuser is not None
    assert driver.focuser.info().max_steps == 100_000  # both simulators: 0..100000
    status = focuser_where(driver, lambda s: not s.moving)
    assert 0 <= status.position_steps <= 100_000 and not status.fault
    expected = 0.0 if isinstance(driver, IndiTelescope) else 20.0  # what each simulator says
    assert status.temperature_c == expected


def test_a_move_is_sent_at_once_and_read_back_at_its_target(driver: Driver) -> None:
    focuser = driver.focuser
    assert focuser is not None
    start = focuser.status().position_steps
    target = 20_000 if start != 20_000 else 30_000
    began = time.monotonic()
    focuser.move_to(target)
    assert time.monotonic() - began < 0.5, "move_to() must not block"
    assert driver.telemetry().focuser == FocuserStatus(start, True, focuser.status().temperature_c)
    status = focuser_where(driver, lambda s: not s.moving)
    assert status.position_steps == target and not status.fault


def test_a_frame_records_where_the_focuser_stood(driver: Driver) -> None:
    assert driver.focuser is not None
    at = focuser_where(driver, lambda s: not s.moving).position_steps
    camera = driver.instruments["cam"]
    camera.expose(ExposureRequest(1.0, TaskInfo("focus-1", "obs-f", "dark"), image_type="dark"))
    wait_until("frame ready", lambda: camera.status().state is InstrumentState.READY, 30)
    asset = camera.readout()
    assert asset.header["FOCUSPOS"] == at
    assert fits.getheader(Path(asset.path))["FOCUSPOS"] == at


@pytest.mark.parametrize("position", [-1, 100_001])
def test_a_position_outside_the_travel_is_refused_before_it_is_sent(
    driver: Driver, position: int
) -> None:
    assert driver.focuser is not None
    before = focuser_where(driver, lambda s: not s.moving)
    with pytest.raises(HardwareError, match=rf"position_steps: {position} .* 0\.\.100000 steps"):
        driver.focuser.move_to(position)
    assert driver.telemetry().focuser == before


def test_stop(driver: Driver) -> None:
    focuser = driver.focuser
    assert focuser is not None
    start = focuser_where(driver, lambda s: not s.moving).position_steps
    target = 60_000 if start != 60_000 else 40_000
    focuser.move_to(target)
    if isinstance(driver, IndiTelescope):
        # the simulator sleeps through its move and defines no abort: it says it cannot stop
        with pytest.raises(HardwareFault, match="has no FOCUS_ABORT_MOTION"):
            focuser.stop()
        status = focuser_where(driver, lambda s: not s.moving)
        assert status.position_steps == target  # it finished its move
        return
    focuser.stop()  # Halt: the simulator moves at once, so it stands at the target
    status = focuser_where(driver, lambda s: not s.moving)
    assert status.position_steps == target and not status.fault
