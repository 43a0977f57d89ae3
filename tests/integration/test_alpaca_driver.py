"""The Alpaca driver against a real ASCOM Alpaca server (PyPI ``alpaca-simulators``).

One server and one driver serve the whole module; the tests run in file order, the way a night
runs: unpark, open, slew, expose, park, lose the server, get it back. Every wait polls with a
deadline. Only dark frames are taken: the simulator's light frames query a network catalogue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import astropy.units as u
import pytest
from astropy.coordinates import TETE, AltAz, EarthLocation, SkyCoord
from astropy.io import fits
from astropy.time import Time
from hardware_servers import AlpacaServer, free_port, needs_alpaca, night_site, wait_until

from astrotango.astro import configure_astropy
from astrotango.clock.clocks import WallClock
from astrotango.hardware import (
    CameraInfo,
    EnclosureState,
    EquatorialPointing,
    ExposureRequest,
    HardwareFault,
    InstrumentState,
    LimitViolation,
    MountState,
    Site,
    TaskInfo,
    Telemetry,
)
from astrotango.hardware.alpaca import AlpacaConfig, AlpacaTelescope, AlpacaWeather
from astrotango.hardware.sky import angular_separation_deg, local_sidereal_time_deg

pytestmark = [pytest.mark.slow, needs_alpaca]

configure_astropy()
# The simulator's wheel is Red, Green, Blue, Clear, Luminance: "clear" is slot 3 by name, not
# slot 2 (its index here), so the case-insensitive name match is what puts it in the right slot.
CAMERA = CameraInfo(name="cam", fov_deg=0.5, filters=("red", "green", "clear"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlpacaServer]:
    alpaca = AlpacaServer(free_port(), tmp_path_factory.mktemp("alpaca-server"))
    alpaca.start()
    yield alpaca
    alpaca.kill()


@pytest.fixture(scope="module")
def config(server: AlpacaServer) -> AlpacaConfig:
    return AlpacaConfig(server=server.address, poll_period_s=0.25, command_timeout_s=2.0)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("alpaca-data")


@pytest.fixture(scope="module")
def driver(config: AlpacaConfig, data_dir: Path) -> Iterator[AlpacaTelescope]:
    telescope = AlpacaTelescope(
        "alp1", night_site("alpaca-test", -30.0, 2200.0), (CAMERA,), config, WallClock(), data_dir
    )
    began = time.monotonic()
    telescope.start()
    assert time.monotonic() - began < 0.5, "start() must not block"
    wait_until("first telemetry", telescope.telemetry, 15.0)
    yield telescope
    telescope.close()


def telemetry_where(
    driver: AlpacaTelescope, done: Callable[[Telemetry], bool], timeout_s: float
) -> Telemetry:
    def probe() -> Telemetry | None:
        t = driver.telemetry()
        return t if done(t) else None

    return wait_until("telemetry condition", probe, timeout_s)


def altaz_now(site: Site) -> AltAz:
    where = EarthLocation(
        lon=site.longitude_deg * u.deg, lat=site.latitude_deg * u.deg, height=site.elevation_m * u.m
    )
    return AltAz(obstime=Time(datetime.now(UTC)), location=where)


def test_connects_parked_and_unparks(driver: AlpacaTelescope) -> None:
    t = driver.telemetry()
    assert t.mount.state is MountState.PARKED and t.next_change is None
    assert t.enclosure.state is EnclosureState.CLOSED
    assert [i.state for i in t.instruments] == [InstrumentState.IDLE]
    driver.mount.unpark()
    t = telemetry_where(driver, lambda t: t.mount.state is MountState.IDLE, 10)
    assert not t.mount.tracking


def test_dome_opens(driver: AlpacaTelescope) -> None:
    assert driver.enclosure is not None
    driver.enclosure.open()
    assert driver.enclosure.state().state in (EnclosureState.OPENING, EnclosureState.OPEN)
    t = telemetry_where(driver, lambda t: t.enclosure.state is EnclosureState.OPEN, 10)
    assert t.enclosure.open_fraction == 1.0


def test_slew_below_the_horizon_is_refused(driver: AlpacaTelescope) -> None:
    site, now = driver.site, datetime.now(UTC)
    ra = (local_sidereal_time_deg(now, site.longitude_deg) + 180.0) % 360.0
    target = EquatorialPointing(ra, 0.0, "underfoot")
    assert SkyCoord(ra * u.deg, 0.0 * u.deg).transform_to(altaz_now(site)).alt.deg < -30.0
    with pytest.raises(LimitViolation) as refused:
        driver.mount.slew(target)
    assert refused.value.limit == "horizon"
    assert driver.mount.position().state is MountState.IDLE


def test_slew_tracks_an_icrs_target_on_target(driver: AlpacaTelescope) -> None:
    site, now = driver.site, datetime.now(UTC)
    ra = local_sidereal_time_deg(now, site.longitude_deg)
    target = EquatorialPointing(ra, site.latitude_deg - 10.0, "overhead")
    expected = SkyCoord(ra * u.deg, target.dec_deg * u.deg).transform_to(altaz_now(site))
    assert expected.alt.deg > 70.0
    began = time.monotonic()
    driver.mount.slew(target)
    assert time.monotonic() - began < 1.0, "slew() must return at once"
    assert driver.mount.position().state is MountState.SLEWING
    t = telemetry_where(driver, lambda t: t.mount.on_target, 60)
    assert t.mount.state is MountState.TRACKING and t.mount.tracking
    error = 3600 * angular_separation_deg(
        t.mount.ra_deg, t.mount.dec_deg, target.ra_deg, target.dec_deg
    )
    assert error < 5.0, f"{error:.2f} arcsec from the ICRS target"
    # the mount's own alt/az agree with astropy only if our site was written to it (its
    # default is 48 N 8 E); its simple model (no precession) leaves a fraction of a degree
    assert abs(t.mount.alt_deg - expected.alt.deg) < 1.0


def test_two_dark_exposures_in_two_filters(
    driver: AlpacaTelescope, config: AlpacaConfig, data_dir: Path
) -> None:
    from alpaca.filterwheel import FilterWheel

    camera = driver.instruments["cam"]
    task = TaskInfo("task-alp-1", "obs-alp-1", "expose", target="darkness")
    wheel = FilterWheel(config.server, 0)
    for name, slot in (("green", 1), ("clear", 3)):
        seen: set[InstrumentState] = set()
        camera.expose(ExposureRequest(1.0, task, filter=name, image_type="dark"))

        def ready(seen: set[InstrumentState] = seen) -> bool:
            state = driver.telemetry().instruments[0].state
            seen.add(state)
            assert state is not InstrumentState.FAULT
            return state is InstrumentState.READY

        wait_until(f"{name} dark ready", ready, 15.0)
        assert InstrumentState.EXPOSING in seen
        assert wheel.Position == slot
        asset = camera.readout()
        assert camera.status().state is InstrumentState.IDLE
        path = Path(asset.path)
        assert path.parent == data_dir and path.exists()
        assert asset.size_bytes == path.stat().st_size and len(asset.sha256) == 64
        assert asset.task_info == task.as_dict() and not asset.partial
        with fits.open(path) as hdul:
            header, data = hdul[0].header, hdul[0].data
        assert header["ATTASKID"] == "task-alp-1" and header["ATOBSID"] == "obs-alp-1"
        assert header["FILTER"] == name and header["FILTSLOT"] == slot
        assert header["IMAGETYP"] == "dark" and header["EXPTIME"] == pytest.approx(1.0)
        assert header["TELESCOP"] == "alp1" and header["INSTRUME"] == "cam"
        assert header["OBJECT"] == "darkness" and 1.0 <= header["AIRMASS"] < 1.1
        assert {"DATE-OBS", "RA", "DEC", "ATSUBTSK"} <= set(header)
        assert data.shape == (1024, 1024)


def test_abort_keeps_a_partial_image(driver: AlpacaTelescope) -> None:
    camera = driver.instruments["cam"]
    task = TaskInfo("task-alp-2", "obs-alp-1", "expose")
    camera.expose(ExposureRequest(3.0, task, filter="green", image_type="dark"))
    wait_until(
        "exposing",
        lambda: (s := camera.status()).state is InstrumentState.EXPOSING and s.elapsed_s > 0.3,
        10.0,
    )
    camera.abort()  # the simulator can StopExposure: the image is kept
    wait_until("ready after abort", lambda: camera.status().state is InstrumentState.READY, 15.0)
    asset = camera.readout()
    assert asset.partial and 0.3 <= asset.duration_s < 3.0
    with fits.open(asset.path) as hdul:
        assert hdul[0].header["PARTIAL"] is True
        assert hdul[0].header["EXPTIME"] == pytest.approx(asset.duration_s, abs=1e-3)


def test_a_jnow_mount_gets_and_reports_converted_positions(
    driver: AlpacaTelescope, config: AlpacaConfig, data_dir: Path
) -> None:
    from alpaca.telescope import Telescope

    jnow = config.model_copy(update={"equatorial_frame": "jnow"})
    second = AlpacaTelescope("alp2", driver.site, (), jnow, WallClock(), data_dir)
    second.start()
    try:
        wait_until("second driver telemetry", second.telemetry, 10.0)
        site, now = driver.site, datetime.now(UTC)
        ra = (local_sidereal_time_deg(now, site.longitude_deg) + 15.0) % 360.0
        target = EquatorialPointing(ra, site.latitude_deg, "jnow-check")
        second.mount.slew(target)
        t = telemetry_where(second, lambda t: t.mount.on_target, 60)
        error = 3600 * angular_separation_deg(
            t.mount.ra_deg, t.mount.dec_deg, target.ra_deg, target.dec_deg
        )
        assert error < 5.0, f"{error:.2f} arcsec from the ICRS target"
        scope = Telescope(config.server, 0)
        raw = SkyCoord(scope.RightAscension * 15.0 * u.deg, scope.Declination * u.deg)
        apparent = SkyCoord(ra * u.deg, target.dec_deg * u.deg).transform_to(
            TETE(obstime=Time(now))
        )
        assert raw.separation(SkyCoord(apparent.ra, apparent.dec)).arcsec < 5.0
        assert raw.separation(SkyCoord(ra * u.deg, target.dec_deg * u.deg)).deg > 0.1
    finally:
        second.close()


def test_park_and_close(driver: AlpacaTelescope) -> None:
    assert driver.enclosure is not None
    driver.mount.park()
    driver.enclosure.close()
    t = telemetry_where(
        driver, lambda t: t.mount.parked and t.enclosure.state is EnclosureState.CLOSED, 30
    )
    assert not t.mount.on_target and not t.mount.tracking


def test_weather_sampler_reads_plausible_values(config: AlpacaConfig) -> None:
    weather = AlpacaWeather(config)
    sample = weather.sample(datetime.now(UTC))
    assert set(sample) == {
        "wind_speed", "wind_gust", "humidity", "rain", "cloud_cover", "sky_temperature",
    }  # fmt: skip
    assert 0.0 <= sample["wind_speed"] <= sample["wind_gust"] < 60.0
    assert 0.0 <= sample["humidity"] <= 100.0 and 0.0 <= sample["cloud_cover"] <= 100.0
    assert sample["rain"] >= 0.0 and -80.0 < sample["sky_temperature"] < 40.0
    assert weather.is_safe() is True


def test_server_loss_faults_then_recovers_without_a_new_driver(
    driver: AlpacaTelescope, server: AlpacaServer, config: AlpacaConfig
) -> None:
    server.kill()
    began = time.monotonic()

    def fault() -> HardwareFault | None:
        try:
            driver.telemetry()
        except HardwareFault as exc:
            return exc
        return None

    error = wait_until("telemetry fault", fault, 5.0)
    assert f"Alpaca server {server.address}: not reachable" in str(error)
    lost_s = time.monotonic() - began
    with pytest.raises(HardwareFault, match=server.address):
        AlpacaWeather(config).sample(datetime.now(UTC))

    server.start()
    began = time.monotonic()
    t = telemetry_where(driver, lambda t: t.mount.state is MountState.PARKED, 20)
    recovered_s = time.monotonic() - began
    print(f"fault after {lost_s:.2f} s, recovered {recovered_s:.2f} s after the restart")
    assert t.enclosure.state is EnclosureState.CLOSED
    driver.mount.unpark()  # commands work again on the same driver
    telemetry_where(driver, lambda t: t.mount.state is MountState.IDLE, 10)
