"""Events in flight hold virtual time: the keeper waits until every subscriber has its event."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astrotango.clock import ledger, spawn
from astrotango.clock.virtual import ClockKeeper, VirtualClock

START = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)
DEVICE, ATTRIBUTE = "Astro/Scheduler/1", "nextBlocks"


@pytest.fixture
def clock(tmp_path: Path) -> Iterator[VirtualClock]:
    keeper = ClockKeeper(tmp_path / "clock.bin", START, stall_s=30.0).start()
    clock = VirtualClock(keeper.path)
    yield clock
    clock.close()
    keeper.stop()


def now_us() -> int:
    return time.time_ns() // 1000


def sleeping(clock: VirtualClock, seconds: float) -> threading.Thread:
    """A participant that sleeps ``seconds`` of simulated time, then ends."""

    def body() -> None:
        clock.sleep(seconds)

    return spawn(clock, body, name="sleeper")


def settle(clock: VirtualClock, real_s: float = 0.3) -> datetime:
    time.sleep(real_s)  # real time passing: virtual time may move in it, or must not
    return clock.now()


def test_time_holds_while_a_pushed_event_is_undelivered(clock: VirtualClock) -> None:
    receipt = clock.event_receipt(DEVICE.lower(), ATTRIBUTE)
    clock.event_pushing(DEVICE, ATTRIBUTE)  # pushed: on its way to the subscriber
    stamp = now_us()
    thread = sleeping(clock, 10.0)
    assert settle(clock) == START, "time moved with an event in flight"
    receipt.seen(stamp)  # it arrived (Tango stamps it inside the push: never earlier)
    thread.join(5.0)
    assert clock.now() == START + timedelta(seconds=10)


def test_an_older_event_arriving_does_not_settle_a_newer_push(clock: VirtualClock) -> None:
    receipt = clock.event_receipt(DEVICE, ATTRIBUTE)
    older = now_us()
    time.sleep(0.002)
    clock.event_pushing(DEVICE, ATTRIBUTE)
    receipt.seen(older)
    thread = sleeping(clock, 10.0)
    assert settle(clock) == START
    receipt.seen(now_us())
    thread.join(5.0)
    assert not thread.is_alive()


def test_pushes_before_a_subscription_and_closed_receipts_are_owed_nothing(
    clock: VirtualClock,
) -> None:
    clock.event_pushing(DEVICE, ATTRIBUTE)  # nobody subscribed yet
    time.sleep(0.002)
    clock.event_receipt(DEVICE, ATTRIBUTE)  # subscribed after it: not owed
    clock.event_receipt(DEVICE, "other")
    gone = clock.event_receipt(DEVICE, "gone")
    time.sleep(0.002)
    clock.event_pushing(DEVICE, "gone")
    gone.close()  # unsubscribed: the event will never come
    thread = sleeping(clock, 10.0)
    thread.join(5.0)
    assert clock.now() == START + timedelta(seconds=10)


def test_a_lost_event_holds_time_only_for_a_bounded_real_spell(
    clock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "LOST_AFTER_S", 0.5)
    clock.event_receipt(DEVICE, ATTRIBUTE)
    clock.event_pushing(DEVICE, ATTRIBUTE)  # never delivered (a server restarting)
    thread = sleeping(clock, 10.0)
    assert settle(clock, 0.2) == START
    thread.join(5.0)
    assert clock.now() == START + timedelta(seconds=10)
