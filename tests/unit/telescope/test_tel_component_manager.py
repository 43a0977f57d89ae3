"""The telescope component manager against the simulator, without Tango, on a fast clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tel_rig import CAPELLA, M31, NEVER_UP, RADIO, Reports, Rig, imaging, task_spec

from astrotango.control.telescope import TaskRefused
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import EnclosureState, InstrumentState, MountState
from astrotango.simulation.telescope import Fault


def run_task(rig: Rig, spec: Any) -> Reports:
    reports = Reports()
    status, _ = rig.cm.submit_task(rig.cm.prepare_task(spec), reports)
    assert status is TaskStatus.QUEUED
    return reports


def test_a_full_task_runs_its_subtasks_in_order_and_keeps_every_asset(rig: Rig) -> None:
    spec = imaging(CAPELLA, count=3)
    reports = run_task(rig, spec)
    status, (code, message) = reports.final()
    assert (status, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
    assert rig.subtasks() == ["slew", "settle", "expose_1", "expose_2", "expose_3", "upload"]
    progress = reports.progress
    assert progress == sorted(progress) and progress[-1] == 100 and len(set(progress)) > 6
    assert [a.task_info["task_id"] for a in rig.assets] == [spec.id] * 3
    assert all(not a.partial and a.header["EXPTIME"] == 30.0 for a in rig.assets)
    assert [a.task_info["subtask"] for a in rig.assets] == ["expose_1", "expose_2", "expose_3"]
    assert rig.assets[0].header["FILTER"] == "r" and rig.assets[0].header["OBJECT"] == "Capella"
    assert rig.cm.assets(spec.id) == [a.as_dict() for a in rig.assets]
    assert "kept 3 assets" in message and rig.assets[0].asset_id in message
    last = rig.cm.monitor.latest
    assert last is not None and last.mount.state is MountState.TRACKING
    assert last.enclosure.state is EnclosureState.OPEN
    assert rig.activity[-1].task_id == "" and rig.activity[-2].progress == 100


def test_abort_mid_exposure_keeps_a_partial_asset(rig: Rig) -> None:
    reports = run_task(rig, imaging(M31, count=3, exposure_s=120))
    rig.wait_for(
        lambda t: (
            rig.cm.activity.subtask == "expose_2"
            and t.instruments[0].state is InstrumentState.EXPOSING
            and t.instruments[0].elapsed_s > 10
        )
    )
    aborting = Reports()
    rig.cm.abort_commands(aborting)
    status, (code, message) = reports.final()
    assert (status, code) == (TaskStatus.ABORTED, ResultCode.ABORTED)
    assert aborting.final()[0] is TaskStatus.COMPLETED
    assert [a.partial for a in rig.assets] == [False, True]
    partial = rig.assets[1]
    assert 10 <= partial.duration_s < 120 and partial.header["PARTIAL"] is True
    assert partial.task_info["subtask"] == "expose_2"
    assert "aborted during expose_2" in message and "(1 partial)" in message


@pytest.mark.parametrize(
    ("fault", "when", "reason"),
    [
        (Fault.ENCLOSURE_STUCK, "before", "enclosure stuck: motor stalled"),
        (Fault.MOUNT_FAULT, "slewing", "mount fault: servo amplifier error"),
        (Fault.CAMERA_TIMEOUT, "before", "cam timeout: no data 30 s after the exposure ended"),
        (Fault.HANG, "exposing", "no answer"),
    ],
)
def test_each_injected_fault_ends_the_task_failed_with_its_reason(
    rig: Rig, fault: Fault, when: str, reason: str
) -> None:
    if when == "before":
        rig.cm.inject_fault(fault.value, True)
    reports = run_task(rig, imaging(CAPELLA, count=2, exposure_s=60))
    if when == "slewing":
        rig.wait_for(lambda t: t.mount.state is MountState.SLEWING)
        rig.cm.inject_fault(fault.value, True)
    elif when == "exposing":
        rig.wait_for(lambda t: t.instruments[0].state is InstrumentState.EXPOSING)
        rig.cm.inject_fault(fault.value, True)
    status, (code, message) = reports.final()
    rig.cm.inject_fault(fault.value, False)
    assert (status, code) == (TaskStatus.FAILED, ResultCode.FAILED)
    assert reason in message or (fault is Fault.HANG and "does not answer" in message), message


def test_safe_shutdown_while_slewing_preempts_the_task_and_parks_and_closes(rig: Rig) -> None:
    task = run_task(rig, imaging(CAPELLA))
    rig.wait_for(lambda t: t.mount.state is MountState.SLEWING and t.enclosure.open_fraction > 0)
    shutdown = Reports()
    assert rig.cm.submit_safe_shutdown(shutdown)[0] is TaskStatus.QUEUED
    assert task.final()[0] is TaskStatus.ABORTED
    status, (code, message) = shutdown.final()
    assert (status, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
    last = rig.cm.monitor.latest
    assert last is not None and last.mount.parked and last.enclosure.state is EnclosureState.CLOSED
    assert shutdown.progress[-1] == 100


def test_safe_shutdown_while_the_enclosure_is_opening_reverses_it(rig: Rig) -> None:
    opening = Reports()
    rig.cm.submit(rig.cm.motions.open_enclosure, task_callback=opening)
    rig.wait_for(
        lambda t: t.enclosure.state is EnclosureState.OPENING and t.enclosure.open_fraction > 0.2
    )
    shutdown = Reports()
    rig.cm.submit_safe_shutdown(shutdown)
    assert opening.final()[0] is TaskStatus.ABORTED
    status, (code, message) = shutdown.final()
    assert (status, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
    last = rig.cm.monitor.latest
    assert last is not None and last.enclosure.state is EnclosureState.CLOSED and last.mount.parked


def test_safe_shutdown_is_idempotent(rig: Rig) -> None:
    opened = Reports()  # open first: the shutdown has an enclosure to close, it takes time
    rig.cm.submit(rig.cm.motions.open_enclosure, task_callback=opened)
    assert opened.final()[0] is TaskStatus.COMPLETED
    first, second = Reports(), Reports()
    rig.cm.submit_safe_shutdown(first)
    assert rig.cm.submit_safe_shutdown(second)[1] == "Joined the SafeShutdown already under way"
    assert first.final()[0] is TaskStatus.COMPLETED
    assert second.final()[0] is TaskStatus.COMPLETED
    again = Reports()
    rig.cm.submit_safe_shutdown(again)
    assert again.final(5.0) == (
        TaskStatus.COMPLETED,
        (ResultCode.OK, "Safe: enclosure closed and mount parked"),
    )


def test_safe_shutdown_names_the_part_that_failed(rig: Rig) -> None:
    opening = Reports()
    rig.cm.submit(rig.cm.motions.open_enclosure, task_callback=opening)
    rig.wait_for(lambda t: t.enclosure.open_fraction > 0.3)
    rig.cm.inject_fault(Fault.ENCLOSURE_STUCK.value, True)
    unpark = Reports()
    rig.cm.submit(rig.cm.motions.unpark, task_callback=unpark)
    shutdown = Reports()
    rig.cm.submit_safe_shutdown(shutdown)
    status, (code, message) = shutdown.final()
    assert (status, code) == (TaskStatus.FAILED, ResultCode.FAILED)
    assert "close_enclosure: FAILED (enclosure stuck: motor stalled" in message
    assert "park: OK" in message


def test_a_target_below_the_horizon_is_refused_at_once(rig: Rig) -> None:
    with pytest.raises(TaskRefused) as info:
        rig.cm.prepare_task(imaging(NEVER_UP))
    assert info.value.reason == "TargetBelowHorizon"
    assert "'Southern' is below the horizon limit at 2026-12-15T23:" in str(info.value)


def test_a_target_near_the_sun_is_refused_at_once(make_rig: Any) -> None:
    rig = make_rig(start=datetime(2026, 12, 15, 14, 0, tzinfo=UTC))
    near_sun = {"name": "Near sun", "ra_deg": 265.0, "dec_deg": -13.0}
    with pytest.raises(TaskRefused) as info:
        rig.cm.prepare_task(imaging(near_sun))
    assert info.value.reason == "TargetTooCloseToSun"
    assert "too close to the sun" in str(info.value)


def test_a_radio_task_on_a_dish_integrates_in_chunks(make_rig: Any) -> None:
    rig = make_rig(instruments=RADIO, has_enclosure=False)
    spec = task_spec(
        {"type": "radio_tracking", "target": CAPELLA, "frequency_ghz": 1.42, "duration_s": 150}
    )
    reports = run_task(rig, spec)
    status, (code, message) = reports.final()
    assert (status, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
    assert rig.subtasks() == [
        "slew",
        "settle",
        "integrate_1",
        "integrate_2",
        "integrate_3",
        "upload",
    ]
    assert [a.kind for a in rig.assets] == ["radio_spectrum"] * 3
    assert rig.assets[0].header["FREQ_GHZ"] == 1.42 and rig.assets[0].header["INTTIME"] == 50.0


def test_a_task_the_telescope_has_no_instrument_for_is_refused(rig: Rig) -> None:
    spec = task_spec(
        {"type": "radio_tracking", "target": CAPELLA, "frequency_ghz": 1.42, "duration_s": 60}
    )
    with pytest.raises(TaskRefused, match="this telescope has no radio receiver") as info:
        rig.cm.prepare_task(spec)
    assert info.value.reason == "InstrumentUnavailable"


def test_heartbeat_beats_while_fresh_and_stops_when_the_simulator_hangs(rig: Rig) -> None:
    rig.wait_for(lambda t: len(rig.heartbeats) >= 2)
    rig.cm.inject_fault(Fault.HANG.value, True)
    assert rig.lost.wait(5.0), "the hang was not noticed"
    beats = len(rig.heartbeats)
    assert not rig.connected.wait(0.5)  # ten heartbeat periods without a beat
    assert len(rig.heartbeats) == beats
    rig.cm.inject_fault(Fault.HANG.value, False)
    assert rig.connected.wait(5.0)
    rig.wait_for(lambda t: len(rig.heartbeats) > beats)


def test_a_frame_left_by_a_task_that_failed_mid_exposure_is_kept_and_frees_the_camera(
    rig: Rig,
) -> None:
    first = imaging(CAPELLA, count=2, exposure_s=60)
    reports = run_task(rig, first)
    rig.wait_for(lambda t: t.instruments[0].state is InstrumentState.EXPOSING)
    rig.cm.inject_fault(Fault.MOUNT_FAULT.value, True)  # the mount loses the target mid-frame
    assert reports.final()[0] is TaskStatus.FAILED
    rig.cm.inject_fault(Fault.MOUNT_FAULT.value, False)
    second = imaging(CAPELLA, count=1, exposure_s=10)
    status, (code, message) = run_task(rig, second).final()
    assert (status, code) == (TaskStatus.COMPLETED, ResultCode.OK), message
    left, taken = rig.assets
    assert left.partial and left.header["EXPTIME"] < 60.0, "the cut frame is read out and kept"
    assert not taken.partial and taken.header["EXPTIME"] == 10.0


@pytest.mark.parametrize(("acceptability", "status"), [(0.9, "failed"), (0.2, "completed")])
def test_no_exposure_starts_that_would_end_after_the_window(
    rig: Rig, acceptability: float, status: str
) -> None:
    """The SN run was killed at 06:02 holding 13 good frames: nothing stopped exposures that
    could not end before the window did. Now they are not started; a task that captured its
    acceptability threshold of exposure time completes, else it fails (and is re-queued)."""
    from datetime import timedelta

    request = {
        "type": "optical_imaging",
        "target": CAPELLA,
        "exposures": [{"filter": "r", "exposure_s": 30, "count": 10}],
        "acceptability_threshold": acceptability,
    }
    deadline = rig.clock.now() + timedelta(seconds=200)  # about 4 of the 10 frames
    spec = task_spec(request).model_copy(update={"deadline": deadline})
    reports = run_task(rig, spec)
    final, (code, message) = reports.final(timeout_s=60)
    assert final.name.lower() == status, message
    assert "cut at the window end" in message
    assert 0 < len(rig.assets) < 10
    for asset in rig.assets:
        began = datetime.fromisoformat(asset.header["DATE-OBS"]).replace(tzinfo=UTC)
        assert began + timedelta(seconds=30) <= deadline, asset.header["DATE-OBS"]
    assert code == (ResultCode.OK if status == "completed" else ResultCode.FAILED)
