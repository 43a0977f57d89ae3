"""How long the Tango ``Init`` command takes, per device class, on devices that are ONLINE.

One device server subprocess (``MultiDeviceTestContext(process=True)``) serves one device of
every class in :data:`astrotango.devices.servers.SERVERS`, on simulators and throwaway stores.
Each device is put ONLINE and left to settle; then this process, a plain Tango client with the
default 3 s timeout, calls ``Init`` on it ``--trials`` times and measures each call on the host
clock. After every Init the device must be back in the state it was in (memorized ``adminMode``
ONLINE restored): a trial ends when it is.

Usage: ``python bench/init_time.py [--trials 5] [--timeout-ms 3000]``; prints one line per
class (stderr) and a JSON summary (stdout).
The target is every class under 1 s (jive's Init runs with the 3 s default client timeout).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tango
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode
from astrotango.devices.servers import SERVERS

TARGET_S = 1.0
_SETTLE_S = 20.0
_SETTLED = {tango.DevState.ON, tango.DevState.STANDBY, tango.DevState.ALARM}
NIGHT = "2026-12-15T23:00:00Z"
SCHEDULED = {
    "id": "bench/init/telescope",
    "lat_deg": 28.7606,
    "lon_deg": -17.8816,
    "elevation_m": 2396.0,
    "capabilities": ["optical"],
    "fov_deg": 1.2,
    "filters": ["g", "r", "i"],
}


def devices_info(store_url: str) -> list[dict[str, Any]]:
    """One device per served class, named ``bench/init/<class>``; simulated, quick periods."""
    simulated = {"ClockScale": 10.0, "SimulationStart": NIGHT}
    properties: dict[str, dict[str, Any]] = {
        "Telescope": {**simulated, "TelescopeId": "t1", "MonitorPeriod": 0.5},
        "Scheduler": {**simulated, "StoreUrl": store_url, "Telescopes": json.dumps([SCHEDULED])},
        "ObservationController": {**simulated, "StoreUrl": store_url},
        "WeatherStation": {**simulated, "SamplePeriod": 10.0},
        "HostTelemetry": {**simulated, "SamplePeriod": 10.0},
        "OperationalConstraint": {
            "SensorDevice": "bench/init/weatherstation",
            "SensorAttribute": "windSpeed",
            "MaxValue": 15.0,
            "StoreUrl": "none",
        },
        "ShutdownInterlock": {"Telescopes": ["bench/init/telescope"], "StoreUrl": "none"},
    }
    classes = dict.fromkeys(cls for group in SERVERS.values() for cls in group)
    return [
        {
            "class": cls,
            "devices": [
                {
                    "name": f"bench/init/{cls.__name__.lower()}",
                    "properties": properties.get(cls.__name__, {}),
                }
            ],
        }
        for cls in classes
    ]


def wait_state(proxy: tango.DeviceProxy, wanted: set[tango.DevState], timeout_s: float) -> Any:
    """Poll ``State`` until it is one of ``wanted``; return it (or the last one seen)."""
    deadline = time.monotonic() + timeout_s
    state = proxy.state()
    while state not in wanted and time.monotonic() < deadline:
        time.sleep(0.02)
        state = proxy.state()
    return state


def measure(proxy: tango.DeviceProxy, trials: int) -> dict[str, Any]:
    """Init ``proxy`` ``trials`` times; the figures in seconds."""
    settled = wait_state(proxy, _SETTLED, _SETTLE_S)
    times, back = [], []
    for _ in range(trials):
        start = time.monotonic()
        proxy.Init()
        times.append(time.monotonic() - start)
        state = wait_state(proxy, {settled}, _SETTLE_S)
        back.append(time.monotonic() - start)
        if state != settled or proxy.adminMode != AdminMode.ONLINE:
            raise SystemExit(f"{proxy.dev_name()}: after Init {state}, adminMode {proxy.adminMode}")
    return {
        "state": str(settled),
        "init_median_s": round(statistics.median(times), 4),
        "init_max_s": round(max(times), 4),
        "back_in_state_max_s": round(max(back), 4),
    }


def main() -> None:
    """Run the benchmark and print per-class figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument(
        "--timeout-ms", type=int, default=3000, help="client timeout (3000: jive's default)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        info = devices_info(url)
        results: dict[str, Any] = {}
        with MultiDeviceTestContext(info, process=True, timeout=60) as ctx:
            for entry in info:
                name = entry["devices"][0]["name"]
                proxy = ctx.get_device(name)
                proxy.set_timeout_millis(args.timeout_ms)
                proxy.adminMode = AdminMode.ONLINE
            for entry in info:
                proxy = ctx.get_device(entry["devices"][0]["name"])
                figures = measure(proxy, args.trials)
                results[entry["class"].__name__] = figures
                print(
                    f"{entry['class'].__name__:24} Init median {figures['init_median_s']:.3f} s"
                    f"  max {figures['init_max_s']:.3f} s  back in {figures['state']}"
                    f" within {figures['back_in_state_max_s']:.3f} s",
                    file=sys.stderr,
                )
    worst = max(r["init_max_s"] for r in results.values())
    print(json.dumps({"target_s": TARGET_S, "worst_s": worst, "classes": results}, indent=2))
    if worst >= TARGET_S:
        sys.exit(1)


if __name__ == "__main__":
    main()
