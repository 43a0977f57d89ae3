from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from astrotango.clock import ManualClock, ScaledClock, WallClock

T0 = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)


def test_wall_clock_is_utc_and_wakes_early() -> None:
    assert WallClock().now().tzinfo is UTC
    wake = threading.Event()
    wake.set()
    assert WallClock().sleep(10, wake) is True


def test_scaled_clock_runs_faster_than_real_time() -> None:
    clock = ScaledClock(T0, scale=3600)
    assert clock.sleep(360) is False  # 0.1 real seconds
    assert clock.now() - T0 >= timedelta(seconds=360)


@pytest.mark.parametrize("scale", [0, -1])
def test_scaled_clock_refuses_a_bad_scale(scale: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        ScaledClock(T0, scale)


def test_manual_clock_wakes_a_sleeper_only_when_advanced() -> None:
    clock = ManualClock(T0)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (clock.sleep(3600), done.set()))
    thread.start()
    assert not done.wait(0.2)
    clock.advance(1800)
    assert not done.wait(0.2)
    clock.advance(1800)
    assert done.wait(5)
    thread.join()
    assert clock.now() == T0 + timedelta(hours=1)


def test_clocks_refuse_naive_times() -> None:
    with pytest.raises(ValueError, match="start"):
        ManualClock(datetime(2026, 1, 1))


def test_a_shared_clock_spec_gives_every_process_the_same_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from astrotango.clock import SHARED_CLOCK_ENV, make_clock, shared_clock_spec

    epoch = time.time() - 10.0  # started 10 real seconds ago
    monkeypatch.setenv(SHARED_CLOCK_ENV, shared_clock_spec(T0, 60.0, epoch))
    a, b = make_clock(), make_clock(5.0, "2030-01-01T00:00:00Z")  # the variable wins
    assert abs((a.now() - b.now()).total_seconds()) < 60
    assert timedelta(minutes=9) < a.now() - T0 < timedelta(minutes=12)
    monkeypatch.setenv(SHARED_CLOCK_ENV, "nonsense")
    with pytest.raises(ValueError, match=SHARED_CLOCK_ENV):
        make_clock()
