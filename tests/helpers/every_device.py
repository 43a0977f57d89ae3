"""One device of each served class in one server subprocess, ONLINE: what the suites over every
device class (Init, subscriptions) start from.

On simulators and throwaway stores; the constraint reads the weather station beside it, the
interlock covers the telescope beside it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tango
from sched_rig import NIGHT, TELESCOPES
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode
from astrotango.devices.servers import SERVERS

__all__ = ["CLASSES", "SETTLED", "name_of", "one_of_each", "wait_state"]

CLASSES = list(dict.fromkeys(cls for group in SERVERS.values() for cls in group))
SETTLED = {tango.DevState.ON, tango.DevState.STANDBY, tango.DevState.ALARM}
SIMULATED = {"ClockScale": 10.0, "SimulationStart": NIGHT.isoformat()}


def name_of(cls: type) -> str:
    return f"test/init/{cls.__name__.lower()}"


def properties(cls_name: str, store_url: str) -> dict[str, Any]:
    telescope = {**TELESCOPES[0], "id": "test/init/telescope"}
    return {
        "Telescope": {**SIMULATED, "TelescopeId": "t1", "MonitorPeriod": 0.5},
        "Scheduler": {**SIMULATED, "StoreUrl": store_url, "Telescopes": json.dumps([telescope])},
        "ObservationController": {**SIMULATED, "StoreUrl": store_url},
        "WeatherStation": {**SIMULATED, "SamplePeriod": 10.0},
        "HostTelemetry": {**SIMULATED, "SamplePeriod": 10.0},
        "OperationalConstraint": {
            "SensorDevice": "test/init/weatherstation",
            "SensorAttribute": "windSpeed",
            "MaxValue": 15.0,
            "StoreUrl": "none",
        },
        "ShutdownInterlock": {"Telescopes": ["test/init/telescope"], "StoreUrl": "none"},
    }.get(cls_name, {})


@contextlib.contextmanager
def one_of_each(folder: Path) -> Iterator[MultiDeviceTestContext]:
    """The server of one device of each class, every device ONLINE; its store in ``folder``."""
    url = f"sqlite:///{folder / 'store.db'}"
    info = [
        {"class": c, "devices": [{"name": name_of(c), "properties": properties(c.__name__, url)}]}
        for c in CLASSES
    ]
    # Constraints subscribe to the weather station: a server forked from a process whose Tango
    # event consumer is alive hangs at exit, so start it clean.
    tango.ApiUtil.cleanup()
    with MultiDeviceTestContext(info, process=True, timeout=60) as ctx:
        for cls in CLASSES:
            ctx.get_device(name_of(cls)).adminMode = AdminMode.ONLINE
        yield ctx


def wait_state(proxy: tango.DeviceProxy, wanted: set[Any], timeout_s: float = 20.0) -> Any:
    """Poll ``State`` until it is one of ``wanted`` (a device test runs on the wall clock)."""
    deadline = time.monotonic() + timeout_s
    state = proxy.state()
    while state not in wanted:
        assert time.monotonic() < deadline, f"{proxy.dev_name()} is {state}, not in {wanted}"
        time.sleep(0.05)
        state = proxy.state()
    return state
