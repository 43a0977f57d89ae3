"""The Alpaca driver's pure parts: state tables, filter slots, frames, config, pixel order."""

from __future__ import annotations

import array
from datetime import UTC, datetime

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import TETE, SkyCoord
from astropy.time import Time
from pydantic import ValidationError

from astrotango.astro import configure_astropy
from astrotango.hardware import (
    EnclosureState,
    HardwareError,
    InstrumentState,
    MountLimits,
    MountState,
)
from astrotango.hardware.alpaca import (
    ALPACA_SERVER_ENV,
    AlpacaConfig,
    Frame,
    alpaca_server,
    frame_for,
    icrs_to_mount,
    mount_to_icrs,
)
from astrotango.hardware.alpaca.images import to_numpy
from astrotango.hardware.alpaca.mapping import (
    Phase,
    camera_state,
    mount_state,
    open_fraction,
    shutter_state,
    wheel_position,
)

configure_astropy()
WHEN = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "state", "fraction"),
    [
        (0, EnclosureState.OPEN, 1.0),
        (1, EnclosureState.CLOSED, 0.0),
        (2, EnclosureState.OPENING, 0.5),
        (3, EnclosureState.CLOSING, 0.5),
        (4, EnclosureState.FAULT, 0.5),
        (9, EnclosureState.FAULT, 0.5),
    ],
)
def test_shutter_status_maps_to_enclosure_state(
    status: int, state: EnclosureState, fraction: float
) -> None:
    assert shutter_state(status) is state
    assert open_fraction(state) == fraction


@pytest.mark.parametrize(
    ("status", "ready", "expecting", "state"),
    [
        (0, False, False, InstrumentState.IDLE),
        (0, True, False, InstrumentState.IDLE),  # someone else's image is not ours
        (5, False, False, InstrumentState.FAULT),
        (1, False, True, InstrumentState.EXPOSING),  # waiting to start
        (2, False, True, InstrumentState.EXPOSING),
        (2, True, True, InstrumentState.EXPOSING),  # a stale ImageReady while busy
        (3, False, True, InstrumentState.READING),
        (4, False, True, InstrumentState.READING),
        (0, True, True, InstrumentState.READY),
        (0, False, True, InstrumentState.READING),  # idle, image not there yet
        (5, True, True, InstrumentState.FAULT),
        (7, False, True, InstrumentState.FAULT),
    ],
)
def test_camera_state_maps_to_instrument_state(
    status: int, ready: bool, expecting: bool, state: InstrumentState
) -> None:
    assert camera_state(status, ready, expecting=expecting) is state


@pytest.mark.parametrize(
    ("at_park", "slewing", "tracking", "phase", "state"),
    [
        (True, False, False, Phase.NONE, MountState.PARKED),
        (True, False, False, Phase.UNPARKING, MountState.UNPARKING),
        (False, False, False, Phase.UNPARKING, MountState.UNPARKING),
        (False, False, False, Phase.NONE, MountState.IDLE),
        (False, False, True, Phase.NONE, MountState.TRACKING),
        (False, True, True, Phase.NONE, MountState.SLEWING),
        (False, False, True, Phase.SLEWING, MountState.SLEWING),  # not yet seen moving
        (False, False, True, Phase.SETTLING, MountState.SETTLING),
        (False, True, False, Phase.PARKING, MountState.PARKING),
        (False, False, False, Phase.PARKING, MountState.PARKING),
        (True, False, False, Phase.PARKING, MountState.PARKED),
    ],
)
def test_mount_state_table(
    at_park: bool, slewing: bool, tracking: bool, phase: Phase, state: MountState
) -> None:
    assert mount_state(at_park=at_park, slewing=slewing, tracking=tracking, phase=phase) is state


WHEEL = ("Red", "Green", "Blue", "Clear", "Luminance")


@pytest.mark.parametrize(
    ("name", "filters", "names", "mapping", "slot"),
    [
        ("clear", ("red", "green", "clear"), WHEEL, {}, 3),  # the wheel's name, any case
        ("g", ("g", "r", "i"), WHEEL, {}, 0),  # no name matches: the index in filters
        ("i", ("g", "r", "i"), WHEEL, {}, 2),
        ("clear", ("red", "clear"), WHEEL, {"clear": 4}, 4),  # the configured map wins
        ("r", ("g", "r"), (), {}, 1),  # wheel names unknown
    ],
)
def test_wheel_position(
    name: str, filters: tuple[str, ...], names: tuple[str, ...], mapping: dict[str, int], slot: int
) -> None:
    assert wheel_position(name, filters, names, mapping) == slot


