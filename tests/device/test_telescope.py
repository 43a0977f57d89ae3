"""Telescope through a real client in another process, on a fast simulated night at La Palma.

The server runs in a subprocess (``DeviceTestContext(process=True)``) with a clock 50 times
faster than real time, starting 2026-12-15T23:00Z, when Capella and M31 are high and a
declination -80 target never rises.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from tango.test_context import DeviceTestContext

from astrotango.control_model import AdminMode, ResultCode, SimulationMode, TaskStatus
from astrotango.devices.telescope import Telescope
from astrotango.domain import TaskSpec, expand_observation, parse_observation
from astrotango.hardware import EnclosureState, MountState

FINAL = {int(s) for s in (TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.FAILED)}
CAPELLA = {"name": "Capella", "ra_deg": 79.172, "dec_deg": 45.998}
PROPERTIES = {
    "TelescopeId": "t1",
    "ClockScale": 50.0,
    "SimulationStart": "2026-12-15T23:00:00Z",
    "MonitorPeriod": 0.05,
    "HeartbeatPeriod": 0.2,
    "Instruments": json.dumps(
        [{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": ["g", "r", "i"]}]
    ),
    "SimulatorParameters": json.dumps({"call_timeout_s": 10.0}),
}


@pytest.fixture(scope="module")
def device() -> Iterator[tango.DeviceProxy]:
    with DeviceTestContext(Telescope, properties=PROPERTIES, process=True, timeout=30) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def task_json(target: dict[str, Any], count: int = 3, exposure_s: float = 30) -> tuple[str, str]:
    document = {
        "name": "device test",
        "owner": "tests",
        "queue": "research",
        "window": {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"},
        "requests": [
            {
                "type": "optical_imaging",
                "target": target,
                "exposures": [{"filter": "r", "exposure_s": exposure_s, "count": count}],
            }
        ],
    }
    spec: TaskSpec = expand_observation(parse_observation(document), "obs-dev")[0]
    return spec.id, spec.model_dump_json()


def final_of(command_id: str) -> Any:
    def match(name: str, value: Any) -> bool:
        return (
            name == "_lrcevent"
            and value[0] == command_id
            and json.loads(value[1]).get("status") in FINAL
        )

    return match


def result_of(log: Any, command_id: str) -> list[Any]:
    [result] = [e["result"] for e in log.lrc(command_id) if "result" in e]
    return list(result)


def test_execute_task_progress_rises_to_100_and_gives_one_result(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "_lrcEvent", "taskProgress", "currentTaskId", "heartbeat", "alt")
    task_id, argument = task_json(CAPELLA)
    [code], [command_id] = device.ExecuteTask(argument)
    assert code == ResultCode.QUEUED
    log.wait_for(final_of(command_id), timeout_s=30)
    progress = [e["progress"] for e in log.lrc(command_id) if "progress" in e]
    assert progress == sorted(progress) and progress[-1] == 100 and len(progress) > 10
    code, message = result_of(log, command_id)
    assert code == ResultCode.OK and f"Task {task_id} completed; kept 3 assets" in message
    statuses = [e["status"] for e in log.lrc(command_id) if "status" in e]
    assert statuses[-1] == TaskStatus.COMPLETED
    seen = {name for name, _ in log.seen}
    assert {"taskprogress", "currenttaskid", "heartbeat", "alt"} <= seen
    assert ("currenttaskid", task_id) in log.seen
    assets = json.loads(device.GetAssets(task_id))
    assert [a["task_info"]["subtask"] for a in assets] == ["expose_1", "expose_2", "expose_3"]
    assert json.loads(device.assets)[-1]["header"]["OBJECT"] == "Capella"
    assert device.tracking and device.enclosureOpen and not device.parked
    assert device.enclosureState == EnclosureState.OPEN
    assert device.mountState == MountState.TRACKING
    assert 0 <= device.az < 360 and device.alt > 15
    assert device.state() == tango.DevState.ON
    assert json.loads(device.site)["telescope_id"] == "t1"
    assert json.loads(device.instruments)[0]["fov_deg"] == 0.5


def test_safe_shutdown_preempts_a_running_execute_task(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "_lrcEvent", "currentSubtask", "State")
    _, argument = task_json(CAPELLA, count=3, exposure_s=300)
    [_], [task_command] = device.ExecuteTask(argument)
    log.wait_for(lambda n, v: n == "currentsubtask" and v == "expose_1", timeout_s=20)
    [code], [shutdown] = device.SafeShutdown()
    assert code == ResultCode.QUEUED
    log.wait_for(final_of(shutdown), timeout_s=30)
    assert result_of(log, task_command)[0] == ResultCode.ABORTED
    assert result_of(log, shutdown) == [ResultCode.OK, "Safe: enclosure closed and mount parked"]
    if ("state", tango.DevState.STANDBY) not in log.seen:  # it may precede the final status
        log.wait_for(lambda n, v: n == "state" and v == tango.DevState.STANDBY)
    assert device.parked and not device.enclosureOpen
    assert json.loads(device.assets)[-1]["partial"] is True


def test_a_hung_simulator_is_a_fault_and_its_heartbeat_stops(
    device: tango.DeviceProxy, events: Any
) -> None:
    log = events(device, "heartbeat", "State")
    for _ in range(3):
        log.wait_for(lambda n, v: n == "heartbeat")
    device.InjectFault(json.dumps({"fault": "hang", "active": True}))
    try:
        # the driver says why it cannot be read: a fault, not just an unknown state
        log.wait_for(lambda n, v: n == "state" and v == tango.DevState.FAULT, timeout_s=10)
        assert "no answer within" in device.status()
        with pytest.raises(AssertionError, match="no matching event"):
            log.wait_for(lambda n, v: n == "heartbeat", timeout_s=1.5)  # 7 periods: silence
    finally:
        device.InjectFault(json.dumps({"fault": "hang", "active": False}))
    log.wait_for(lambda n, v: n == "heartbeat", timeout_s=10)
    assert device.state() not in (tango.DevState.UNKNOWN, tango.DevState.FAULT)


def test_a_target_below_the_horizon_is_refused_with_a_clear_dev_failed(
    device: tango.DeviceProxy,
) -> None:
    task_id, argument = task_json({"name": "Southern", "ra_deg": 200.0, "dec_deg": -80.0})
    with pytest.raises(tango.DevFailed) as info:
        device.ExecuteTask(argument)
    error = info.value.args[0]
    assert error.reason == "TargetBelowHorizon"
    assert f"ExecuteTask {task_id} refused: target 'Southern' is below the horizon" in error.desc


def test_a_malformed_task_raises_dev_failed_naming_the_field(device: tango.DeviceProxy) -> None:
    _, argument = task_json(CAPELLA)
    broken = json.loads(argument)
    broken["target"]["dec_deg"] = 95.0
    with pytest.raises(tango.DevFailed) as info:
        device.ExecuteTask(json.dumps(broken))
    assert info.value.args[0].reason == "API_InvalidArgument"
    assert "target.dec_deg" in info.value.args[0].desc


def test_a_telescope_without_a_focuser_refuses_move_focuser(device: tango.DeviceProxy) -> None:
    with pytest.raises(tango.DevFailed) as info:
        device.MoveFocuser(1000)
    error = info.value.args[0]
    assert error.reason == "FocuserNotFitted"
    assert "MoveFocuser refused: this telescope has no focuser" in error.desc
    assert device.focusMaxPosition == 0 and math.isnan(device.focuserTemperature)


def test_fault_injection_needs_simulation_mode(device: tango.DeviceProxy) -> None:
    device.simulationMode = SimulationMode.FALSE
    try:
        with pytest.raises(tango.DevFailed):
            device.InjectFault(json.dumps({"fault": "hang", "active": True}))
    finally:
        device.simulationMode = SimulationMode.TRUE
    with pytest.raises(tango.DevFailed, match="unknown 'jam'"):
        device.InjectFault(json.dumps({"fault": "jam", "active": True}))


def lrc_status(device: tango.DeviceProxy, command_id: str) -> str:
    return str(device.CheckLongRunningCommandStatus(command_id))


@pytest.mark.parametrize("attempt", range(20))
def test_an_abort_racing_a_safe_shutdown_never_cancels_it(
    device: tango.DeviceProxy, attempt: int
) -> None:
    """Issue 11: the controller's Abort in the same instant emptied the queue, SafeShutdown
    included, leaving the telescope unparked and tracking. Raced 20 times."""
    _, argument = task_json(CAPELLA, count=2, exposure_s=120)
    [_], [task_command] = device.ExecuteTask(argument)
    deadline = time.monotonic() + 20
    while lrc_status(device, task_command) != "IN_PROGRESS" or device.parked:
        assert time.monotonic() < deadline, "the task never started moving"
        time.sleep(0.02)
    other = tango.DeviceProxy(device.dev_name())  # a second client: the controller
    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def call(name: str, proxy: tango.DeviceProxy) -> None:
        barrier.wait()
        answers[name] = getattr(proxy, name)()

    threads = [
        threading.Thread(target=call, args=("SafeShutdown", device)),
        threading.Thread(target=call, args=("Abort", other)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    [code], [shutdown] = answers["SafeShutdown"]
    assert code == ResultCode.QUEUED
    deadline = time.monotonic() + 30
    while lrc_status(device, shutdown) not in ("COMPLETED", "FAILED", "ABORTED"):
        assert time.monotonic() < deadline, "SafeShutdown never ended"
        time.sleep(0.05)
    assert lrc_status(device, shutdown) == "COMPLETED", f"attempt {attempt}"
    assert lrc_status(device, task_command) == "ABORTED"
    assert device.safe and device.parked and not device.enclosureOpen and not device.tracking
