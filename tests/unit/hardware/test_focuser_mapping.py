"""The focuser's pure parts: travel bounds, focus keywords, INDI and Alpaca status mapping.

Also the INDI focuser's move bookkeeping, driven by property updates from a fake connection,
and the hardware variants naming each simulator's focuser.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alpaca import exceptions as ascom

from astrotango.clock.clocks import ManualClock
from astrotango.hardware import (
    ExposureRequest,
    FocuserInfo,
    FocuserStatus,
    HardwareError,
    HardwareFault,
    TaskInfo,
)
from astrotango.hardware.alpaca import AlpacaConfig
from astrotango.hardware.alpaca.focuser import AlpacaFocuser, FocuserReading
from astrotango.hardware.alpaca.focuser import focuser_status as alpaca_status
from astrotango.hardware.fits import exposure_header, focus_header
from astrotango.hardware.indi import IndiConfig, Prop, PropState
from astrotango.hardware.indi.focuser import IndiFocuser
from astrotango.hardware.indi.focuser import focuser_status as indi_status
from astrotango.launcher.config import devices_of
from astrotango.launcher.variants import FOCUSERS, hardware_variant

S = PropState
_ABORT = "FOCUS_ABORT_MOTION"
BASE = Path(__file__).resolve().parents[3] / "tango-db"


def position(state: PropState, steps: float, message: str = "") -> Prop:
    values = {"FOCUS_ABSOLUTE_POSITION": repr(steps)}
    return Prop("foc", "ABS_FOCUS_POSITION", "Number", state, values, message)


def temperature(state: PropState, celsius: float) -> Prop:
    return Prop("foc", "FOCUS_TEMPERATURE", "Number", state, {"TEMPERATURE": repr(celsius)})


# -- bounds and keywords ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        (0, ""),
        (100_000, ""),
        (-1, "position_steps: -1 is outside the focuser's travel 0..100000 steps"),
        (100_001, "position_steps: 100001 is outside the focuser's travel 0..100000 steps"),
    ],
)
def test_the_travel_bounds_every_position(steps: int, error: str) -> None:
    assert FocuserInfo(100_000).range_error(steps) == error


@pytest.mark.parametrize(
    ("max_steps", "step_um", "field"),
    [(0, None, "max_steps"), (2**31, None, "max_steps"), (10, 0.0, "step_size_um")],
)
def test_a_focuser_info_out_of_bounds_names_the_field(
    max_steps: int, step_um: float | None, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        FocuserInfo(max_steps, step_um)


def test_focus_keywords_give_position_temperature_and_fwhm() -> None:
    status = FocuserStatus(41_250, False, 7.456)
    assert focus_header(status) == {"FOCUSPOS": 41_250, "FOCTEMP": 7.46}
    assert focus_header(FocuserStatus(3), 2.34567) == {"FOCUSPOS": 3, "FWHM": 2.346}


def test_every_driver_header_carries_focuspos_when_there_is_a_focuser() -> None:
    request = ExposureRequest(10.0, TaskInfo("t", "o", "expose_1", "M31"))
    start = datetime(2026, 12, 15, 23, tzinfo=UTC)
    header = exposure_header(request, start, "cam", "r", None, FocuserStatus(1234, False, None))
    assert header["FOCUSPOS"] == 1234 and "FOCTEMP" not in header and "FWHM" not in header
    assert "FOCUSPOS" not in exposure_header(request, start, "cam", "r", None)


# -- INDI ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "pending", "fault", "expected"),
    [
        (position(S.OK, 50_000.0), False, "", FocuserStatus(50_000, False, 20.5)),
        (position(S.BUSY, 50_100.4), False, "", FocuserStatus(50_100, True, 20.5)),
        (position(S.OK, 50_000.0), True, "", FocuserStatus(50_000, True, 20.5)),
        (position(S.ALERT, 7.0, "stall"), False, "", FocuserStatus(7, False, 20.5, "stall")),
        (position(S.OK, 7.0), True, "no answer", FocuserStatus(7, False, 20.5, "no answer")),
    ],
)
def test_indi_focuser_status_table(
    prop: Prop, pending: bool, fault: str, expected: FocuserStatus
) -> None:
    assert indi_status(prop, temperature(S.IDLE, 20.5), pending=pending, fault=fault) == expected


def test_indi_temperature_is_none_without_the_property_or_in_alert() -> None:
    assert indi_status(position(S.OK, 1.0), None, pending=False).temperature_c is None
    alert = temperature(S.ALERT, 20.0)
    assert indi_status(position(S.OK, 1.0), alert, pending=False).temperature_c is None


class FakeConnection:
    """Holds one focuser's properties; a send marks the property Busy, as IndiConnection does."""

    def __init__(self, abort: bool = False) -> None:
        self.props: dict[str, Prop] = {}
        self.sent: list[tuple[str, dict[str, object]]] = []
        self.listener = None
        self.props["CONNECTION"] = Prop("foc", "CONNECTION", "Switch", S.OK, {"CONNECT": "On"})
        top = {"FOCUS_MAX_VALUE": "100000"}
        self.props["FOCUS_MAX"] = Prop("foc", "FOCUS_MAX", "Number", S.OK, top)
        self.props["ABS_FOCUS_POSITION"] = position(S.OK, 50_000.0)
        if abort:
            off = {"ABORT": "Off"}
            self.props["FOCUS_ABORT_MOTION"] = Prop("foc", _ABORT, "Switch", S.IDLE, off)

    def listen(self, listener) -> None:
        self.listener = listener

    def update(self, prop: Prop) -> None:
        self.props[prop.name] = prop
        self.listener(prop)

    def ready(self, device: str) -> None:
        pass

    def get(self, device: str, name: str) -> Prop | None:
        return self.props.get(name)

    def require(self, device: str, name: str) -> Prop:
        return self.props[name]

    def send(self, device: str, name: str, members: dict[str, object]) -> None:
        self.sent.append((name, dict(members)))
        self.props[name] = self.props[name].sent({k: str(v) for k, v in members.items()})


