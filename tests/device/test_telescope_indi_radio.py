"""A radio dish on INDI: the Telescope device drives indiserver's mount and receiver simulators.

One ``indiserver`` runs the dish's simulators (``indi_simulator_telescope`` and
``indi_simulator_receiver``) on loopback; the Telescope device runs in its own process on
``Driver = indi`` with a receiver and no dome, driven by a plain DeviceProxy: ExecuteTask of a
short radio track tunes the receiver, integrates and writes a FITS file naming the task, with
LRC progress; SafeShutdown stows (parks) the dish.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tango
from astropy.io import fits
from hardware_servers import IndiServer, free_port, needs_indi_receiver, night_site
from tango.test_context import DeviceTestContext
from test_telescope_hardware import run_lrc, wait_for

from astrotango.control_model import AdminMode, TaskStatus
from astrotango.devices.telescope import Telescope
from astrotango.domain import expand_observation, parse_observation
from astrotango.hardware.sky import local_sidereal_time_deg
from astrotango.launcher.simulators import INDI_RADIO_DRIVERS

pytestmark = [pytest.mark.slow, needs_indi_receiver]

RECEIVER = {
    "kind": "radio_receiver",
    "name": "lband",
    "beam_deg": 1.2,
    "band_ghz": [1.0, 2.0],
    "channels": 4096,
    "bandwidth_mhz": 20.0,
}


@pytest.fixture(scope="module")
def dish(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[tango.DeviceProxy, Any]]:
    server = IndiServer(free_port(), tmp_path_factory.mktemp("indi-dish"))
    server.start(INDI_RADIO_DRIVERS)
    site = night_site("indi dish", 30.0, 500.0)
    data_dir = tmp_path_factory.mktemp("dish-data")
    properties = {
        "TelescopeId": "dish1",
        "Driver": "indi",
        "DriverParameters": json.dumps({"server": server.address, "dome": None, "wheel": None}),
        "DataDirectory": str(data_dir),
        "SiteName": site.name,
        "SiteLatitude": site.latitude_deg,
        "SiteLongitude": site.longitude_deg,
        "SiteElevation": site.elevation_m,
        "MonitorPeriod": 0.2,
        "MonitorIdlePeriod": 0.5,
        "HeartbeatPeriod": 0.5,
        "Instruments": json.dumps([RECEIVER]),
    }
    try:
        with DeviceTestContext(Telescope, properties=properties, process=True, timeout=60) as proxy:
            proxy.adminMode = AdminMode.ONLINE
            wait_for(
                lambda: proxy.State() in (tango.DevState.ON, tango.DevState.STANDBY),
                60.0,
                lambda: f"{proxy.State()} {proxy.Status()}",
            )
            yield proxy, (site, data_dir)
    finally:
        server.kill()


def radio_track(site: Any) -> Any:
    """A 3 s track at 1.42 GHz of a point 80 degrees up on the meridian now."""
    now = datetime.now(UTC)
    document = {
        "name": "INDI dish device test",
        "owner": "tests",
        "queue": "research",
        "window": {
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(hours=2)).isoformat(),
        },
        "requests": [
            {
                "type": "radio_tracking",
                "target": {
                    "name": "overhead",
                    "ra_deg": local_sidereal_time_deg(now, site.longitude_deg),
                    "dec_deg": site.latitude_deg - 10.0,
                },
                "frequency_ghz": 1.42,
                "duration_s": 3.0,
            }
        ],
    }
    return expand_observation(parse_observation(document), "obs-dish")[0]


def test_a_radio_track_tunes_integrates_and_writes_fits(
    dish: tuple[tango.DeviceProxy, Any], events: Any
) -> None:
    proxy, (site, data_dir) = dish
    assert proxy.kind == "radio" and proxy.simulationMode == 0
    spec = radio_track(site)
    updates = run_lrc(proxy, events, "ExecuteTask", spec.model_dump_json(), timeout_s=120.0)
    assert updates[-1]["status"] == TaskStatus.COMPLETED, updates
    progress = [u["progress"] for u in updates if "progress" in u]
    assert progress and progress == sorted(progress) and progress[-1] == 100, progress
    assets = json.loads(proxy.GetAssets(spec.id))
    assert assets and all(not a["partial"] for a in assets)
    for asset in assets:
        path = Path(asset["path"])
        assert path.parent == data_dir and path.stat().st_size == asset["size_bytes"]
        header = fits.getheader(path)
        assert (header["ATTASKID"], header["ATOBSID"]) == (spec.id, spec.observation_id)
        assert header["FREQ_GHZ"] == pytest.approx(1.42, abs=1e-6)
        assert float(header["FREQ"]) == pytest.approx(1.42e9, rel=1e-6)  # the device's own, Hz
    assert sum(fits.getheader(a["path"])["INTTIME"] for a in assets) == pytest.approx(3.0)


def test_safe_shutdown_stows_the_dish(dish: tuple[tango.DeviceProxy, Any], events: Any) -> None:
    proxy, _ = dish
    updates = run_lrc(proxy, events, "SafeShutdown", timeout_s=90.0)
    assert updates[-1]["status"] == TaskStatus.COMPLETED, updates
    wait_for(lambda: bool(proxy.parked), 10.0, lambda: str(proxy.mountState))
    assert proxy.safe
