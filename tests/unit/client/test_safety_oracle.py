"""The safety oracle at fixed UTC times: unsafe seconds beyond the allowance, failed storms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, get_sun
from astropy.time import Time

from astrotango.client.safety_oracle import (
    DEFAULT_ALLOWANCE_S,
    FiredSample,
    GateRecord,
    GateSample,
    InterlockRecord,
    NightRecord,
    SafetyVerdict,
    ShutdownRecord,
    TelescopeKind,
    TelescopeRecord,
    TelescopeSample,
    all_ok,
    judge_night,
    safety_table,
    safety_text,
    verdict_notes,
    verdict_rows,
)
from astrotango.hardware import Site

LA_PALMA = Site("La Palma", 28.7606, -17.8792, 2396.0)
T1 = "astro/telescope/t1"
T2 = "astro/telescope/t2"
R1 = "astro/telescope/r1"
RAIN = "astro/interlock/rain"
GUSTS = "astro/interlock/gusts"
CLOUDS = "astro/constraint/clouds"
WIND = "astro/constraint/wind"
#: A dark December night at La Palma: the sun is far below any limit throughout.
START = datetime(2026, 12, 15, 20, 0, tzinfo=UTC)
END = START + timedelta(hours=8)
A = DEFAULT_ALLOWANCE_S


def at(minutes: float, start: datetime = START) -> datetime:
    return start + timedelta(minutes=minutes)


def scope(*steps: tuple[float, bool, bool], start: datetime = START) -> tuple[TelescopeSample, ...]:
    """``(minutes, open, unparked)`` samples."""
    return tuple(TelescopeSample(at(m, start), o, u) for m, o, u in steps)


def fired(*steps: tuple[float, bool]) -> tuple[FiredSample, ...]:
    return tuple(FiredSample(at(m), f) for m, f in steps)


def gate(*steps: tuple[float, bool]) -> tuple[GateSample, ...]:
    return tuple(GateSample(at(m), ok) for m, ok in steps)


def telescope(
    samples: tuple[TelescopeSample, ...],
    *,
    name: str = T1,
    kind: TelescopeKind = TelescopeKind.OPTICAL,
    sun_limit_deg: float | None = -12.0,
    gates: tuple[str, ...] = (CLOUDS,),
    interlocks: tuple[str, ...] = (),
) -> TelescopeRecord:
    return TelescopeRecord(name, kind, LA_PALMA, sun_limit_deg, samples, gates, interlocks)


CLOSED_PARKED = (0.0, False, False)


@dataclass(frozen=True)
class Case:
    telescope: TelescopeRecord
    interlocks: tuple[InterlockRecord, ...] = ()
    gates: tuple[GateRecord, ...] = ()
    expected: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """(interlock, sun, gates) seconds."""
    kwargs: dict[str, Any] = field(default_factory=dict)


def rain(*steps: tuple[float, bool], telescopes: tuple[str, ...] = (T1,)) -> InterlockRecord:
    return InterlockRecord(RAIN, telescopes, fired(*steps))


def clouds(*steps: tuple[float, bool], name: str = CLOUDS) -> GateRecord:
    return GateRecord(name, gate(*steps))


OBSERVING = (0.0, True, True)

CASES: dict[str, Case] = {
    "never opened, interlock and gate bad all night": Case(
        telescope(scope((0, False, False))),
        (rain((0, False), (30, True)),),
        (clouds((0, True), (30, False)),),
    ),
    "interlock: closed and parked within a minute": Case(
        telescope(scope(OBSERVING, (31, False, False))), (rain((0, False), (30, True)),)
    ),
    "interlock: safe exactly at the allowance": Case(
        telescope(scope(OBSERVING, (32, False, False))), (rain((0, False), (30, True)),)
    ),
    "interlock: safe one second after the allowance": Case(
        telescope(scope(OBSERVING, (32 + 1 / 60, False, False))),
        (rain((0, False), (30, True)),),
        expected=(1.0, 0.0, 0.0),
    ),
    "interlock: never safe, clipped at the night's end": Case(
        telescope(scope(OBSERVING)),
        (rain((0, False), (60, True)),),
        expected=(420 * 60 - A, 0.0, 0.0),
    ),
    "interlock: reset before the telescope opens": Case(
        telescope(scope((0, False, False), (90, True, True))),
        (rain((0, False), (30, True), (60, False)),),
    ),
    "interlock: opened while long fired counts from the opening": Case(
        telescope(scope((0, False, False), (60, True, True), (70, False, False))),
        (rain((0, False), (30, True)),),
        expected=(600.0, 0.0, 0.0),
    ),
    "interlock: closed but left unparked": Case(
        telescope(scope(OBSERVING, (31, False, True))),
        (rain((0, False), (30, True), (90, False)),),
        expected=(60 * 60 - A, 0.0, 0.0),
    ),
    "interlock: not in scope": Case(
        telescope(scope(OBSERVING)), (rain((0, False), (30, True), telescopes=(T2,)),)
    ),
    "interlock: in scope by the telescope's own list": Case(
        telescope(scope(OBSERVING, (40, False, False)), interlocks=(RAIN,)),
        (rain((0, False), (30, True), telescopes=()),),
        expected=(600.0 - A, 0.0, 0.0),
    ),
    "interlock: two overlapping are counted once": Case(
        telescope(scope(OBSERVING, (60, False, False))),
        (
            rain((0, False), (30, True)),
            InterlockRecord(GUSTS, (T1,), fired((0, False), (31, True))),
        ),
        expected=(30 * 60 - A, 0.0, 0.0),
    ),
    "interlock: fired before the record began gets its allowance from the start": Case(
        telescope(scope((-60, True, True), (10, False, False))),
        (rain((-30, True)),),
        expected=(600.0 - A, 0.0, 0.0),
    ),
    "interlock: samples after the end are ignored": Case(
        telescope(scope(OBSERVING, (490, False, False))),
        (rain((0, False), (470, True), (500, False)),),
        expected=(600.0 - A, 0.0, 0.0),
    ),
    "interlock: a later sample at the same time wins": Case(
        telescope(scope(OBSERVING, (30, False, False), (30, True, True), (40, False, False))),
        (rain((0, False), (30, True)),),
        expected=(600.0 - A, 0.0, 0.0),
    ),
    "radio: parked with its enclosure flag up is safe": Case(
        telescope(scope((0, True, False)), name=R1, kind=TelescopeKind.RADIO),
        (rain((0, False), (30, True), telescopes=(R1,)),),
        (clouds((0, False)),),
    ),
    "radio: unparked while fired": Case(
        telescope(scope((0, False, True), (40, False, False)), name=R1, kind=TelescopeKind.RADIO),
        (rain((0, False), (30, True), telescopes=(R1,)),),
        expected=(600.0 - A, 0.0, 0.0),
    ),
    "gate: safe within the allowance": Case(
        telescope(scope(OBSERVING, (101, False, False))), gates=(clouds((0, True), (100, False)),)
    ),
    "gate: bad for ten minutes while open": Case(
        telescope(scope(OBSERVING, (110, False, False))),
        gates=(clouds((0, True), (100, False)),),
        expected=(0.0, 0.0, 600.0 - A),
    ),
    "gate: bad, then ok again before the telescope closed": Case(
        telescope(scope(OBSERVING, (150, False, False))),
        gates=(clouds((0, True), (100, False), (110, True)),),
        expected=(0.0, 0.0, 600.0 - A),
    ),
    "gate: each going bad gets its own allowance": Case(
        telescope(scope(OBSERVING)),
        gates=(clouds((0, True), (100, False), (101, True), (102, False), (103, True)),),
    ),
    "gate: a constraint that is not one of its safing gates": Case(
        telescope(scope(OBSERVING)),
        gates=(clouds((0, True)), clouds((0, True), (100, False), name=WIND)),
    ),
    "gate: two bad gates are counted once": Case(
        telescope(scope(OBSERVING, (120, False, False)), gates=(CLOUDS, WIND)),
        gates=(clouds((0, True), (100, False)), clouds((0, True), (105, False), name=WIND)),
        expected=(0.0, 0.0, 1200.0 - A),
    ),
    "gate: bad until after the end": Case(
        telescope(scope(OBSERVING)),
        gates=(clouds((0, True), (470, False)),),
        expected=(0.0, 0.0, 600.0 - A),
    ),
    "everything at once is counted under each": Case(
        telescope(scope(OBSERVING, (60, False, False))),
        (rain((0, False), (30, True)),),
        (clouds((0, True), (30, False)),),
        expected=(1800.0 - A, 0.0, 1800.0 - A),
    ),
    "a larger allowance": Case(
        telescope(scope(OBSERVING, (40, False, False))),
        (rain((0, False), (30, True)),),
        expected=(0.0, 0.0, 0.0),
        kwargs={"allowance_s": 600.0},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_unsafe_seconds(case: Case) -> None:
    gates = case.gates or (clouds((0, True)),)  # a gate always good unless the case says
    night = NightRecord(START, (case.telescope,), case.interlocks, gates)
    [verdict] = judge_night(night, END, **case.kwargs)
    figures = (verdict.seconds_unsafe_interlock, verdict.seconds_sun_up, verdict.seconds_gates_bad)
    assert figures == pytest.approx(case.expected, abs=1e-6)
    assert verdict.ok is (case.expected == (0.0, 0.0, 0.0))
    assert verdict.total() == pytest.approx(sum(case.expected))


def test_each_unsafe_spell_says_when_and_under_what() -> None:
    record = telescope(scope((0, True, True), (40, False, False)))
    night = NightRecord(START, (record,), (rain((0, False), (30, True)),), (clouds((0, True)),))
    [verdict] = judge_night(night, END)
    assert verdict.spells == (
        "20:32:00-20:40:00 UTC: open or unparked with an interlock fired beyond the allowance",
    )
    assert verdict.as_dict()["spells"] == list(verdict.spells)
    assert f"{T1}: {verdict.spells[0]}" in verdict_notes([verdict])


# -- (b) the sun ----------------------------------------------------------------------------


def sun_crossing(lo: datetime, hi: datetime, limit_deg: float) -> datetime:
    """When the sun's altitude crosses ``limit_deg`` between ``lo`` and ``hi``, to 0.1 s."""
    location = EarthLocation.from_geodetic(
        LA_PALMA.longitude_deg * units.deg,
        LA_PALMA.latitude_deg * units.deg,
        LA_PALMA.elevation_m * units.m,
    )

    def altitude(when: datetime) -> float:
        time = Time(when)
        return float(get_sun(time).transform_to(AltAz(obstime=time, location=location)).alt.deg)

    rising = altitude(hi) > altitude(lo)
    while hi - lo > timedelta(seconds=0.1):
        middle = lo + (hi - lo) / 2
        if (altitude(middle) > limit_deg) == rising:
            hi = middle
        else:
            lo = middle
    return lo