def test_wheel_position_refuses_unknown_filters_and_missing_slots() -> None:
    with pytest.raises(HardwareError, match="no filter 'z'"):
        wheel_position("z", ("g", "r"), WHEEL, {})
    with pytest.raises(HardwareError, match="slot 7"):
        wheel_position("g", ("g",), WHEEL, {"g": 7})


@pytest.mark.parametrize(
    ("system", "configured", "frame"),
    [
        (1, "auto", Frame.JNOW),
        (2, "auto", Frame.J2000),
        (0, "auto", Frame.J2000),  # alpaca-simulators reports 0 for J2000
        (2, "jnow", Frame.JNOW),
        (1, "j2000", Frame.J2000),
    ],
)
def test_frame_for_equatorial_system(system: int, configured: str, frame: Frame) -> None:
    assert frame_for(system, configured) is frame


@pytest.mark.parametrize(("ra", "dec"), [(83.6, 22.0), (10.0, -60.0), (359.9, 89.0), (0.0, 0.0)])
def test_icrs_to_jnow_agrees_with_astropy_tete(ra: float, dec: float) -> None:
    ra_now, dec_now = icrs_to_mount(ra, dec, WHEN, Frame.JNOW)
    tete = SkyCoord(ra * u.deg, dec * u.deg).transform_to(TETE(obstime=Time(WHEN)))
    off = SkyCoord(ra_now * u.deg, dec_now * u.deg).separation(SkyCoord(tete.ra, tete.dec))
    assert off.arcsec < 0.01
    # and it is a real shift: 25 years of precession is about 0.35 degrees
    assert SkyCoord(ra * u.deg, dec * u.deg).separation(SkyCoord(tete.ra, tete.dec)).deg > 0.1


@pytest.mark.parametrize(("ra", "dec"), [(83.6, 22.0), (200.0, -45.0), (1.0, 85.0)])
def test_jnow_round_trip_is_exact(ra: float, dec: float) -> None:
    back = mount_to_icrs(*icrs_to_mount(ra, dec, WHEN, Frame.JNOW), WHEN, Frame.JNOW)
    error = SkyCoord(*back, unit="deg").separation(SkyCoord(ra, dec, unit="deg"))
    assert error.arcsec < 1e-3


def test_j2000_mounts_are_not_converted() -> None:
    assert icrs_to_mount(370.0, 10.0, WHEN, Frame.J2000) == (10.0, 10.0)
    assert mount_to_icrs(2700.0, 45.0, WHEN, Frame.J2000) == (180.0, 45.0)


def test_config_defaults_environment_and_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALPACA_SERVER_ENV, raising=False)
    assert AlpacaConfig().server == "127.0.0.1:11111"
    monkeypatch.setenv(ALPACA_SERVER_ENV, "obs.example:4567")
    assert AlpacaConfig().server == "obs.example:4567"
    assert alpaca_server("") == "obs.example:4567"
    assert alpaca_server("10.0.0.2:11111") == "10.0.0.2:11111"
    config = AlpacaConfig(server="10.0.0.2:11111", min_altitude_deg=20.0, dome=None)
    assert config.limits == MountLimits(20.0, 30.0) and config.dome is None
    with pytest.raises(ValidationError):
        AlpacaConfig(server="no-port")
    with pytest.raises(ValidationError):
        AlpacaConfig(telescopes=1)  # type: ignore[call-arg]


def test_image_bytes_become_numpy_y_x() -> None:
    # ImageBytes sends [x][y] with y fastest: pixel (x, y) = 10 * x + y, 3 wide, 2 high
    raw = array.array("H", [10 * x + y for x in range(3) for y in range(2)])
    image = to_numpy(raw, (3, 2, 0), 2)
    assert image.shape == (2, 3) and image.dtype == np.uint16
    assert image[1, 2] == 21 and image[0, 1] == 10
