"""A Telescope device on real device protocols: INDI (``indiserver``) and ASCOM Alpaca.

Each driver gets its real simulator on loopback and a Telescope device server in its own
process (``Driver`` = indi | alpaca, real time), driven by a plain DeviceProxy the way the
controller drives it: ExecuteTask for a short task (two filters, 3 x 1 s) with LRC progress,
the frames as FITS files naming the task, the mount within 5 arcseconds of the target (from the
frames' ICRS pointing, after the driver's frame conversion), SafeShutdown parking and closing
the real simulator, a WeatherStation device reading the server's station, and a killed server
becoming a device FAULT that clears when it returns.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tango
from astropy.io import fits
from hardware_servers import (
    AlpacaServer,
    IndiServer,
    free_port,
    needs_alpaca,
    needs_indi,
    night_site,
)
from tango.test_context import DeviceTestContext

from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.telescope import Telescope
from astrotango.devices.weather import WeatherStation
from astrotango.domain import TaskSpec, expand_observation, parse_observation
from astrotango.hardware import EnclosureState
from astrotango.hardware.sky import angular_separation_deg, local_sidereal_time_deg

pytestmark = pytest.mark.slow

FINAL = {int(s) for s in (TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.FAILED)}


@dataclass
class Rig:
    """One driver's simulator and the Telescope device on it."""

    kind: str
    server: IndiServer | AlpacaServer
    proxy: tango.DeviceProxy
    filters: tuple[str, str]
    latitude_deg: float
    longitude_deg: float
    data_dir: Path


def _parameters(kind: str, address: str) -> dict[str, Any]:
    if kind == "indi":
        return {"server": address, "focuser": "Focuser Simulator"}
    # offline, alpaca-simulators' light frames fail (they need a network star catalogue)
    return {"server": address, "poll_period_s": 0.25, "shutter_closed": True, "focuser": 0}


@pytest.fixture(
    scope="module",
    params=[pytest.param("indi", marks=needs_indi), pytest.param("alpaca", marks=needs_alpaca)],
)
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    kind = str(request.param)
    home = tmp_path_factory.mktemp(f"{kind}-server")
    server: IndiServer | AlpacaServer = (IndiServer if kind == "indi" else AlpacaServer)(
        free_port(), home
    )
    server.start()
    filters = ("Red", "Green") if kind == "indi" else ("red", "green")
    site = night_site(f"{kind}-site", 30.0, 500.0)
    data_dir = tmp_path_factory.mktemp(f"{kind}-data")
    properties = {
        "TelescopeId": f"{kind}1",
        "Driver": kind,
        "DriverParameters": json.dumps(_parameters(kind, server.address)),
        "DataDirectory": str(data_dir),
        "SiteName": site.name,
        "SiteLatitude": site.latitude_deg,
        "SiteLongitude": site.longitude_deg,
        "SiteElevation": site.elevation_m,
        "MonitorPeriod": 0.2,
        "MonitorIdlePeriod": 0.5,
        "HeartbeatPeriod": 0.5,
        "Instruments": json.dumps(
            [{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": list(filters)}]
        ),
    }
    try:
        with DeviceTestContext(Telescope, properties=properties, process=True, timeout=60) as proxy:
            proxy.adminMode = AdminMode.ONLINE
            wait_for(
                lambda: proxy.State() in (tango.DevState.ON, tango.DevState.STANDBY),
                60.0,
                lambda: f"{proxy.State()} {proxy.Status()}",
            )
            yield Rig(kind, server, proxy, filters, site.latitude_deg, site.longitude_deg, data_dir)
    finally:
        server.kill()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_s} s: {what()}")


def overhead_task(rig: Rig) -> tuple[TaskSpec, tuple[float, float]]:
    """A task 80 degrees up on the meridian now: two filters, three 1 s frames each."""
    now = datetime.now(UTC)
    ra = local_sidereal_time_deg(now, rig.longitude_deg)
    dec = rig.latitude_deg - 10.0
    document = {
        "name": f"{rig.kind} device test",
        "owner": "tests",
        "queue": "research",
        "window": {
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(hours=2)).isoformat(),
        },
        "requests": [
            {
                "type": "optical_imaging",
                "target": {"name": "overhead", "ra_deg": ra, "dec_deg": dec},
                "exposures": [
                    {"filter": name, "exposure_s": 1.0, "count": 3} for name in rig.filters
                ],
            }
        ],
    }
    return expand_observation(parse_observation(document), f"obs-{rig.kind}")[0], (ra, dec)