DAY = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
DUSK = datetime(2026, 12, 15, 17, 30, tzinfo=UTC)
DAWN = datetime(2026, 12, 16, 6, 30, tzinfo=UTC)


def sun_verdict(
    start: datetime, steps: tuple[tuple[float, bool, bool], ...], limit: float | None, **kw: Any
) -> SafetyVerdict:
    record = telescope(scope(*steps, start=start), sun_limit_deg=limit, gates=(), **kw)
    [verdict] = judge_night(NightRecord(start, (record,)), start + timedelta(hours=3))
    return verdict


def test_sun_up_from_the_start_counts_beyond_the_allowance() -> None:
    verdict = sun_verdict(DAY, (OBSERVING, (60, False, False)), 0.0)
    assert verdict.seconds_sun_up == pytest.approx(3600.0 - A, abs=1e-3)
    assert not verdict.ok


def test_opened_in_daylight_counts_from_the_opening() -> None:
    verdict = sun_verdict(DAY, ((0, False, False), (30, True, False), (60, False, False)), 0.0)
    assert verdict.seconds_sun_up == pytest.approx(1800.0, abs=1e-3)


def test_open_before_sunset_counts_until_the_sun_crosses_the_limit() -> None:
    verdict = sun_verdict(DUSK, (OBSERVING,), -12.0)
    crossing = sun_crossing(DUSK, DUSK + timedelta(hours=3), -12.0)
    assert verdict.seconds_sun_up == pytest.approx((crossing - DUSK).total_seconds() - A, abs=1.0)


