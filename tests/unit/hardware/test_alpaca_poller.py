"""The Alpaca driver's poller: failures reported, reconnection, readings overlapping commands."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from astrotango.clock.clocks import WallClock
from astrotango.hardware import HardwareFault, HardwareTimeout
from astrotango.hardware.alpaca.poller import Snapshot, SnapshotPoller
from astrotango.hardware.alpaca.transport import ServerTimeout, ServerUnreachable

NAME = "Alpaca server 127.0.0.1:1"


class FakeServer:
    """What the poller reads: a counter, or the failure it is told to raise."""

    def __init__(self) -> None:
        self.connects = 0
        self.value = 0
        self.failure: Exception | None = None
        self.gate = threading.Event()
        self.gate.set()
        self.reading = threading.Event()
        self.done = threading.Event()

    def connect(self) -> None:
        if self.failure is not None:
            raise self.failure
        self.connects += 1

    def read(self, when: datetime) -> int:
        value = self.value  # what the devices said when the read began
        self.reading.set()
        self.gate.wait(5.0)
        self.done.set()
        if self.failure is not None:
            raise self.failure
        return value


def poller_for(fake: FakeServer, seen: list[Snapshot[int]]) -> SnapshotPoller[int]:
    return SnapshotPoller(
        NAME,
        connect=fake.connect,
        read=fake.read,
        observe=seen.append,
        clock=WallClock(),
        period_s=0.05,
        stale_after_s=1.0,
        logger=logging.getLogger("test"),
    )


def eventually(what: str, check: Callable[[], bool], timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise AssertionError(f"{what}: not within {timeout_s} s")


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def seen() -> list[Snapshot[int]]:
    return []


@pytest.fixture
def poller(fake: FakeServer, seen: list[Snapshot[int]]) -> Iterator[SnapshotPoller[int]]:
    p = poller_for(fake, seen)
    yield p
    fake.gate.set()
    p.close()


def latest_value(poller: SnapshotPoller[int]) -> int | None:
    try:
        return poller.latest().value
    except (HardwareFault, HardwareTimeout):
        return None


def test_no_reading_before_the_first_poll(poller: SnapshotPoller[int]) -> None:
    with pytest.raises(HardwareFault, match="not connected yet"):
        poller.latest()


def test_loss_is_reported_and_the_poller_reconnects(
    poller: SnapshotPoller[int], fake: FakeServer
) -> None:
    fake.value = 1
    poller.start()
    eventually("first reading", lambda: latest_value(poller) == 1)
    fake.failure = ServerUnreachable(f"{NAME}: not reachable: Connection refused")
    with pytest.raises(HardwareFault, match="not reachable"):
        eventually("fault", lambda: latest_value(poller) is None)
        poller.latest()
    fake.failure, fake.value = None, 2
    eventually("reading after the loss", lambda: latest_value(poller) == 2)
    assert fake.connects == 2


def test_a_timeout_is_reported_as_a_timeout(poller: SnapshotPoller[int], fake: FakeServer) -> None:
    poller.start()
    eventually("first reading", lambda: latest_value(poller) == 0)
    fake.failure = ServerTimeout(f"{NAME}: telescope 0 Slewing did not answer within 2 s")
    eventually("timeout", lambda: latest_value(poller) is None)
    with pytest.raises(HardwareTimeout, match="did not answer"):
        poller.latest()


def test_a_reading_overlapping_a_command_is_discarded(
    poller: SnapshotPoller[int], fake: FakeServer, seen: list[Snapshot[int]]
) -> None:
    poller.start()
    eventually("first reading", lambda: latest_value(poller) == 0)
    fake.gate.clear()
    fake.reading.clear()
    eventually("a read under way", fake.reading.is_set)
    before = len(seen)
    with poller.command():
        fake.value = 1  # what the command changed: the read under way began before it
        fake.done.clear()
        fake.gate.set()
        eventually("the overlapping read ended", fake.done.is_set)
        assert latest_value(poller) == 0
        assert len(seen) == before  # discarded, not observed
    eventually("a reading after the command", lambda: latest_value(poller) == 1)
    assert all(s.value == 1 for s in seen[before:])
