"""The focuser: the simulator's travel on a ManualClock and its focus curve in the frames;
MoveFocuser through the component manager (progress, completion, abort, refusals)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from astropy.io import fits
from pydantic import ValidationError
from tel_rig import LA_PALMA, NIGHT, OPTICAL, Reports, Rig

from astrotango.clock import ManualClock
from astrotango.control.telescope import TaskRefused, TelescopeState, derive_state, move_progress
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import (
    ExposureRequest,
    FocuserStatus,
    HardwareError,
    InstrumentState,
    TaskInfo,
    parse_instruments,
)
from astrotango.simulation.telescope import FocuserConfig, SimulatorConfig, TelescopeSimulator

MakeRig = Callable[..., Rig]
TASK = TaskInfo("obs-x-r0-i0-j0-t0-e0-n0", "obs-x", "expose_1", "Capella")
FOCUSER = FocuserConfig(
    max_steps=100_000,
    rate_steps_s=2_000.0,
    start_steps=50_000,
    best_focus_steps=48_000,
    seeing_arcsec=1.2,
    defocus_arcsec_per_step=0.002,
    temperature_c=8.0,
)


def simulator(
    focuser: FocuserConfig | None = FOCUSER, data_dir: Path | None = None
) -> tuple[TelescopeSimulator, ManualClock]:
    clock = ManualClock(NIGHT)
    config = SimulatorConfig(focuser=focuser, readout_s=1.0, filter_change_s=0.0)
    sim = TelescopeSimulator("t1", LA_PALMA, parse_instruments(OPTICAL), clock, config, data_dir)
    return sim, clock


# -- the simulated focuser ------------------------------------------------------------------


def test_the_focuser_travels_at_its_rate_on_the_injected_clock() -> None:
    sim, clock = simulator()
    focuser = sim.focuser
    assert focuser is not None and focuser.info().max_steps == 100_000
    assert focuser.status() == FocuserStatus(50_000, False, 8.0)
    focuser.move_to(54_000)  # 4000 steps at 2000 steps/s: 2 s
    assert focuser.next_change() == NIGHT + timedelta(seconds=2)
    assert sim.telemetry().next_change == NIGHT + timedelta(seconds=2)
    clock.advance(0.5)
    assert focuser.status() == FocuserStatus(51_000, True, 8.0)
    clock.advance(1.5)
    assert focuser.status() == FocuserStatus(54_000, False, 8.0)
    assert focuser.next_change() is None and sim.telemetry().focuser == focuser.status()


def test_a_new_move_or_a_stop_starts_from_where_the_focuser_is() -> None:
    sim, clock = simulator()
    focuser = sim.focuser
    assert focuser is not None
    focuser.move_to(60_000)
    clock.advance(1.0)  # at 52000
    focuser.move_to(50_000)  # back: 2000 steps, 1 s
    assert focuser.next_change() == clock.now() + timedelta(seconds=1)
    clock.advance(0.25)
    assert focuser.status().position_steps == 51_500
    focuser.stop()
    clock.advance(10.0)
    assert focuser.status() == FocuserStatus(51_500, False, 8.0)
    focuser.move_to(51_500)  # where it is: done at once
    assert not focuser.status().moving and focuser.next_change() is None


@pytest.mark.parametrize("steps", [-1, 100_001])
def test_a_move_outside_the_travel_is_refused_naming_the_bound(steps: int) -> None:
    sim, _ = simulator()
    assert sim.focuser is not None
    with pytest.raises(HardwareError, match=rf"position_steps: {steps} .* 0\.\.100000 steps"):
        sim.focuser.move_to(steps)


def test_the_fwhm_follows_a_hyperbola_around_best_focus() -> None:
    sim, _ = simulator()
    focuser = sim.focuser
    assert focuser is not None
    assert focuser.fwhm_arcsec(48_000) == pytest.approx(1.2)
    assert focuser.fwhm_arcsec(49_000) == pytest.approx(math.hypot(1.2, 2.0))
    assert focuser.fwhm_arcsec(47_000) == focuser.fwhm_arcsec(49_000)
    assert focuser.fwhm_arcsec() == pytest.approx(math.hypot(1.2, 4.0))  # at 50000 now


def test_a_telescope_without_a_focuser_has_none() -> None:
    sim, _ = simulator(focuser=None)
    assert sim.focuser is None and sim.telemetry().focuser is None
    assert SimulatorConfig().focuser is None


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"start_steps": 200_000}, "start_steps"), ({"best_focus_steps": 10_001}, "best_focus")],
)
def test_focuser_positions_beyond_the_travel_are_refused(fields: dict, named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        FocuserConfig(max_steps=10_000, **({"start_steps": 5_000} | fields))


def expose(sim: TelescopeSimulator, clock: ManualClock, image_type: str) -> dict:
    camera = sim.instruments["cam"]
    camera.expose(ExposureRequest(1.0, TASK, "r", image_type=image_type))  # type: ignore[union-attr]
    clock.advance(3.0)
    assert camera.status().state is InstrumentState.READY
    return dict(camera.readout().header)


def test_frames_carry_the_focus_position_and_the_fwhm_it_gives(tmp_path: Path) -> None:
    sim, clock = simulator(data_dir=tmp_path)
    assert sim.focuser is not None
    sim.focuser.move_to(48_500)
    clock.advance(1.0)
    header = expose(sim, clock, "object")
    assert header["FOCUSPOS"] == 48_500 and header["FOCTEMP"] == 8.0
    assert header["FWHM"] == pytest.approx(math.hypot(1.2, 1.0), abs=1e-3)
    [path] = tmp_path.glob("*.fits")
    with fits.open(path) as written:
        assert written[0].header["FOCUSPOS"] == 48_500
        assert written[0].header["FWHM"] == pytest.approx(1.562, abs=1e-3)
    dark = expose(sim, clock, "dark")
    assert dark["FOCUSPOS"] == 48_500 and "FWHM" not in dark  # no stars in a dark
    plain, plain_clock = simulator(focuser=None)
    assert not {"FOCUSPOS", "FWHM"} & set(expose(plain, plain_clock, "object"))


def test_a_moving_focuser_makes_the_telescope_moving() -> None:
    sim, clock = simulator()
    assert sim.focuser is not None
    sim.focuser.move_to(60_000)
    state, _, status = derive_state(sim.telemetry())
    assert state is TelescopeState.MOVING and "focuser MOVING" in status
    clock.advance(10.0)
    assert derive_state(sim.telemetry())[0] is not TelescopeState.MOVING


@pytest.mark.parametrize(
    ("start", "at", "target", "percent"),
    [(0, 0, 100, 0), (0, 50, 100, 50), (100, 75, 0, 25), (5, 5, 5, 100), (0, 120, 100, 100)],
)
def test_move_progress_is_the_share_of_the_distance(
    start: int, at: int, target: int, percent: int
) -> None:
    assert move_progress(start, at, target) == percent


# -- MoveFocuser through the component manager ----------------------------------------------


def focus_rig(make_rig: MakeRig, rate_steps_s: float = 2_000.0) -> Rig:
    return make_rig(focuser=FOCUSER.model_copy(update={"rate_steps_s": rate_steps_s}))


def test_move_focuser_reports_rising_progress_and_completes_at_the_target(
    make_rig: MakeRig,
) -> None:
    rig = focus_rig(make_rig)
    reports = Reports()
    rig.cm.submit(rig.cm.prepare_focus_move(70_000), task_callback=reports)  # 10 clock s
    status, result = reports.final()
    assert status is TaskStatus.COMPLETED
    assert result == (ResultCode.OK, "MoveFocuser completed: the focuser is at 70000 steps")
    progress = reports.progress
    assert progress == sorted(progress) and len(progress) >= 4 and progress[-1] == 100
    assert rig.cm.monitor.latest is not None
    assert rig.wait_for(lambda t: t.focuser.position_steps == 70_000).focuser.moving is False


def test_abort_stops_the_focuser_short_of_its_target(make_rig: MakeRig) -> None:
    rig = focus_rig(make_rig, rate_steps_s=100.0)  # 50000 steps: 500 clock s
    reports = Reports()
    rig.cm.submit(rig.cm.prepare_focus_move(0), task_callback=reports)
    rig.wait_for(lambda t: t.focuser.moving and t.focuser.position_steps < 49_000)
    aborted = threading.Event()
    rig.cm.abort_commands(lambda **r: aborted.set() if r.get("status") else None)
    status, result = reports.final()
    assert status is TaskStatus.ABORTED and result[0] == ResultCode.ABORTED
    assert "MoveFocuser aborted; the focuser stopped at" in result[1]
    assert rig.sim.focuser is not None
    stopped = rig.sim.focuser.status()
    assert not stopped.moving and 0 < stopped.position_steps < 49_000
    assert f"at {stopped.position_steps} steps" in result[1]


def test_a_position_outside_the_travel_is_refused_naming_the_field_and_bound(
    make_rig: MakeRig,
) -> None:
    rig = focus_rig(make_rig)
    with pytest.raises(ValueError, match=r"position_steps: 100001 .* 0\.\.100000 steps"):
        rig.cm.prepare_focus_move(100_001)


def test_a_telescope_without_a_focuser_refuses_move_focuser(rig: Rig) -> None:
    assert not rig.cm.has_focuser
    with pytest.raises(TaskRefused, match="this telescope has no focuser") as info:
        rig.cm.prepare_focus_move(10)
    assert info.value.reason == "FocuserNotFitted"