def test_an_indi_move_is_under_way_until_the_device_answers_at_the_target() -> None:
    conn = FakeConnection()
    focuser = IndiFocuser(conn, "foc", IndiConfig())  # type: ignore[arg-type]
    assert focuser.info() == FocuserInfo(100_000)
    focuser.move_to(60_000)
    assert conn.sent == [("ABS_FOCUS_POSITION", {"FOCUS_ABSOLUTE_POSITION": 60_000.0})]
    assert focuser.status().moving
    conn.update(position(S.OK, 50_000.0))  # a late answer to an earlier move: still moving
    assert focuser.status() == FocuserStatus(50_000, True)
    conn.update(position(S.OK, 60_000.0))
    assert focuser.status() == FocuserStatus(60_000, False)


def test_an_indi_move_ends_after_the_devices_own_busy_even_off_target() -> None:
    conn = FakeConnection()
    focuser = IndiFocuser(conn, "foc", IndiConfig())  # type: ignore[arg-type]
    focuser.move_to(60_000)
    conn.update(position(S.BUSY, 55_000.0))
    conn.update(position(S.OK, 59_998.0))  # a real focuser's backlash: the move is over
    assert focuser.status() == FocuserStatus(59_998, False)


def test_an_indi_move_refused_is_a_fault_until_the_next_move() -> None:
    conn = FakeConnection()
    focuser = IndiFocuser(conn, "foc", IndiConfig())  # type: ignore[arg-type]
    focuser.move_to(70_000)
    conn.update(position(S.ALERT, 50_000.0))
    status = focuser.status()
    assert not status.moving and "move to 70000 steps failed (Alert)" in status.fault
    focuser.move_to(50_000)
    assert focuser.status() == FocuserStatus(50_000, True)


def test_an_indi_move_outside_the_travel_is_refused_before_anything_is_sent() -> None:
    conn = FakeConnection()
    focuser = IndiFocuser(conn, "foc", IndiConfig())  # type: ignore[arg-type]
    with pytest.raises(HardwareError, match=r"position_steps: 100001 .* 0\.\.100000 steps"):
        focuser.move_to(100_001)
    assert conn.sent == []


def test_an_indi_focuser_without_abort_says_it_cannot_stop() -> None:
    focuser = IndiFocuser(FakeConnection(), "foc", IndiConfig())  # type: ignore[arg-type]
    with pytest.raises(HardwareFault, match="has no FOCUS_ABORT_MOTION"):
        focuser.stop()
    conn = FakeConnection(abort=True)
    stoppable = IndiFocuser(conn, "foc", IndiConfig())  # type: ignore[arg-type]
    stoppable.move_to(70_000)
    stoppable.stop()
    assert conn.sent[-1] == ("FOCUS_ABORT_MOTION", {"ABORT": "On"})


def test_a_lost_connection_forgets_the_move() -> None:
    conn = FakeConnection()
    focuser = IndiFocuser(conn, "foc", IndiConfig())  # type: ignore[arg-type]
    focuser.move_to(60_000)
    conn.props["ABS_FOCUS_POSITION"] = position(S.OK, 50_000.0)  # the fresh definition
    conn.listener(None)
    assert focuser.status() == FocuserStatus(50_000, False)


# -- Alpaca -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "commanded", "expected"),
    [
        (FocuserReading(100, False, 20.0), False, FocuserStatus(100, False, 20.0)),
        (FocuserReading(100, True, None), False, FocuserStatus(100, True, None)),
        (FocuserReading(100, False, None), True, FocuserStatus(100, True, None)),
        (FocuserReading(fault="gone"), True, FocuserStatus(0, False, None, "gone")),
    ],
)
def test_alpaca_focuser_status_table(
    reading: FocuserReading, commanded: bool, expected: FocuserStatus
) -> None:
    assert alpaca_status(reading, commanded=commanded) == expected