def test_open_through_sunrise_counts_from_the_allowance_after_the_crossing() -> None:
    verdict = sun_verdict(DAWN, (OBSERVING,), -12.0)
    crossing = sun_crossing(DAWN - timedelta(hours=1), DAWN + timedelta(hours=2), -12.0)
    expected = (DAWN + timedelta(hours=3) - crossing).total_seconds() - A
    assert DAWN < crossing < DAWN + timedelta(hours=1)
    assert verdict.seconds_sun_up == pytest.approx(expected, abs=1.0)


def test_closed_within_the_allowance_after_sunrise_is_safe() -> None:
    crossing = sun_crossing(DAWN, DAWN + timedelta(hours=2), -12.0)
    closed = (crossing - DAWN).total_seconds() / 60 + 1.5
    verdict = sun_verdict(DAWN, (OBSERVING, (closed, False, False)), -12.0)
    assert verdict.seconds_sun_up == 0.0
    assert verdict.ok


@pytest.mark.parametrize(
    ("start", "limit", "kind"),
    [
        (DAY, None, TelescopeKind.OPTICAL),  # no limit
        (DAY, 0.0, TelescopeKind.RADIO),  # radio telescopes observe by day
        (datetime(2026, 12, 15, 22, 0, tzinfo=UTC), -12.0, TelescopeKind.OPTICAL),  # night
        (DAY, 89.0, TelescopeKind.OPTICAL),  # a limit the December sun never reaches
    ],
)
def test_no_sun_time(start: datetime, limit: float | None, kind: TelescopeKind) -> None:
    assert sun_verdict(start, (OBSERVING,), limit, kind=kind).seconds_sun_up == 0.0


