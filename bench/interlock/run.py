"""Interlock latency: from the trigger reading to every SafeShutdown command accepted.

One device server subprocess holds a rain OperationalConstraint (fed by ``PushReading``), a
ShutdownInterlock triggered by that constraint, and N telescope doubles whose ``SafeShutdown``
records the wall time it was accepted. Each trial pushes a rain reading from this process and
measures, on the one host clock:

* ``end_to_end_ms``: from the ``PushReading`` call to the last telescope accepting SafeShutdown
  (constraint verdict -> snapshot event -> interlock -> N commands in parallel);
* ``interlock_ms``: the interlock's own figure (``lastShutdown.all_accepted_ms``), from the
  trigger event's arrival to the last acceptance;
* ``manual_ms``: the same for ``Fire(reason)`` called by a client.

Usage: ``python bench/interlock/run.py [--telescopes 3] [--trials 20]``; prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import tango
from tango.server import attribute, command
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode, ResultCode, TaskStatus
from astrotango.devices.base import AstroDevice
from astrotango.devices.constraint import OperationalConstraint
from astrotango.devices.interlock import ShutdownInterlock

TARGET_MS = 100.0


class BenchTelescope(AstroDevice):
    """Accepts SafeShutdown, records when (wall time), completes after 50 ms."""

    def init_device(self) -> None:
        self._accepted_at = 0.0
        super().init_device()

    def _shutdown(self, *, task_callback: Any, abort_event: Any) -> None:
        abort_event.wait(0.05)
        task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, "safe"))

    @command(dtype_out=tango.DevVarLongStringArray)
    def SafeShutdown(self) -> Any:
        self._accepted_at = time.time()
        return self.submit_lrc("SafeShutdown", self._shutdown)

    @attribute(dtype=float)
    def acceptedAt(self) -> float:
        return self._accepted_at


def _devices(telescopes: list[str]) -> list[dict[str, Any]]:
    interlock = {"Scope": "observatory", "Telescopes": telescopes}
    return [
        {
            "class": ShutdownInterlock,
            "devices": [
                {
                    "name": "bench/interlock/rain",
                    "properties": {
                        **interlock,
                        "TriggerKind": "constraint",
                        "TriggerDevice": "bench/constraint/rain",
                    },
                },
                {"name": "bench/interlock/manual", "properties": interlock},
            ],
        },
        {
            "class": OperationalConstraint,
            "devices": [
                {
                    "name": "bench/constraint/rain",
                    "properties": {"MaxValue": 0.0, "MaxDataAge": 3600.0, "StoreUrl": "none"},
                }
            ],
        },
        {"class": BenchTelescope, "devices": [{"name": n} for n in telescopes]},
    ]


def _wait(predicate: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("bench: condition not reached")
        time.sleep(0.002)


def _storm(proxy: tango.DeviceProxy, previous: str) -> dict[str, Any]:
    """Wait for a finished storm record newer than ``previous`` (its ``fired_at``)."""

    def finished() -> bool:
        record = json.loads(proxy.lastShutdown)
        return record.get("fired_at") != previous and "result" in record

    _wait(finished)
    return dict(json.loads(proxy.lastShutdown))


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "min": round(ordered[0], 2),
    }


def _run(names: list[str], trials: int) -> tuple[list[float], list[float], list[float]]:
    end_to_end: list[float] = []
    internal: list[float] = []
    manual: list[float] = []
    with MultiDeviceTestContext(_devices(names), process=True, timeout=60) as ctx:
        devices = {n: ctx.get_device(n) for n in [*names, "bench/constraint/rain"]}
        rain, interlock = devices["bench/constraint/rain"], ctx.get_device("bench/interlock/rain")
        manual_lock = ctx.get_device("bench/interlock/manual")
        for proxy in [*devices.values(), interlock, manual_lock]:
            proxy.adminMode = AdminMode.ONLINE
        rain.PushReading(0.0)
        _wait(lambda: interlock.triggerState == "CLEAR")
        time.sleep(0.5)  # let the interlocks subscribe to every telescope's _lrcEvent
        rain_fired = manual_fired = ""
        for trial in range(trials + 1):  # trial 0 warms up
            before = {n: devices[n].acceptedAt for n in names}
            start = time.time()
            rain.PushReading(2.0)
            _wait(lambda b=before: all(devices[n].acceptedAt > b[n] for n in names))
            done = max(devices[n].acceptedAt for n in names)
            record = _storm(interlock, rain_fired)
            rain_fired = record["fired_at"]
            if trial:
                end_to_end.append((done - start) * 1000.0)
                internal.append(float(record["all_accepted_ms"]))
            rain.PushReading(0.0)
            _wait(lambda: interlock.triggerState == "CLEAR")
            interlock.Reset()
            manual_lock.Fire(f"trial {trial}")
            record = _storm(manual_lock, manual_fired)
            manual_fired = record["fired_at"]
            if trial:
                manual.append(float(record["all_accepted_ms"]))
            manual_lock.Reset()
    return end_to_end, internal, manual


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--telescopes", type=int, default=3)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args(argv)
    names = [f"bench/telescope/{i}" for i in range(1, args.telescopes + 1)]
    stdout = os.dup(1)
    os.dup2(2, 1)  # the server subprocess prints to stdout: keep ours for the JSON alone
    try:
        end_to_end, internal, manual = _run(names, args.trials)
    finally:
        os.dup2(stdout, 1)
        os.close(stdout)
    result = {
        "benchmark": "interlock",
        "telescopes": args.telescopes,
        "trials": args.trials,
        "target_ms": TARGET_MS,
        "end_to_end_ms": _summary(end_to_end),
        "interlock_ms": _summary(internal),
        "manual_ms": _summary(manual),
        "meets_target": max(end_to_end) < TARGET_MS,
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["meets_target"] else 1)