def test_the_configurations_name_no_focuser_unless_asked() -> None:
    assert IndiConfig().focuser is None and AlpacaConfig().focuser is None
    assert IndiConfig(focuser="Focuser Simulator").focuser == "Focuser Simulator"
    with pytest.raises(ValueError, match="focuser"):
        AlpacaConfig(focuser=-1)


@pytest.mark.parametrize("driver", sorted(FOCUSERS))
def test_the_variants_give_the_optical_telescopes_the_drivers_focuser(driver: str) -> None:
    documents = list(hardware_variant(BASE, driver).values())
    telescopes = devices_of(documents, "Telescope")
    for name in ("astro/telescope/t1", "astro/telescope/t2"):
        parameters = json.loads(telescopes[name]["DriverParameters"][0])
        assert parameters["focuser"] == FOCUSERS[driver], name
    base = devices_of([json.loads((BASE / "telescopes.json").read_text())], "Telescope")
    for name in ("astro/telescope/r1", "astro/telescope/r2"):
        assert "focuser" not in json.loads(base[name]["SimulatorParameters"][0])


class FakeFocuserDevice:
    """An alpyca Focuser's members, without a server."""

    address, device_type, device_number = "127.0.0.1:1", "Focuser", 0
    base_url = "http://127.0.0.1:1/api/v1/focuser/0"

    def __init__(self, absolute: bool = True, sensor: bool = True) -> None:
        self.Connected, self.Absolute, self.MaxStep, self.StepSize = False, absolute, 100_000, 1.5
        self.Position, self.IsMoving, self._sensor = 100, False, sensor
        self.moves: list[int] = []
        self.halts = 0

    @property
    def Temperature(self) -> float:
        if not self._sensor:
            raise ascom.NotImplementedException("no sensor")
        return 20.0

    def Move(self, position: int) -> None:
        self.moves.append(position)

    def Halt(self) -> None:
        self.halts += 1


class Readings:
    """The poller's side: the latest reading and its time, set by the test."""

    def __init__(self, device: FakeFocuserDevice, clock: ManualClock) -> None:
        self.device, self.clock = device, clock
        self.latest: tuple[datetime, FocuserReading] = (clock.now(), FocuserReading())

    def poll(self, focuser: AlpacaFocuser) -> None:
        self.latest = (self.clock.now(), focuser.read())

    def __call__(self) -> tuple[datetime, FocuserReading]:
        return self.latest


def alpaca_focuser(
    **device: bool,
) -> tuple[AlpacaFocuser, FakeFocuserDevice, Readings, ManualClock]:
    clock = ManualClock(datetime(2026, 12, 15, 23, tzinfo=UTC))
    fake = FakeFocuserDevice(**device)
    readings = Readings(fake, clock)
    focuser = AlpacaFocuser(fake, clock, readings, contextlib.nullcontext)  # type: ignore[arg-type]
    focuser.connect()
    readings.poll(focuser)
    return focuser, fake, readings, clock


def test_an_alpaca_move_is_under_way_until_a_reading_taken_after_it() -> None:
    focuser, fake, readings, clock = alpaca_focuser()
    assert fake.Connected and focuser.info() == FocuserInfo(100_000, 1.5)
    assert focuser.status() == FocuserStatus(100, False, 20.0)
    clock.advance(1.0)
    focuser.move_to(500)
    fake.Position = 500  # the simulator moves at once
    assert fake.moves == [500] and focuser.status() == FocuserStatus(100, True, 20.0)
    clock.advance(0.5)
    readings.poll(focuser)
    assert focuser.status() == FocuserStatus(500, False, 20.0)
    clock.advance(0.5)
    focuser.stop()
    assert fake.halts == 1 and focuser.status().moving  # until the next reading
    clock.advance(0.5)
    readings.poll(focuser)
    assert not focuser.status().moving


def test_an_alpaca_move_outside_the_travel_is_refused_before_it_is_sent() -> None:
    focuser, fake, _, _ = alpaca_focuser()
    with pytest.raises(HardwareError, match=r"position_steps: 100001 .* 0\.\.100000 steps"):
        focuser.move_to(100_001)
    assert fake.moves == []


def test_an_alpaca_focuser_without_a_sensor_or_relative() -> None:
    focuser, _, readings, _ = alpaca_focuser(sensor=False)
    assert readings()[1].temperature_c is None and focuser.status().temperature_c is None
    relative, _, readings, _ = alpaca_focuser(absolute=False)
    with pytest.raises(HardwareFault, match="relative"):
        relative.info()
    assert "relative" in relative.status().fault