# -- failed shutdowns -----------------------------------------------------------------------


def storm(
    fired_at: datetime, finished: bool = True, **telescopes: tuple[str, int, str]
) -> dict[str, Any]:
    """A ``lastShutdown`` record as the interlock writes it (run_shutdown)."""
    record: dict[str, Any] = {
        "reason": "rain > 0",
        "fired_at": fired_at.isoformat(),
        "telescopes": {
            f"astro/telescope/{name}": {"status": status, "result": [code, text]}
            for name, (status, code, text) in telescopes.items()
        },
    }
    if finished:
        failed = [n for n, e in record["telescopes"].items() if e["status"] != "COMPLETED"]
        record |= {"result": [3 if failed else 0, "..."], "failed": failed}
    return record


SAFE = ("COMPLETED", 0, "safe")

STORMS: dict[str, tuple[dict[str, Any], dict[str, int]]] = {
    "every telescope safe": (storm(at(30), t1=SAFE, t2=SAFE), {}),
    "one failed": (storm(at(30), t1=SAFE, t2=("FAILED", 3, "mount stuck")), {T2: 1}),
    "completed but said it failed": (storm(at(30), t1=("COMPLETED", 3, "dome jammed")), {T1: 1}),
    "rejected": (storm(at(30), t1=("REJECTED", 5, "not allowed")), {T1: 1}),
    "named failed without an entry": (
        {**storm(at(30), t1=SAFE), "failed": [T2], "result": [3, "x"]},
        {T2: 1},
    ),
    "not finished long after firing": (
        storm(at(60), False, t1=SAFE, t2=("ACCEPTED", 0, "")),
        {T2: 1},
    ),
    "not finished, still inside the allowance": (
        storm(END - timedelta(seconds=60), False, t1=("ACCEPTED", 0, "")),
        {},
    ),
    "fired before the record began": (storm(at(-60), t1=("FAILED", 3, "old")), {}),
    "fired after the end": (storm(at(500), t1=("FAILED", 3, "later")), {}),
    "no time, not finished": (
        {"reason": "x", "fired_at": "garbage", "telescopes": {T1: {"status": "STARTING"}}},
        {T1: 1},
    ),
}


@pytest.mark.parametrize(("record", "failures"), STORMS.values(), ids=STORMS.keys())
def test_failed_shutdowns(record: dict[str, Any], failures: dict[str, int]) -> None:
    shutdown = ShutdownRecord.from_json(json.loads(json.dumps(record)))
    assert shutdown is not None
    night = NightRecord(
        START,
        (telescope(scope(CLOSED_PARKED)), telescope(scope(CLOSED_PARKED), name=T2)),
        (InterlockRecord(RAIN, (T1, T2), fired((0, False)), (shutdown,)),),
    )
    verdicts = {v.telescope: v for v in judge_night(night, END)}
    assert {
        name: len(v.failed_shutdowns) for name, v in verdicts.items() if v.failed_shutdowns
    } == (failures)
    for name in failures:
        assert not verdicts[name].ok
        assert all(
            text.startswith(f"{RAIN}: SafeShutdown fired")
            for text in verdicts[name].failed_shutdowns
        )


