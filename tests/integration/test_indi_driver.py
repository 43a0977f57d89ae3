"""The INDI driver against the real INDI simulators, served by a real ``indiserver``.

One server (telescope, CCD, dome, filter wheel, weather simulators) and one driver serve the
whole module; the tests run in file order, the way a night runs: unpark, open, slew, expose,
park, lose the server, get it back. Every wait polls with a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import astropy.units as u
import pytest
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_sun
from astropy.io import fits
from astropy.time import Time
from hardware_servers import IndiServer, free_port, needs_indi, night_site, wait_until

from astrotango.astro import configure_astropy
from astrotango.clock.clocks import WallClock
from astrotango.hardware import (
    CameraInfo,
    EnclosureState,
    EquatorialPointing,
    ExposureRequest,
    HardwareFault,
    HorizontalPointing,
    InstrumentState,
    LimitViolation,
    MountState,
    TaskInfo,
    Telemetry,
)
from astrotango.hardware.indi import IndiConfig, IndiTelescope, IndiWeather
from astrotango.hardware.sky import angular_separation_deg, local_sidereal_time_deg

pytestmark = [pytest.mark.slow, needs_indi]

configure_astropy()
CAMERA = CameraInfo(name="cam", fov_deg=0.5, filters=("Red", "Green", "Blue"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndiServer]:
    indi = IndiServer(free_port(), tmp_path_factory.mktemp("indi-home"))
    indi.start()
    yield indi
    indi.kill()


@pytest.fixture(scope="module")
def config(server: IndiServer) -> IndiConfig:
    return IndiConfig(server=f"127.0.0.1:{server.port}", min_altitude_deg=15.0)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("indi-data")


@pytest.fixture(scope="module")
def driver(config: IndiConfig, data_dir: Path) -> Iterator[IndiTelescope]:
    telescope = IndiTelescope(
        "indi1", night_site("indi-test", 30.0, 100.0), (CAMERA,), config, WallClock(), data_dir
    )
    began = time.monotonic()
    telescope.start()
    assert time.monotonic() - began < 0.5, "start() must not block"
    wait_until("first telemetry", telescope.telemetry, 15.0)
    yield telescope
    telescope.close()


def telemetry_where(driver: IndiTelescope, done: Callable[[Telemetry], bool], timeout_s: float):
    def probe() -> Telemetry | None:
        t = driver.telemetry()
        return t if done(t) else None

    return wait_until("telemetry condition", probe, timeout_s)


def overhead_target(driver: IndiTelescope) -> EquatorialPointing:
    """A target 80 degrees up on the meridian now, checked with astropy."""
    site, now = driver.site, datetime.now(UTC)
    ra = local_sidereal_time_deg(now, site.longitude_deg)
    target = EquatorialPointing(ra, site.latitude_deg - 10.0, "overhead")
    where = EarthLocation(lon=site.longitude_deg * u.deg, lat=site.latitude_deg * u.deg)
    altaz = AltAz(obstime=Time(now), location=where)
    assert SkyCoord(ra * u.deg, target.dec_deg * u.deg).transform_to(altaz).alt.deg > 70.0
    assert get_sun(Time(now)).transform_to(altaz).alt.deg < -10.0
    return target


def test_unpark_open_and_slew_on_target(driver: IndiTelescope) -> None:
    driver.mount.unpark()
    telemetry_where(driver, lambda t: t.mount.state in (MountState.IDLE, MountState.TRACKING), 15)
    assert driver.telemetry().next_change is None

    driver.enclosure.open()  # type: ignore[union-attr]
    assert driver.telemetry().enclosure.state is EnclosureState.OPENING
    telemetry_where(driver, lambda t: t.enclosure.state is EnclosureState.OPEN, 30)

    target = overhead_target(driver)
    began = time.monotonic()
    driver.mount.slew(target)
    assert time.monotonic() - began < 0.5, "slew() must not block"
    assert driver.telemetry().mount.state is MountState.SLEWING
    t = telemetry_where(driver, lambda t: t.mount.on_target, 60)
    assert t.mount.state is MountState.TRACKING and t.mount.tracking
    error = 3600 * angular_separation_deg(
        t.mount.ra_deg, t.mount.dec_deg, target.ra_deg, target.dec_deg
    )
    assert error < 5.0, f"{error:.2f} arcsec from the ICRS target"
    assert t.mount.alt_deg > 70.0


def test_horizontal_target_is_reached_and_left_untracked(driver: IndiTelescope) -> None:
    driver.mount.slew(HorizontalPointing(60.0, 135.0, "screen"))
    t = telemetry_where(driver, lambda t: t.mount.on_target, 60)
    assert t.mount.state is MountState.IDLE and not t.mount.tracking
    assert angular_separation_deg(t.mount.az_deg, t.mount.alt_deg, 135.0, 60.0) < 60 / 3600


def test_exposures_in_two_filters(driver: IndiTelescope, config: IndiConfig) -> None:
    camera = driver.instruments["cam"]
    task = TaskInfo("task-42", "obs-7", "science", "overhead")
    for name, slot in (("Green", 2), ("Blue", 3)):
        camera.expose(ExposureRequest(1.0, task, filter=name))
        assert camera.status().state is InstrumentState.EXPOSING
        telemetry_where(driver, lambda t: t.instruments[0].state is InstrumentState.READY, 20)
        asset = camera.readout()
        assert camera.status().state is InstrumentState.IDLE
        wheel = driver.connection.get(config.wheel or "", "FILTER_SLOT")
        assert wheel is not None and round(wheel.number("FILTER_SLOT_VALUE")) == slot
        header = fits.getheader(asset.path)
        assert Path(asset.path).stat().st_size == asset.size_bytes > 1_000_000
        assert (header["ATTASKID"], header["FILTER"], header["PARTIAL"]) == ("task-42", name, False)
        assert header["NAXIS1"] == 1280 and header["EXPTIME"] == pytest.approx(1.0, abs=0.3)
        assert asset.task_info["task_id"] == "task-42" and not asset.partial
        for key in ("DATE-OBS", "OBJECT", "RA", "DEC", "TELESCOP", "INSTRUME", "AIRMASS"):
            assert key in asset.header, key


def test_abort_gives_a_partial_asset(driver: IndiTelescope) -> None:
    camera = driver.instruments["cam"]
    camera.expose(ExposureRequest(10.0, TaskInfo("task-43", "obs-7", "dark"), image_type="dark"))
    wait_until("exposing", lambda: camera.status().elapsed_s > 0.3, 10)
    camera.abort()
    assert camera.status().state is InstrumentState.READY
    asset = camera.readout()
    assert asset.partial and asset.duration_s < 10.0
    assert fits.getheader(asset.path)["PARTIAL"] is True
    assert driver.connection.get("CCD Simulator", "CCD_FRAME_TYPE").on("FRAME_DARK")  # type: ignore[union-attr]


def test_slew_below_the_horizon_is_refused(driver: IndiTelescope) -> None:
    site, now = driver.site, datetime.now(UTC)
    below = EquatorialPointing(
        (local_sidereal_time_deg(now, site.longitude_deg) + 180.0) % 360.0,
        -site.latitude_deg - 20.0,
        "antipode",
    )
    with pytest.raises(LimitViolation) as refused:
        driver.mount.slew(below)
    assert refused.value.limit == "horizon"


def test_park_and_close(driver: IndiTelescope) -> None:
    driver.mount.park()
    driver.enclosure.close()  # type: ignore[union-attr]
    t = telemetry_where(
        driver, lambda t: t.mount.parked and t.enclosure.state is EnclosureState.CLOSED, 60
    )
    assert not t.mount.on_target
    with pytest.raises(HardwareFault, match="parked"):
        driver.mount.slew(overhead_target(driver))


def test_server_loss_and_recovery(driver: IndiTelescope, server: IndiServer) -> None:
    driver.telemetry()
    server.kill()
    began = time.monotonic()

    def lost() -> str | None:
        try:
            driver.telemetry()
        except HardwareFault as exc:
            return str(exc)
        return None

    message = wait_until("loss noticed", lost, 5.0)
    assert message == f"INDI server 127.0.0.1:{server.port}: connection lost"
    assert time.monotonic() - began < 5.0
    with pytest.raises(HardwareFault):
        driver.mount.unpark()  # nothing can be queued while disconnected

    server.start()
    wait_until("telemetry back", driver.telemetry, 20.0)
    for device in ("Telescope Simulator", "CCD Simulator", "Dome Simulator", "Filter Simulator"):
        conn = driver.connection.get(device, "CONNECTION")
        assert conn is not None and conn.on("CONNECT"), device
    assert driver.telemetry().mount.parked  # the park of the last test survived the restart
    driver.mount.unpark()
    telemetry_where(driver, lambda t: not t.mount.parked, 15)


def test_weather_sample(config: IndiConfig) -> None:
    weather = IndiWeather(config)
    weather.start()
    try:
        values = wait_until("weather", lambda: weather.sample(datetime.now(UTC)), 15.0)
    finally:
        weather.close()
    assert set(values) == {"wind_speed", "wind_gust", "rain"}
    assert 0.0 <= values["wind_speed"] < 60.0 and 0.0 <= values["rain"] < 100.0
    with pytest.raises(HardwareFault, match="not connected"):
        IndiWeather(config).sample(datetime.now(UTC))
