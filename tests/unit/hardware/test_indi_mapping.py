"""The INDI driver's pure parts: state mapping, units, configuration, ICRS <-> JNow.

Also the mount's landing corrections, driven by property updates from a fake connection.
"""

from __future__ import annotations

from datetime import UTC, datetime

import astropy.units as u
import pytest
from astropy.coordinates import TETE, SkyCoord
from astropy.time import Time

from astrotango.astro import configure_astropy
from astrotango.clock.clocks import ManualClock
from astrotango.hardware import (
    EnclosureState,
    EquatorialPointing,
    HardwareError,
    HardwareFault,
    MountState,
    Site,
)
from astrotango.hardware.indi import IndiConfig, JNowFrame, Prop, PropState, indi_server
from astrotango.hardware.indi.mapping import (
    enclosure_status,
    filter_slot,
    frame_type,
    mount_state,
    weather_values,
)
from astrotango.hardware.indi.mount import IndiMount
from astrotango.hardware.sky import local_sidereal_time_deg

configure_astropy()
WHEN = datetime(2025, 3, 20, 22, 30, tzinfo=UTC)
SITE = Site("test", 30.0, -20.0, 100.0)
S = PropState


def switch(name: str, state: PropState, *on: str, members: tuple[str, ...] = ()) -> Prop:
    names = members or on
    return Prop("dev", name, "Switch", state, {m: "On" if m in on else "Off" for m in names})


def park(state: PropState, which: str) -> Prop:
    return switch("TELESCOPE_PARK", state, which, members=("PARK", "UNPARK"))


def coord(state: PropState, ra_h: float = 1.0, dec: float = 2.0) -> Prop:
    return Prop("dev", "EQUATORIAL_EOD_COORD", "Number", state, {"RA": str(ra_h), "DEC": str(dec)})


def track(on: bool) -> Prop:
    return switch(
        "TELESCOPE_TRACK_STATE",
        S.OK,
        "TRACK_ON" if on else "TRACK_OFF",
        members=("TRACK_ON", "TRACK_OFF"),
    )


@pytest.mark.parametrize(
    ("park_prop", "coord_state", "tracking", "expected"),
    [
        (park(S.OK, "PARK"), S.OK, False, MountState.PARKED),
        (park(S.IDLE, "PARK"), S.IDLE, False, MountState.PARKED),
        (park(S.BUSY, "PARK"), S.BUSY, False, MountState.PARKING),
        (park(S.BUSY, "UNPARK"), S.OK, False, MountState.UNPARKING),
        (park(S.OK, "UNPARK"), S.BUSY, True, MountState.SLEWING),
        (park(S.OK, "UNPARK"), S.OK, True, MountState.TRACKING),
        (park(S.OK, "UNPARK"), S.IDLE, False, MountState.IDLE),
        (None, S.OK, False, MountState.IDLE),
        (park(S.ALERT, "PARK"), S.OK, False, MountState.FAULT),
        (park(S.OK, "UNPARK"), S.ALERT, True, MountState.FAULT),
    ],
)
def test_mount_state(park_prop, coord_state, tracking, expected) -> None:
    assert mount_state(park_prop, coord(coord_state), track(tracking))[0] is expected


def test_mount_fault_carries_the_message() -> None:
    refused = Prop("dev", "EQUATORIAL_EOD_COORD", "Number", S.ALERT, {}, "slew refused: parked")
    assert mount_state(None, refused, None) == (MountState.FAULT, "slew refused: parked")
    assert mount_state(None, coord(S.ALERT), None)[1] == "dev EQUATORIAL_EOD_COORD: alert"


def shutter(state: PropState, which: str) -> Prop:
    return switch("DOME_SHUTTER", state, which, members=("SHUTTER_OPEN", "SHUTTER_CLOSE"))


@pytest.mark.parametrize(
    ("shutter_prop", "opening", "expected", "fraction"),
    [
        (shutter(S.OK, "SHUTTER_OPEN"), False, EnclosureState.OPEN, 1.0),
        (shutter(S.OK, "SHUTTER_CLOSE"), False, EnclosureState.CLOSED, 0.0),
        (shutter(S.IDLE, "SHUTTER_CLOSE"), False, EnclosureState.CLOSED, 0.0),
        (shutter(S.BUSY, "SHUTTER_OPEN"), False, EnclosureState.OPENING, 0.5),
        (shutter(S.BUSY, "SHUTTER_CLOSE"), False, EnclosureState.CLOSING, 0.5),
        (shutter(S.OK, "SHUTTER_CLOSE"), True, EnclosureState.OPENING, 0.0),  # unparking first
        (shutter(S.ALERT, "SHUTTER_OPEN"), False, EnclosureState.FAULT, 0.0),
    ],
)
def test_enclosure_status(shutter_prop, opening, expected, fraction) -> None:
    status = enclosure_status(shutter_prop, None, opening)
    assert (status.state, status.open_fraction) == (expected, fraction)