def test_a_failure_names_its_reason_status_and_message() -> None:
    shutdown = ShutdownRecord.from_json(storm(at(30), t1=("FAILED", 3, "mount stuck")))
    assert shutdown is not None
    [(name, text)] = shutdown.failures(END)
    assert name == T1
    assert text == "SafeShutdown fired 2026-12-15 20:30:00 (rain > 0): FAILED mount stuck"


def test_a_storm_naming_an_unrecorded_telescope_still_gets_a_verdict() -> None:
    shutdown = ShutdownRecord.from_json(storm(at(30), t9=("FAILED", 3, "gone")))
    assert shutdown is not None
    night = NightRecord(
        START,
        (telescope(scope(CLOSED_PARKED), gates=()),),
        (InterlockRecord(RAIN, (T1,), (), (shutdown,)),),
    )
    verdicts = judge_night(night, END)
    assert [(v.telescope, v.ok) for v in verdicts] == [(T1, True), ("astro/telescope/t9", False)]


@pytest.mark.parametrize("value", [{}, None, "text", []])
def test_an_empty_last_shutdown_is_no_storm(value: Any) -> None:
    assert ShutdownRecord.from_json(value) is None


def test_storms_are_told_apart_by_time_and_reason() -> None:
    first = ShutdownRecord.from_json(storm(at(30), False, t1=("ACCEPTED", 0, "")))
    last = ShutdownRecord.from_json(storm(at(30), t1=SAFE))
    other = ShutdownRecord.from_json(storm(at(90), t1=SAFE))
    assert first is not None and last is not None and other is not None
    assert first.key == last.key != other.key


# -- the verdicts ---------------------------------------------------------------------------


def test_a_gate_without_a_record_is_unchecked_not_ok() -> None:
    night = NightRecord(START, (telescope(scope(CLOSED_PARKED), gates=(CLOUDS, WIND)),))
    [verdict] = judge_night(night, END, allowance_s=A)
    assert verdict.total() == 0.0
    assert verdict.unchecked == (f"gate {CLOUDS}: no record", f"gate {WIND}: no record")
    assert not verdict.ok
    assert verdict_rows([verdict])[0][-1] == "UNCHECKED"


GOOD = SafetyVerdict(T1, TelescopeKind.OPTICAL, 0.0, 0.0, 0.0)
BAD = SafetyVerdict(
    "[red]t2", TelescopeKind.RADIO, 12.5, 0.0, 3.0, ("rain: SafeShutdown fired ...: FAILED x",)
)


def test_verdict_totals_dict_and_all_ok() -> None:
    assert GOOD.ok and GOOD.total() == 0.0
    assert not BAD.ok and BAD.total() == 15.5
    assert all_ok([GOOD]) and not all_ok([GOOD, BAD]) and all_ok([])
    data = json.loads(json.dumps(BAD.as_dict()))
    assert data == {
        "telescope": "[red]t2",
        "kind": "radio",
        "seconds_unsafe_interlock": 12.5,
        "seconds_sun_up": 0.0,
        "seconds_gates_bad": 3.0,
        "failed_shutdowns": ["rain: SafeShutdown fired ...: FAILED x"],
        "unchecked": [],
        "allowance_s": 120.0,
        "total_s": 15.5,
        "ok": False,
        "spells": [],
    }


def test_table_and_text() -> None:
    assert verdict_rows([GOOD, BAD]) == [
        (T1, "optical", "0", "0", "0", "0", "OK"),
        ("[red]t2", "radio", "12.5", "0", "3.0", "1", "UNSAFE"),
    ]
    assert safety_table([GOOD]).title == "Safety oracle (120 s allowance): all zero"
    text = safety_text([GOOD, BAD])
    assert "NOT ZERO" in text
    assert "[red]t2" in text  # names are text, never markup
    assert "[red]t2: rain: SafeShutdown fired ...: FAILED x" in text
    assert "all zero" in safety_text([])
