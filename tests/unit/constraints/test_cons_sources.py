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


def test_the_interpolated_sun_agrees_with_a_full_astropy_transform() -> None:
    """Every reading between the cached nodes (and across midnight) within 0.005 deg."""
    import astropy.units as u
    from astropy.coordinates import AltAz, angular_separation, get_sun
    from astropy.time import Time

    start = datetime(2026, 12, 15, 12, 0, tzinfo=UTC).timestamp()
    for i in range(40):
        when = datetime.fromtimestamp(start + i * 4321.7, UTC)  # 48 h, off every node
        ra, dec = (i * 37.3) % 360.0, -70.0 + (i * 11.9) % 140.0
        t = Time(when)
        sun = get_sun(t)
        alt = sun.transform_to(AltAz(obstime=t, location=LA_PALMA.earth_location())).alt.deg
        separation = angular_separation(ra * u.deg, dec * u.deg, sun.ra, sun.dec).to_value(u.deg)
        assert sun_altitude_deg(when, LA_PALMA) == pytest.approx(float(alt), abs=0.005)
        assert sun_separation_deg(ra, dec, when) == pytest.approx(float(separation), abs=0.005)


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