def run_lrc(
    proxy: tango.DeviceProxy, events: Any, name: str, *args: Any, timeout_s: float
) -> list[dict[str, Any]]:
    """Run a long-running command; its LRC events up to the final one."""
    log = events(proxy, "_lrcEvent")
    code, [command_id] = getattr(proxy, name)(*args)
    assert code[0] == ResultCode.QUEUED, command_id

    def final(event: str, value: Any) -> bool:
        return (
            event == "_lrcevent"
            and value[0] == command_id
            and json.loads(value[1]).get("status") in FINAL
        )

    log.wait_for(final, timeout_s)
    return log.lrc(command_id)


def test_execute_task_slews_exposes_in_two_filters_and_writes_fits(rig: Rig, events: Any) -> None:
    spec, (ra, dec) = overhead_task(rig)
    updates = run_lrc(rig.proxy, events, "ExecuteTask", spec.model_dump_json(), timeout_s=120.0)
    final = updates[-1]
    assert final["status"] == TaskStatus.COMPLETED, updates
    progress = [u["progress"] for u in updates if "progress" in u]
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] == 100, progress
    assets = json.loads(rig.proxy.GetAssets(spec.id))
    assert [a["header"]["FILTER"] for a in assets] == [rig.filters[0]] * 3 + [rig.filters[1]] * 3
    for asset in assets:
        path = Path(asset["path"])
        assert path.parent == rig.data_dir and path.stat().st_size == asset["size_bytes"]
        with fits.open(path) as hdus:
            header = hdus[0].header
            assert (header["ATTASKID"], header["ATOBSID"]) == (spec.id, spec.observation_id)
            assert header["TELESCOP"] == f"{rig.kind}1" and header["EXPTIME"] >= 0.9
            assert hdus[0].data is not None and hdus[0].data.size > 0
            assert 0 <= header["FOCUSPOS"] <= 100_000
            off_arcsec = angular_separation_deg(header["RA"], header["DEC"], ra, dec) * 3600.0
        assert off_arcsec < 5.0, f"{path.name}: {off_arcsec:.1f} arcsec off the target"


def test_safe_shutdown_parks_and_closes_the_real_simulator(rig: Rig, events: Any) -> None:
    updates = run_lrc(rig.proxy, events, "SafeShutdown", timeout_s=90.0)
    assert updates[-1]["status"] == TaskStatus.COMPLETED, updates
    wait_for(lambda: bool(rig.proxy.parked), 10.0, lambda: str(rig.proxy.mountState))
    assert rig.proxy.enclosureState == EnclosureState.CLOSED


def test_move_focuser_moves_the_real_simulators_focuser(rig: Rig, events: Any) -> None:
    target = 30_000 if rig.proxy.focusPosition != 30_000 else 40_000
    updates = run_lrc(rig.proxy, events, "MoveFocuser", target, timeout_s=60.0)
    assert updates[-1]["status"] == TaskStatus.COMPLETED, updates
    assert [u["result"] for u in updates if "result" in u] == [
        [ResultCode.OK, f"MoveFocuser completed: the focuser is at {target} steps"]
    ]
    wait_for(lambda: rig.proxy.focusPosition == target, 10.0, lambda: str(rig.proxy.focusPosition))
    assert rig.proxy.focusMaxPosition == 100_000 and not rig.proxy.focuserMoving


def test_a_weather_station_device_reads_the_real_station(rig: Rig) -> None:
    properties = {
        "Source": rig.kind,
        "SourceParameters": json.dumps({"server": rig.server.address}),
        "SamplePeriod": 0.5,
    }
    with DeviceTestContext(WeatherStation, properties=properties, process=True, timeout=60) as ws:
        ws.adminMode = AdminMode.ONLINE

        def read() -> bool:  # what both stations report (INDI's has no humidity)
            return not math.isnan(ws.windSpeed) and not math.isnan(ws.rain)

        wait_for(read, 30.0, lambda: f"{ws.State()} wind {ws.windSpeed} rain {ws.rain}")
        assert 0.0 <= ws.windSpeed < 60.0 and ws.rain >= 0.0
        assert ws.lastSample


def test_a_killed_server_is_a_device_fault_that_clears_when_it_returns(rig: Rig) -> None:
    proxy = rig.proxy
    rig.server.kill()
    wait_for(lambda: proxy.State() == tango.DevState.FAULT, 30.0, proxy.Status)
    assert rig.server.address in proxy.Status()
    rig.server.start()
    wait_for(lambda: proxy.State() != tango.DevState.FAULT, 60.0, proxy.Status)
    assert proxy.State() in (tango.DevState.ON, tango.DevState.STANDBY), proxy.Status()
