"""A subscription whose events fail is stood in for by reads until its events flow again."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from astrotango.clock import ManualClock
from astrotango.control.proxies import AttributeEvent, ProxyError, _PollingStandIn


class Device:
    """What the stand-in uses of a TangoDeviceClient: name, clock, read."""

    def __init__(self) -> None:
        self.name = "astro/interlock/rain"
        self.clock = ManualClock(datetime(2026, 12, 15, 20, 0, tzinfo=UTC))
        self.value: Any = False
        self.reachable = True
        self.reads = 0

    def read(self, attribute: str) -> Any:
        self.reads += 1
        if not self.reachable:
            raise ProxyError(f"{self.name}/{attribute}: not exported")
        return self.value


def settle(predicate: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def step(device: Device) -> None:
    """One poll period; again if the poller was not yet asleep when time moved (a thread
    just started sleeps from the time it reads, so one advance may come too early)."""
    reads = device.reads
    for _ in range(5):
        device.clock.advance(_PollingStandIn.POLL_S)
        if settle(lambda: device.reads > reads, timeout_s=1.0):
            return
    raise AssertionError("no read after a poll period")


def test_errors_start_polling_and_a_good_event_ends_it() -> None:
    device = Device()
    seen: list[AttributeEvent] = []
    stand_in = _PollingStandIn(device, "fired", seen.append)  # type: ignore[arg-type]
    stand_in.heard(ok=False)  # the event channel could not be made
    step(device)
    assert [e.value for e in seen] == [False], "the first read is delivered"
    step(device)
    assert len(seen) == 1, "an unchanged value is not delivered again"
    device.value = True  # the interlock fires while its events are failing
    step(device)
    assert [e.value for e in seen] == [False, True]
    device.reachable = False
    step(device)
    assert seen[-1].error is not None and seen[-1].value is None, "a failed read is an error"
    stand_in.heard(ok=True)  # events flow again: polling stops
    reads = device.reads
    device.clock.advance(3 * _PollingStandIn.POLL_S)
    time.sleep(0.3)
    assert device.reads == reads


def test_a_closed_subscription_stops_polling() -> None:
    device = Device()
    stand_in = _PollingStandIn(device, "fired", lambda _: None)  # type: ignore[arg-type]
    stand_in.heard(ok=False)
    step(device)
    stand_in.close()
    stand_in.heard(ok=False)  # an error after closing starts nothing
    reads = device.reads
    device.clock.advance(3 * _PollingStandIn.POLL_S)
    time.sleep(0.3)
    assert device.reads == reads
