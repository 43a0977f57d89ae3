"""A Telescope with a focuser, through a real client in another process, on a fast night.

MoveFocuser is a long-running command: its progress rises to 100 and it completes at the
target; a position outside the travel is refused at once naming the field and the bound;
Abort stops the focuser short. The frames carry FOCUSPOS and the FWHM the focus gives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from tango.test_context import DeviceTestContext
from test_telescope import CAPELLA, final_of, result_of, task_json

from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.telescope import Telescope

FOCUSER = {
    "max_steps": 100_000,
    "rate_steps_s": 500.0,
    "start_steps": 50_000,
    "best_focus_steps": 48_000,
    "seeing_arcsec": 1.2,
    "defocus_arcsec_per_step": 0.002,
    "temperature_c": 8.0,
}
PROPERTIES = {
    "TelescopeId": "t1",
    "ClockScale": 50.0,
    "SimulationStart": "2026-12-15T23:00:00Z",
    "MonitorPeriod": 0.05,
    "MonitorIdlePeriod": 0.5,
    "HeartbeatPeriod": 0.2,
    "Instruments": json.dumps(
        [{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": ["g", "r", "i"]}]
    ),
    "SimulatorParameters": json.dumps({"focuser": FOCUSER}),
}


@pytest.fixture(scope="module")
def device() -> Iterator[tango.DeviceProxy]:
    with DeviceTestContext(Telescope, properties=PROPERTIES, process=True, timeout=30) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def progress_of(log: Any, command_id: str) -> list[int]:
    return [e["progress"] for e in log.lrc(command_id) if "progress" in e]


def test_move_focuser_progress_rises_and_it_completes_at_the_target(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "_lrcEvent", "focusPosition", "focuserMoving")
    [code], [command_id] = device.MoveFocuser(60_000)  # 10000 steps: 20 clock s
    assert code == ResultCode.QUEUED and command_id.endswith("_MoveFocuser")
    log.wait_for(final_of(command_id), timeout_s=30)
    progress = progress_of(log, command_id)
    assert progress == sorted(progress) and len(progress) >= 5 and progress[-1] == 100
    assert result_of(log, command_id) == [
        ResultCode.OK,
        "MoveFocuser completed: the focuser is at 60000 steps",
    ]
    statuses = [e["status"] for e in log.lrc(command_id) if "status" in e]
    assert statuses[-1] == TaskStatus.COMPLETED
    assert ("focusermoving", True) in log.seen
    if ("focusposition", 60_000) not in log.seen:  # it may follow the final status
        log.wait_for(lambda n, v: n == "focusposition" and v == 60_000)
    assert device.focusPosition == 60_000 and not device.focuserMoving
    assert device.focusMaxPosition == 100_000 and device.focuserTemperature == 8.0
    config = device.get_attribute_config("focusPosition")
    assert (config.unit, config.min_value, config.max_value) == ("steps", "0", "100000")


@pytest.mark.parametrize("position", [-1, 100_001])
def test_a_position_outside_the_travel_is_refused_naming_the_field_and_bound(
    device: tango.DeviceProxy, position: int
) -> None:
    with pytest.raises(tango.DevFailed) as info:
        device.MoveFocuser(position)
    error = info.value.args[0]
    assert error.reason == "API_InvalidArgument"
    assert (
        f"MoveFocuser argument: position_steps: {position} is outside the focuser's travel "
        "0..100000 steps" in error.desc
    )


def test_abort_stops_the_focuser_short_of_its_target(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "_lrcEvent", "focusPosition")
    start = device.focusPosition
    [_], [command_id] = device.MoveFocuser(0)  # at least 100 clock s
    log.wait_for(
        lambda n, v: (
            n == "_lrcevent" and v[0] == command_id and json.loads(v[1]).get("progress", 0) > 5
        )
    )
    [code], [abort_id] = device.Abort()
    assert code == ResultCode.STARTED
    log.wait_for(final_of(command_id), timeout_s=15)
    code, message = result_of(log, command_id)
    assert code == ResultCode.ABORTED and "MoveFocuser aborted; the focuser stopped at" in message
    log.wait_for(final_of(abort_id), timeout_s=15)
    stopped = int(message.rsplit(" at ", 1)[1].split()[0])
    assert 0 < stopped < start
    if ("focusposition", stopped) not in log.seen:  # the next poll after the stop shows it
        log.wait_for(lambda n, v: n == "focusposition" and v == stopped)
    assert device.focusPosition == stopped and not device.focuserMoving


def test_frames_carry_the_focus_position_and_fwhm(device: tango.DeviceProxy, events: Any) -> None:
    log = events(device, "_lrcEvent")
    [_], [moved] = device.MoveFocuser(48_500)
    log.wait_for(final_of(moved), timeout_s=30)
    task_id, argument = task_json(CAPELLA, count=1, exposure_s=5)
    [_], [command_id] = device.ExecuteTask(argument)
    log.wait_for(final_of(command_id), timeout_s=60)
    assert result_of(log, command_id)[0] == ResultCode.OK
    [asset] = json.loads(device.GetAssets(task_id))
    header = asset["header"]
    assert header["FOCUSPOS"] == 48_500 and header["FOCTEMP"] == 8.0
    assert header["FWHM"] == pytest.approx(math.hypot(1.2, 1.0), abs=1e-3)
