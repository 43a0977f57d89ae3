"""The simulated telescope on a ManualClock: motion, limits, enclosure, instruments, faults."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from astropy.io import fits
from tel_rig import LA_PALMA, NIGHT, OPTICAL, RADIO

from astrotango.clock import ManualClock
from astrotango.hardware import (
    EnclosureState,
    EquatorialPointing,
    ExposureRequest,
    HardwareError,
    HardwareTimeout,
    HorizontalPointing,
    InstrumentState,
    IntegrationRequest,
    LimitViolation,
    MountState,
    TaskInfo,
    parse_instruments,
)
from astrotango.simulation.telescope import (
    AxisMove,
    Fault,
    SimulatedCamera,
    SimulatedReceiver,
    SimulatorConfig,
    TelescopeSimulator,
)

TASK = TaskInfo("obs-x-r0-i0-j0-t0-e0-n0", "obs-x", "expose_1", "Capella")


def simulator(
    instruments: str = OPTICAL, **config: object
) -> tuple[TelescopeSimulator, ManualClock]:
    clock = ManualClock(NIGHT)
    sim = TelescopeSimulator(
        "t1", LA_PALMA, parse_instruments(instruments), clock, SimulatorConfig(**config)
    )
    return sim, clock


@pytest.mark.parametrize(
    ("distance", "rate", "accel", "duration"),
    [(0.0, 3.0, 1.0, 0.0), (4.0, 3.0, 1.0, 4.0), (30.0, 3.0, 1.0, 13.0), (-30.0, 3.0, 1.0, 13.0)],
)
def test_axis_moves_follow_a_trapezoidal_profile(
    distance: float, rate: float, accel: float, duration: float
) -> None:
    move = AxisMove(10.0, distance, rate, accel)
    assert move.duration_s == pytest.approx(duration)
    assert move.position(duration) == pytest.approx(10.0 + distance)
    assert move.position(duration / 2) == pytest.approx(10.0 + distance / 2)
    assert move.position(-1) == 10.0


def test_the_mount_unparks_slews_settles_and_tracks_on_the_clock() -> None:
    sim, clock = simulator(settle_s=3.0, unpark_s=2.0)
    mount = sim.mount
    assert mount.position().state is MountState.PARKED
    with pytest.raises(HardwareError, match="parked"):
        mount.slew(EquatorialPointing(79.172, 45.998, "Capella"))
    mount.unpark()
    clock.advance(2.0)
    assert mount.position().state is MountState.IDLE
    mount.slew(EquatorialPointing(79.172, 45.998, "Capella"))
    states = []
    for _ in range(30):
        clock.advance(1.0)
        states.append(mount.position().state)
    assert states.index(MountState.SETTLING) > 5  # alt-az axes at 3-4 deg/s over ~45 deg
    assert states.index(MountState.TRACKING) - states.index(MountState.SETTLING) == 3
    status = mount.position()
    assert status.on_target and status.tracking
    assert (status.ra_deg, status.dec_deg) == (79.172, 45.998)
    assert status.alt_deg == pytest.approx(62.2, abs=0.3)
    mount.park()
    clock.advance(60.0)
    assert mount.position().parked


def test_a_dish_stowing_at_zenith_moves_in_elevation_only() -> None:
    """At the zenith azimuth means nothing: the stow costs the elevation travel alone."""
    sim, clock = simulator(
        park_alt_deg=90.0, alt_rate_deg_s=1.0, az_rate_deg_s=1.5, unpark_s=0.0, settle_s=0.0
    )
    mount = sim.mount
    mount.unpark()
    clock.advance(0.0)
    mount.slew(EquatorialPointing(79.172, 45.998, "Capella"))
    for _ in range(400):  # from the zenith stow: wherever Capella is, in az and alt
        clock.advance(1.0)
        if mount.position().state is MountState.TRACKING:
            break
    start = mount.position()
    assert start.state is MountState.TRACKING, "it reached Capella"
    assert abs(start.az_deg) > 20.0, "it had turned in azimuth"
    mount.park()
    travel = 90.0 - start.alt_deg
    clock.advance(travel / 1.0 + 5.0)  # elevation at 1 deg/s, plus the ramps
    status = mount.position()
    assert status.parked and status.az_deg == pytest.approx(start.az_deg, abs=0.5)


def test_the_mount_refuses_targets_beyond_its_limits() -> None:
    sim, clock = simulator()
    sim.mount.unpark()
    clock.advance(5)
    with pytest.raises(LimitViolation, match="below the horizon limit") as info:
        sim.mount.slew(EquatorialPointing(200.0, -80.0, "Southern"))
    assert info.value.limit == "horizon"
    with pytest.raises(LimitViolation):
        sim.mount.slew(HorizontalPointing(5.0, 90.0, "low"))


def test_the_enclosure_takes_its_travel_time_and_reverses() -> None:
    sim, clock = simulator(enclosure_travel_s=20.0)
    enclosure = sim.enclosure
    assert enclosure is not None
    enclosure.open()
    clock.advance(10.0)
    half = enclosure.state()
    assert half.state is EnclosureState.OPENING and half.open_fraction == pytest.approx(0.5)
    enclosure.close()
    clock.advance(5.0)
    assert enclosure.state().open_fraction == pytest.approx(0.25)
    clock.advance(5.0)
    assert enclosure.state().state is EnclosureState.CLOSED


def test_every_motion_is_under_way_at_the_instant_it_is_commanded() -> None:
    """On virtual time a command and the next measurement share one instant: the enclosure
    was read CLOSED (stopped) right after open(), and never opened."""
    sim, clock = simulator(enclosure_travel_s=20.0)
    enclosure = sim.enclosure
    assert enclosure is not None
    enclosure.open()
    assert enclosure.state().state is EnclosureState.OPENING
    clock.advance(20.0)
    assert enclosure.state().state is EnclosureState.OPEN
    enclosure.close()
    assert enclosure.state().state is EnclosureState.CLOSING
    sim.mount.unpark()
    assert sim.mount.position().state is MountState.UNPARKING
    clock.advance(30.0)
    sim.mount.slew(EquatorialPointing(79.172, 45.998, "Capella"))
    assert sim.mount.position().state is MountState.SLEWING
    clock.advance(400.0)
    sim.mount.park()
    assert sim.mount.position().state is MountState.PARKING


def test_a_stuck_enclosure_reports_a_stall_and_moves_again_when_freed() -> None:
    sim, clock = simulator(enclosure_travel_s=20.0, stall_detect_s=5.0)
    enclosure = sim.enclosure
    assert enclosure is not None
    enclosure.open()
    clock.advance(4.0)
    sim.inject(Fault.ENCLOSURE_STUCK)
    clock.advance(4.0)
    assert enclosure.state().state is EnclosureState.OPENING
    clock.advance(2.0)
    stalled = enclosure.state()
    assert stalled.state is EnclosureState.FAULT and "stalled at 20% while opening" in stalled.fault
    sim.inject(Fault.ENCLOSURE_STUCK, False)
    clock.advance(16.0)
    assert enclosure.state().state is EnclosureState.OPEN


def test_an_exposure_reads_out_into_an_asset_naming_its_task() -> None:
    sim, clock = simulator(readout_s=5.0, filter_change_s=2.0)
    camera = sim.instruments["cam"]
    assert isinstance(camera, SimulatedCamera)
    camera.expose(ExposureRequest(10.0, TASK, "r", 2, "object"))
    clock.advance(12.0)  # filter change + exposure
    assert camera.status().state is InstrumentState.READING
    with pytest.raises(HardwareError, match="nothing to read out"):
        camera.readout()
    clock.advance(5.0)
    asset = camera.readout()
    assert camera.status().state is InstrumentState.IDLE
    assert asset.kind == "fits_image" and not asset.partial and asset.duration_s == 10.0
    assert asset.task_info["task_id"] == TASK.task_id and asset.task_info["subtask"] == "expose_1"
    header = asset.header
    assert (header["FILTER"], header["NAXIS1"], header["EXPTIME"], header["TELESCOP"]) == (
        "r",
        2048,
        10.0,
        "t1",
    )
    assert (
        header["DATE-OBS"] == (NIGHT + timedelta(seconds=2)).isoformat(timespec="milliseconds")[:23]
    )


def test_an_aborted_exposure_is_read_out_as_a_partial_asset() -> None:
    sim, clock = simulator(readout_s=5.0)
    camera = sim.instruments["cam"]
    assert isinstance(camera, SimulatedCamera)
    camera.expose(ExposureRequest(60.0, TASK, "g"))
    clock.advance(25.0)
    camera.abort()
    clock.advance(5.0)
    asset = camera.readout()
    assert asset.partial and asset.duration_s == 25.0 and asset.header["PARTIAL"] is True


def test_a_camera_timeout_never_finishes_reading_out() -> None:
    sim, clock = simulator(readout_s=5.0)
    sim.inject(Fault.CAMERA_TIMEOUT)
    camera = sim.instruments["cam"]
    assert isinstance(camera, SimulatedCamera)
    camera.expose(ExposureRequest(1.0, TASK, "g"))
    clock.advance(600.0)
    assert camera.status().state is InstrumentState.READING


def test_the_receiver_tunes_in_band_and_integrates_spectra() -> None:
    sim, clock = simulator(RADIO, has_enclosure=False)
    receiver = sim.instruments["rx"]
    assert isinstance(receiver, SimulatedReceiver) and sim.enclosure is None
    with pytest.raises(HardwareError, match="outside the band"):
        receiver.tune(5.0)
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(30.0, TASK))
    clock.advance(30.0)
    asset = receiver.readout()
    assert asset.kind == "radio_spectrum" and asset.header["FREQ_GHZ"] == 1.42
    assert sim.telemetry().enclosure.state is EnclosureState.NONE


def test_a_mount_fault_stops_the_mount_and_refuses_commands() -> None:
    sim, _ = simulator()
    sim.inject(Fault.MOUNT_FAULT)
    status = sim.mount.position()
    assert status.state is MountState.FAULT and "servo amplifier" in status.fault
    with pytest.raises(HardwareError, match="mount fault"):
        sim.mount.park()
    sim.inject(Fault.MOUNT_FAULT, False)
    assert sim.mount.position().state is MountState.IDLE


def test_a_hung_simulator_blocks_calls_until_its_call_timeout() -> None:
    sim, clock = simulator(call_timeout_s=10.0)
    sim.inject(Fault.HANG)
    errors: list[Exception] = []

    def call() -> None:
        try:
            sim.telemetry()
        except HardwareTimeout as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    caller.join(0.2)
    assert caller.is_alive()  # blocked: no answer yet
    clock.advance(10.0)
    caller.join(5.0)
    assert "no answer within 10 s" in str(errors[0])
    sim.inject(Fault.HANG, False)
    assert sim.telemetry().mount.parked and sim.faults == frozenset()


def test_the_telemetry_says_when_it_next_changes_by_itself() -> None:
    """Each phase's end, in turn; None once nothing is under way (a still telescope)."""
    sim, clock = simulator(settle_s=3.0, unpark_s=2.0, enclosure_travel_s=30.0, readout_s=5.0)
    assert sim.telemetry().next_change is None
    sim.mount.unpark()
    assert sim.telemetry().next_change == NIGHT + timedelta(seconds=2)
    clock.advance(2.0)
    assert sim.telemetry().next_change is None
    sim.mount.slew(EquatorialPointing(79.172, 45.998, "Capella"))
    slew_end = sim.telemetry().next_change
    assert slew_end is not None and slew_end > clock.now() + timedelta(seconds=5)
    clock.advance((slew_end - clock.now()).total_seconds())
    assert sim.telemetry().mount.state is MountState.SETTLING
    assert sim.telemetry().next_change == slew_end + timedelta(seconds=3)
    clock.advance(3.0)
    assert sim.telemetry().mount.state is MountState.TRACKING
    assert sim.telemetry().next_change is None
    assert sim.enclosure is not None
    sim.enclosure.open()
    clock.advance(10.0)
    assert sim.telemetry().next_change == clock.now() + timedelta(seconds=20)
    clock.advance(20.0)
    camera = sim.instruments["cam"]
    assert isinstance(camera, SimulatedCamera)
    camera.expose(ExposureRequest(10.0, TASK, "r", 1, "object"))  # with a 2 s filter change
    exposure_end = clock.now() + timedelta(seconds=12)
    assert sim.telemetry().next_change == exposure_end
    clock.advance(12.0)
    assert sim.telemetry().next_change == exposure_end + timedelta(seconds=5)
    clock.advance(5.0)
    assert sim.telemetry().instruments[0].state is InstrumentState.READY
    assert sim.telemetry().next_change is None