def test_a_dome_park_alert_is_an_enclosure_fault() -> None:
    stuck = Prop("dome", "DOME_PARK", "Switch", S.ALERT, {"PARK": "On"}, "motor stalled")
    status = enclosure_status(shutter(S.OK, "SHUTTER_CLOSE"), stuck, True)
    assert (status.state, status.fault) == (EnclosureState.FAULT, "motor stalled")


def test_frame_types_and_filter_slots() -> None:
    assert [frame_type(t) for t in ("object", "Bias", "dark", "FLAT")] == [
        "FRAME_LIGHT",
        "FRAME_BIAS",
        "FRAME_DARK",
        "FRAME_FLAT",
    ]
    with pytest.raises(HardwareError, match="frame type"):
        frame_type("spectrum")
    filters = ("g", "r", "i")
    assert filter_slot("r", filters, {}) == 2
    assert filter_slot("r", filters, {"r": 7}) == 7
    with pytest.raises(HardwareError, match="no filter"):
        filter_slot("z", filters, {})


def test_weather_values_convert_units_and_leave_out_the_unknown() -> None:
    params = Prop(
        "w",
        "WEATHER_PARAMETERS",
        "Number",
        S.OK,
        {
            "WEATHER_WIND_SPEED": "36",
            "WEATHER_WIND_GUST": "72",
            "WEATHER_RAIN_HOUR": "1.5",
            "WEATHER_TEMPERATURE": "12",
            "WEATHER_HUMIDITY": "80",
        },
    )
    assert weather_values(params) == pytest.approx(
        {"wind_speed": 10.0, "wind_gust": 20.0, "rain": 1.5, "humidity": 80.0}
    )


def test_a_sent_switch_turns_the_others_off_and_goes_busy() -> None:
    sent = park(S.OK, "UNPARK").sent({"PARK": "On"})
    assert sent.state is S.BUSY and sent.on("PARK") and not sent.on("UNPARK")
    assert coord(S.OK).sent({"RA": "3"}).values["RA"] == "1.0"  # numbers wait for the device


def test_server_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASTROTANGO_INDI_SERVER", raising=False)
    assert IndiConfig().address == ("127.0.0.1", 7624)
    assert indi_server("") == ("127.0.0.1", 7624)
    assert indi_server("indi.local") == ("indi.local", 7624)
    monkeypatch.setenv("ASTROTANGO_INDI_SERVER", "10.0.0.5:7000")
    assert IndiConfig().address == ("10.0.0.5", 7000)
    assert IndiConfig(server="host:1").address == ("host", 1)
    for bad in ("host:", "host:99999", ":7624"):
        with pytest.raises(ValueError, match="host:port"):
            IndiConfig(server=bad)
    with pytest.raises(ValueError, match="extra"):
        IndiConfig(dome_name="x")  # type: ignore[call-arg]
    assert IndiConfig(min_altitude_deg=20.0).limits.min_altitude_deg == 20.0


@pytest.mark.parametrize(("ra", "dec"), [(10.0, 20.0), (200.0, -60.0), (83.6, 22.0), (359.9, 89.5)])
def test_icrs_to_jnow_matches_astropy_tete(ra: float, dec: float) -> None:
    frame = JNowFrame()
    ra_now, dec_now = frame.to_jnow(ra, dec, WHEN)
    expected = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs").transform_to(
        TETE(obstime=Time(WHEN))
    )
    got = SkyCoord(ra_now * u.deg, dec_now * u.deg)
    assert got.separation(SkyCoord(expected.ra, expected.dec)).arcsec < 0.01
    back = SkyCoord(*frame.to_icrs(ra_now, dec_now, WHEN), unit="deg")
    assert back.separation(SkyCoord(ra * u.deg, dec * u.deg)).arcsec < 0.1
    # precession since J2000 is tens of arcseconds at least: the frames really differ
    assert got.separation(SkyCoord(ra * u.deg, dec * u.deg)).arcsec > 60.0


