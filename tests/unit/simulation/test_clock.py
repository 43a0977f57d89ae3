from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from astrotango.simulation import ManualClock, ScaledClock, WallClock

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
