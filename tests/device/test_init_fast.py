"""``Init`` on every served device class returns within a default client's 3 s timeout.

One server subprocess serves one device of each class in ``servers.SERVERS``, on simulators and
throwaway stores. Each device is ONLINE and settled, with memorized set-points written (its
``loggingLevel``; a constraint's ``maxValue``); ``Init`` through a proxy with Tango's default
3 s timeout must return, and the device must come back in the state it was in, ONLINE, with
the set-points it had. The "under 1 s" figure comes from ``bench/init_time.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tango
from sched_rig import NIGHT, TELESCOPES
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode, LoggingLevel
from astrotango.devices.servers import SERVERS

CLASSES = list(dict.fromkeys(cls for group in SERVERS.values() for cls in group))
DEFAULT_TIMEOUT_MS = 3000
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


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MultiDeviceTestContext]:
    url = f"sqlite:///{tmp_path_factory.mktemp('init') / 'store.db'}"
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


def test_every_served_class_is_served_here() -> None:
    assert {c.__name__ for c in CLASSES} >= {
        "Telescope",
        "Scheduler",
        "ObservationController",
        "WeatherStation",
        "HostTelemetry",
        "OperationalConstraint",
        "ShutdownInterlock",
        "LrcReference",
    }


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_init_returns_within_the_default_timeout_and_restores_the_device(
    context: MultiDeviceTestContext, cls: type
) -> None:
    proxy = tango.DeviceProxy(context.get_device_access(name_of(cls)))
    proxy.set_timeout_millis(DEFAULT_TIMEOUT_MS)
    before = wait_state(proxy, SETTLED)
    proxy.loggingLevel = LoggingLevel.WARNING  # a memorized set-point every device has
    if cls.__name__ == "OperationalConstraint":
        proxy.maxValue = 12.5
    proxy.Init()  # raises DevFailed (API_DeviceTimedOut) past the 3 s timeout
    assert wait_state(proxy, {before}) == before
    assert proxy.adminMode == AdminMode.ONLINE
    assert proxy.loggingLevel == LoggingLevel.WARNING
    assert proxy.get_logging_level() == LoggingLevel.WARNING
    if cls.__name__ == "OperationalConstraint":
        assert proxy.maxValue == 12.5
    proxy.loggingLevel = LoggingLevel.INFO