# -- the mount's landing corrections, on a fake connection -------------------------------


class FakeConnection:
    """Holds properties and records sends, like IndiConnection without a server."""

    def __init__(self) -> None:
        self.props: dict[str, Prop] = {}
        self.sent: list[tuple[str, dict]] = []
        self.listener = None
        self.up = True
        self.set(Prop("dev", "CONNECTION", "Switch", S.OK, {"CONNECT": "On", "DISCONNECT": "Off"}))
        self.set(park(S.OK, "UNPARK"))
        self.set(coord(S.OK))
        self.set(track(False))

    def set(self, prop: Prop) -> None:
        self.props[prop.name] = prop
        if self.listener is not None:
            self.listener(prop)

    def listen(self, listener) -> None:
        self.listener = listener

    def check(self) -> None:
        if not self.up:
            raise HardwareFault("INDI server x:1: connection lost")

    def ready(self, device: str) -> None:
        self.check()

    def get(self, device: str, name: str) -> Prop | None:
        return self.props.get(name)

    def require(self, device: str, name: str) -> Prop:
        self.check()
        return self.props[name]

    def send(self, device: str, name: str, members: dict) -> None:
        self.check()
        self.sent.append((name, dict(members)))


def jnow_of(ra: float, dec: float, clock: ManualClock) -> tuple[float, float]:
    ra_now, dec_now = JNowFrame().to_jnow(ra, dec, clock.now())
    return ra_now / 15.0, dec_now


def test_the_mount_reslews_until_it_lands_within_the_threshold() -> None:
    conn, clock = FakeConnection(), ManualClock(WHEN)
    mount = IndiMount(conn, "dev", SITE, IndiConfig(), clock)  # type: ignore[arg-type]
    target = EquatorialPointing(local_sidereal_time_deg(WHEN, SITE.longitude_deg), 20.0, "t")
    mount.slew(target)
    assert [name for name, _ in conn.sent] == ["ON_COORD_SET", "EQUATORIAL_EOD_COORD"]
    assert conn.sent[0][1] == {"TRACK": "On"}
    assert mount.position().state is MountState.SLEWING

    ra_h, dec = jnow_of(target.ra_deg, target.dec_deg, clock)
    conn.set(coord(S.OK, 0.0, 0.0))  # a stale update before the mount started: ignored
    assert len(conn.sent) == 2
    conn.set(coord(S.BUSY, ra_h, dec))
    conn.set(track(True))
    conn.set(coord(S.OK, ra_h + 120 / 54000, dec))  # landed 120 arcsec of RA behind
    assert len(conn.sent) == 3 and conn.sent[2][0] == "EQUATORIAL_EOD_COORD"
    assert mount.position().state is MountState.SLEWING and not mount.position().on_target

    conn.set(coord(S.BUSY, ra_h, dec))
    conn.set(coord(S.OK, ra_h + 0.5 / 54000, dec))  # 0.5 arcsec of RA: good
    status = mount.position()
    assert (status.state, status.on_target, len(conn.sent)) == (MountState.TRACKING, True, 3)
    assert abs(status.ra_deg - target.ra_deg) * 3600 < 1.0


def test_the_mount_gives_up_after_its_corrections() -> None:
    conn, clock = FakeConnection(), ManualClock(WHEN)
    config = IndiConfig(max_corrections=1)
    mount = IndiMount(conn, "dev", SITE, config, clock)  # type: ignore[arg-type]
    target = EquatorialPointing(local_sidereal_time_deg(WHEN, SITE.longitude_deg), 20.0, "t")
    mount.slew(target)
    ra_h, dec = jnow_of(target.ra_deg, target.dec_deg, clock)
    for _ in range(2):
        conn.set(coord(S.BUSY, ra_h, dec))
        conn.set(coord(S.OK, ra_h + 60 / 54000, dec))
    status = mount.position()
    assert status.state is MountState.FAULT and "after 2 slews" in status.fault
    assert len(conn.sent) == 3


def test_the_mount_refuses_while_parked_and_disconnected() -> None:
    conn, clock = FakeConnection(), ManualClock(WHEN)
    mount = IndiMount(conn, "dev", SITE, IndiConfig(), clock)  # type: ignore[arg-type]
    conn.set(park(S.OK, "PARK"))
    with pytest.raises(HardwareFault, match="parked"):
        mount.slew(EquatorialPointing(0.0, 0.0))
    conn.up = False
    with pytest.raises(HardwareFault, match="connection lost"):
        mount.position()
