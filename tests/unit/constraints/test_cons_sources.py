"""Reading sources on fakes, and the sun at fixed UTC times with real astropy."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from astrotango.clock import ManualClock
from astrotango.control.constraint import (
    AttributeSource,
    MountSunSource,
    SiteLocation,
    sun_altitude_deg,
    sun_separation_deg,
)

LA_PALMA = SiteLocation(28.7606, -17.8816, 2396.0)


@pytest.mark.parametrize(
    ("when", "low", "high"),
    [
        (datetime(2026, 12, 16, 1, 0, tzinfo=UTC), -88, -80),  # deep night
        (datetime(2026, 12, 16, 13, 10, tzinfo=UTC), 30, 40),
    ],  # near transit in December (lower culmination ~ -84.5 at 01:11)
)
def test_sun_altitude(when: datetime, low: float, high: float) -> None:
    assert low < sun_altitude_deg(when, LA_PALMA) < high


def test_sun_separation() -> None:
    when = datetime(2026, 12, 21, 12, 0, tzinfo=UTC)  # solstice: the sun near ra 270, dec -23.4
    assert sun_separation_deg(270.0, -23.4, when) < 1.0
    assert sun_separation_deg(90.0, 23.4, when) > 179.0


def test_attribute_source_delivers_values_and_skips_errors(proxies: Any) -> None:
    got: list[object] = []
    source = AttributeSource(proxies.device("astro/weather/1"), "windSpeed")
    source.start(got.append)
    device = proxies.device("astro/weather/1")
    device.emit("windSpeed", 4.2)
    device.emit("windSpeed", error="connection lost")
    device.emit("windSpeed", None)  # INVALID quality: delivered as garbage
    source.stop()
    device.emit("windSpeed", 9.9)
    assert got == [4.2, None]


def test_mount_sun_source_follows_position_events(proxies: Any, clock: ManualClock) -> None:
    got: list[float] = []
    source = MountSunSource(
        proxies.device("astro/telescope/t1"),
        clock,
        60.0,
        lambda ra, dec, t: abs(ra - 100.0) + 0 * dec,
    )
    source.start(lambda v: got.append(float(v)))  # type: ignore[arg-type]
    telescope = proxies.device("astro/telescope/t1")
    try:
        telescope.emit("ra", 130.0)
        assert got == []  # dec unknown yet: nothing to judge
        telescope.emit("dec", 10.0)
        assert got[-1] == 30.0
        telescope.emit("ra", "garbage")
        assert math.isnan(got[-1])
        telescope.emit("dec", error="heartbeat lost")
        count = len(got)
        clock.advance(60)
        time.sleep(0.2)
        assert len(got) == count  # position unknown: no readings, the gate will go stale
    finally:
        source.stop()