def test_with_a_data_directory_every_asset_is_a_fits_file_naming_its_task(
    tmp_path: Path,
) -> None:
    clock = ManualClock(NIGHT)
    sim = TelescopeSimulator(
        "t1",
        LA_PALMA,
        parse_instruments(OPTICAL),
        clock,
        SimulatorConfig(readout_s=1.0, filter_change_s=0.0),
        tmp_path,
    )
    camera = sim.instruments["cam"]
    assert isinstance(camera, SimulatedCamera)
    camera.expose(ExposureRequest(3.0, TASK, "r"))
    clock.advance(4.0)
    asset = camera.readout()
    content = Path(asset.path).read_bytes()
    assert Path(asset.path).parent == tmp_path and asset.path.endswith(f"{asset.asset_id}.fits")
    assert (asset.size_bytes, asset.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    with fits.open(asset.path) as hdus:
        header = hdus[0].header
        assert (header["ATTASKID"], header["ATOBSID"]) == (TASK.task_id, TASK.observation_id)
        assert (header["FILTER"], header["EXPTIME"], header["TELESCOP"]) == ("r", 3.0, "t1")
        assert hdus[0].data.shape == (32, 32)


def test_a_write_error_is_an_upload_error_and_the_camera_is_idle(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    clock = ManualClock(NIGHT)
    sim = TelescopeSimulator(
        "t1",
        LA_PALMA,
        parse_instruments(OPTICAL),
        clock,
        SimulatorConfig(readout_s=1.0, filter_change_s=0.0),
        blocker,
    )
    camera = sim.instruments["cam"]
    camera.expose(ExposureRequest(1.0, TASK, "r"))  # type: ignore[union-attr]
    clock.advance(2.0)
    with pytest.raises(HardwareError, match="not-a-directory"):
        camera.readout()
    assert camera.status().state is InstrumentState.IDLE
