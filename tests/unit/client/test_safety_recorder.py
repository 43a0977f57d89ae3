"""The safety recorder over fake proxies: what it subscribes to, stamps and hands the oracle."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tango

from astrotango.client.safety_oracle import TelescopeKind
from astrotango.client.safety_recorder import SafetyRecorder

T0 = datetime(2026, 12, 15, 20, 0, tzinfo=UTC)
T1, R1 = "astro/telescope/t1", "astro/telescope/r1"
RAIN, CLOUDS = "astro/interlock/rain", "astro/constraint/clouds"
SITE = json.dumps(
    {
        "name": "La Palma",
        "latitude_deg": 28.76,
        "longitude_deg": -17.88,
        "elevation_m": 2396.0,
        "telescope_id": "t1",
    }
)


class FakeClock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        self.at += timedelta(minutes=minutes)


@dataclass
class Value:
    value: Any
    quality: tango.AttrQuality = tango.AttrQuality.ATTR_VALID


@dataclass
class Event:
    attr_value: Value | None
    err: bool = False
    errors: tuple[Any, ...] = ()


def dev_failed(text: str) -> tango.DevFailed:
    try:
        tango.Except.throw_exception("FAKE", text, "fake")
    except tango.DevFailed as exc:
        return exc
    raise AssertionError("unreachable")


class FakeProxy:
    """Attributes by name; a subscription gets the current value at once, as Tango sends it."""

    def __init__(self, **attributes: Any) -> None:
        self.attributes = attributes
        self.callbacks: dict[int, tuple[str, Callable[[Event], None]]] = {}
        self.unsubscribed: list[int] = []
        self.refusals: dict[str, int] = {}  # attribute -> subscriptions still to refuse
        self._next = 0

    def read_attribute(self, name: str) -> Value:
        if name not in self.attributes:
            raise dev_failed(f"no attribute {name}")
        return Value(self.attributes[name])

    def subscribe_event(
        self, name: str, kind: tango.EventType, callback: Callable[[Event], None]
    ) -> int:
        assert kind == tango.EventType.CHANGE_EVENT
        if name not in self.attributes:
            raise dev_failed(f"no attribute {name}")
        if self.refusals.get(name, 0) > 0:
            self.refusals[name] -= 1
            raise dev_failed("Failed to create connection to event! ZMQ message: Invalid argument")
        self._next += 1
        self.callbacks[self._next] = (name, callback)
        callback(Event(Value(self.attributes[name])))
        return self._next

    def unsubscribe_event(self, event_id: int) -> None:
        del self.callbacks[event_id]
        self.unsubscribed.append(event_id)

    def push(self, name: str, value: Any) -> None:
        self.attributes[name] = value
        for attribute, callback in list(self.callbacks.values()):
            if attribute == name:
                callback(Event(Value(value)))

    def push_error(self, name: str) -> None:
        for attribute, callback in list(self.callbacks.values()):
            if attribute == name:
                callback(Event(None, err=True, errors=(dev_failed("server gone").args[0],)))


def telescope(kind: str = "optical", **extra: Any) -> FakeProxy:
    attributes = {
        "kind": kind,
        "safingGates": [CLOUDS],
        "interlocks": [RAIN],
        "sunLimit": math.nan,
        "safe": True,
        "site": SITE,
        "enclosureOpen": False,
        "parked": True,
    }
    return FakeProxy(**(attributes | extra))


def storm(status: str, finished: bool) -> str:
    record: dict[str, Any] = {
        "reason": "rain > 0",
        "fired_at": (T0 + timedelta(minutes=30)).isoformat(),
        "telescopes": {T1: {"status": status, "result": [3, "mount stuck"]}},
    }
    if finished:
        record |= {"result": [3, "failed on t1"], "failed": [T1] if status != "COMPLETED" else []}
    return json.dumps(record)


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("astrotango.client.safety_recorder._SUBSCRIBE_RETRY_S", 0.0)


@pytest.fixture
def devices() -> dict[str, FakeProxy]:
    return {
        T1: telescope(),
        R1: telescope("radio", sunLimit=5.0),
        RAIN: FakeProxy(telescopes=[T1, R1], fired=False, lastShutdown="{}"),
        CLOUDS: FakeProxy(isOk=True),
    }


def test_a_night_heard_and_judged(devices: dict[str, FakeProxy]) -> None:
    clock = FakeClock()
    # Names as the caller qualifies them are the proxy factory's business.

    def proxy(name: str) -> FakeProxy:  # qualifying names is the factory's business
        if name.startswith("tango://"):
            assert name == "tango://host:10000/Astro/Telescope/R1"  # as given
            return devices[R1]
        return devices[name]

    recorder = SafetyRecorder([T1, "tango://host:10000/Astro/Telescope/R1"], proxy, clock)
    recorder.start()
    t1, rain, clouds = devices[T1], devices[RAIN], devices[CLOUDS]
    clock.advance(10)
    t1.push("parked", False)
    t1.push("enclosureOpen", True)
    clock.advance(20)
    rain.push("fired", True)
    rain.push("lastShutdown", storm("ACCEPTED", False))
    clock.advance(10)  # ten minutes open under a fired interlock
    t1.push("enclosureOpen", False)
    t1.push("parked", True)
    rain.attributes["lastShutdown"] = storm("FAILED", True)  # only read at the stop
    clock.advance(10)
    clouds.push("isOk", False)
    t1.push_error("parked")
    recorder.stop()
    record = recorder.record()
    assert record.start == T0
    [rec_t1, r1] = record.telescopes
    assert (rec_t1.name, rec_t1.kind, rec_t1.gates, rec_t1.interlocks) == (
        T1,
        TelescopeKind.OPTICAL,
        (CLOUDS,),
        (RAIN,),
    )
    assert rec_t1.sun_limit_deg is None and r1.sun_limit_deg == 5.0
    assert r1.name == R1 and r1.kind is TelescopeKind.RADIO
    assert rec_t1.site.latitude_deg == 28.76 and rec_t1.site.elevation_m == 2396.0
    assert [(s.at - T0, s.open, s.unparked) for s in rec_t1.samples] == [
        (timedelta(0), False, False),
        (timedelta(minutes=10), False, True),
        (timedelta(minutes=10), True, True),
        (timedelta(minutes=40), False, True),
        (timedelta(minutes=40), False, False),
    ]
    [interlock] = record.interlocks
    assert interlock.telescopes == (T1, R1)
    assert [(s.at - T0, s.fired) for s in interlock.samples] == [
        (timedelta(0), False),
        (timedelta(minutes=30), True),
    ]
    [shutdown] = interlock.shutdowns  # one storm: the final record replaced the first
    assert shutdown.finished and shutdown.failed == (T1,)
    [gate] = record.gates
    assert [(s.at - T0, s.ok) for s in gate.samples] == [
        (timedelta(0), True),
        (timedelta(minutes=50), False),
    ]
    assert [(at - T0, text.split(":")[0]) for at, text in recorder.errors] == [
        (timedelta(minutes=50), f"{T1}/parked")
    ]

    verdicts = {v.telescope: v for v in recorder.verdicts(T0 + timedelta(hours=2))}
    assert verdicts[T1].seconds_unsafe_interlock == 600.0 - 120.0
    assert verdicts[T1].failed_shutdowns == (
        f"{RAIN}: SafeShutdown fired 2026-12-15 20:30:00 (rain > 0): FAILED mount stuck",
    )
    assert verdicts[R1].ok
    # Unsubscribed from all: telescope x2, interlock x2, gate x1.
    assert len(t1.unsubscribed) == 2 and len(rain.unsubscribed) == 2 and clouds.unsubscribed
    recorder.stop()  # idempotent
    t1.push("enclosureOpen", True)
    assert len(recorder.record().telescopes[0].samples) == 5  # nothing heard after the stop


def test_what_cannot_be_read_or_subscribed_is_unchecked(devices: dict[str, FakeProxy]) -> None:
    del devices[T1].attributes["kind"]
    del devices[T1].attributes["parked"]
    del devices[CLOUDS].attributes["isOk"]
    devices[R1].attributes["site"] = "not json"
    recorder = SafetyRecorder([T1, R1], devices.__getitem__, FakeClock())
    recorder.start()
    recorder.stop()
    verdicts = {v.telescope: v for v in recorder.verdicts(T0 + timedelta(hours=1))}
    assert not verdicts[T1].ok and not verdicts[R1].ok
    assert verdicts[T1].total() == 0.0
    t1_unchecked = "\n".join(verdicts[T1].unchecked)
    assert f"{T1}/kind unreadable" in t1_unchecked
    assert f"{T1}/parked not subscribed" in t1_unchecked
    assert f"{CLOUDS}/isOk not subscribed" in t1_unchecked
    assert "no enclosure and mount state heard" in t1_unchecked
    assert any(f"{R1}/site unreadable" in text for text in verdicts[R1].unchecked)


def test_a_subscription_refused_at_first_is_tried_again(devices: dict[str, FakeProxy]) -> None:
    devices[RAIN].refusals["fired"] = 2  # the event consumer's connection failed twice
    recorder = SafetyRecorder([T1, R1], devices.__getitem__, FakeClock())
    recorder.start()
    devices[RAIN].push("fired", True)
    recorder.stop()
    verdicts = recorder.verdicts(T0 + timedelta(hours=1))
    assert all(v.unchecked == () for v in verdicts), [v.unchecked for v in verdicts]
    assert recorder.record().interlocks[0].samples[-1].fired, "its events are heard"


def test_a_subscription_refused_every_time_is_unchecked(devices: dict[str, FakeProxy]) -> None:
    devices[RAIN].refusals["fired"] = 99
    recorder = SafetyRecorder([T1, R1], devices.__getitem__, FakeClock())
    recorder.start()
    recorder.stop()
    for verdict in recorder.verdicts(T0 + timedelta(hours=1)):
        assert not verdict.ok and any(
            f"{RAIN}/fired not subscribed" in u for u in verdict.unchecked
        )


def test_an_unknown_device_and_an_extra_interlock(devices: dict[str, FakeProxy]) -> None:
    devices["astro/interlock/extra"] = FakeProxy(fired=False, lastShutdown="{}")  # no scope
    devices[T1].attributes["safingGates"] = ["astro/constraint/missing"]

    def proxy(name: str) -> FakeProxy:
        if name not in devices:
            raise dev_failed(f"{name} is not defined")
        return devices[name]

    recorder = SafetyRecorder([T1], proxy, FakeClock(), interlocks=["astro/interlock/extra"])
    recorder.start()
    recorder.stop()
    [verdict] = recorder.verdicts(T0 + timedelta(hours=1))
    text = "\n".join(verdict.unchecked)
    assert "astro/constraint/missing/isOk not subscribed: astro/constraint/missing is not" in text
    assert "astro/interlock/extra/telescopes unreadable" in text  # unknown scope: may cover it


def test_record_before_start_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        SafetyRecorder([T1], FakeProxy, FakeClock()).record()
