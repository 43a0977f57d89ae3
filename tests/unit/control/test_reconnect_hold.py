"""A subscription that lost its device holds virtual time until its next good event, boundedly."""

from __future__ import annotations

import threading
import time

import pytest

from astrotango.control import proxies
from astrotango.control.proxies import _ReconnectHold


class CountingClock:
    """Counts the busy pieces of work held on it."""

    def __init__(self) -> None:
        self.busy = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            self.busy += 1

    def release(self) -> None:
        with self._lock:
            self.busy -= 1


def test_an_outage_holds_once_until_the_next_good_event() -> None:
    clock = CountingClock()
    hold = _ReconnectHold(clock, "astro/constraint/rain/snapshot")  # type: ignore[arg-type]
    hold.lost()
    hold.lost()  # the keepalive's repeated errors: still one hold
    assert clock.busy == 1
    hold.restored()
    assert clock.busy == 0
    hold.restored()
    assert clock.busy == 0
    hold.lost()  # a new outage holds again
    assert clock.busy == 1
    hold.close()
    assert clock.busy == 0


def test_a_device_that_stays_down_holds_only_for_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(proxies, "_RECONNECT_HOLD_S", 0.05)
    clock = CountingClock()
    hold = _ReconnectHold(clock, "astro/telescope/t1/heartbeat")  # type: ignore[arg-type]
    hold.lost()
    deadline = time.monotonic() + 5.0
    while clock.busy and time.monotonic() < deadline:
        time.sleep(0.01)
    assert clock.busy == 0, "time moves on once the bound has passed"
    hold.lost()  # the same outage: no second hold (a dead device must be seen dead)
    assert clock.busy == 0
    hold.restored()
    hold.lost()
    assert clock.busy == 1
    hold.close()
