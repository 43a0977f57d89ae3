"""The safety recorder: hears a night's telescopes, interlocks and gates for the safety oracle.

:meth:`SafetyRecorder.start` (before the night begins) reads each telescope's static
attributes (``kind``, ``safingGates``, ``interlocks``, ``sunLimit``, ``site``) and each
interlock's scope (``telescopes``), then subscribes to the change events of each telescope's
``enclosureOpen`` and ``parked``, each interlock's ``fired`` and ``lastShutdown`` and each
safing gate's ``isOk``. Every event is stamped with the injected clock's ``now()`` (simulated
time) when it arrives. :meth:`~SafetyRecorder.stop` reads each interlock's last
``lastShutdown`` once more (the final record of a storm) and unsubscribes;
:meth:`~SafetyRecorder.verdicts` hands what was heard to
:func:`~astrotango.client.safety_oracle.judge_night`.

The static attributes are read at the start rather than at the end because they name the
gates and interlocks to subscribe to, and subscriptions must exist before the night does.

A refused subscription is tried again (``_SUBSCRIBE_ATTEMPTS`` times, ``_SUBSCRIBE_RETRY_S``
real seconds apart: cppTango's event consumer once failed every subscription to one server
with "ZMQ message: Invalid argument" under load). Anything that still cannot be read or
subscribed to is noted as *unchecked* on every telescope it
concerns, so its verdict is not OK: the oracle never reads zero for lack of data. Error
events (a device server restarting, say) keep the last value heard and are kept in
:attr:`SafetyRecorder.errors`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, cast

import tango

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
    judge_night,
)
from astrotango.clock import Clock, spawn
from astrotango.hardware import Site

__all__ = ["NowSource", "SafetyRecorder"]

#: Gives a client of a device by name (``tango.DeviceProxy`` or ``System.proxy``).
ProxyFactory = Callable[[str], tango.DeviceProxy]

#: Told each value heard, with the (simulated) time it arrived.
_OnValue = Callable[[datetime, Any], None]

_UNKNOWN_SITE = Site("unknown", 0.0, 0.0, 0.0)
_SUBSCRIBE_ATTEMPTS = 5
_SUBSCRIBE_RETRY_S = 1.0
_POLL_S = 5.0  # clock seconds between two reads of an attribute that could not be subscribed


class NowSource(Protocol):
    """The simulated time."""

    def now(self) -> datetime:
        """The current time, UTC-aware."""


def plain_name(device: str) -> str:
    """``tango://host:10000/Astro/Telescope/T1`` -> ``astro/telescope/t1`` (Tango ignores case)."""
    if device.startswith("tango://"):
        device = device.split("/", 3)[-1]
    return device.lower()


@dataclasses.dataclass
class _Telescope:
    name: str
    kind: TelescopeKind = TelescopeKind.OPTICAL
    site: Site = _UNKNOWN_SITE
    sun_limit_deg: float | None = None
    gates: tuple[str, ...] = ()
    interlocks: tuple[str, ...] = ()
    open: bool | None = None
    parked: bool | None = None
    samples: list[TelescopeSample] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Interlock:
    name: str
    telescopes: tuple[str, ...] = ()
    scope_known: bool = True
    samples: list[FiredSample] = dataclasses.field(default_factory=list)
    storms: dict[tuple[str, str], ShutdownRecord] = dataclasses.field(default_factory=dict)


class SafetyRecorder:
    """Records one night for the safety oracle.

    Args:
        telescopes: Telescope device names, as ``proxy`` takes them.
        proxy: Gives a device's ``tango.DeviceProxy`` (qualifying the name is its business).
        clock: The simulated time every event is stamped with.
        interlocks: Interlocks to follow besides those the telescopes name.
        allowance_s: Seconds a telescope has to become safe (see the oracle).
    """

    def __init__(
        self,
        telescopes: Iterable[str],
        proxy: ProxyFactory,
        clock: NowSource,
        *,
        interlocks: Iterable[str] = (),
        allowance_s: float = DEFAULT_ALLOWANCE_S,
    ) -> None:
        self._proxy_of = proxy
        self._clock = clock
        self._allowance_s = allowance_s
        self._address: dict[str, str] = {}  # plain name -> the name as given, for ``proxy``
        self._telescopes = {self._known(t): _Telescope(plain_name(t)) for t in telescopes}
        self._extra_interlocks = [self._known(i) for i in interlocks]
        self._interlocks: dict[str, _Interlock] = {}
        self._gates: dict[str, list[GateSample]] = {}
        self._problems: dict[str, list[str]] = {}
        self._proxies: dict[str, tango.DeviceProxy] = {}
        self._subscriptions: list[tuple[tango.DeviceProxy, int]] = []
        self._lock = threading.Lock()
        self._start: datetime | None = None
        self._listening = False
        self.errors: list[tuple[datetime, str]] = []
        """Error events heard, as ``(when, "device/attribute: text")``."""

    # -- the night ------------------------------------------------------------------------

    def start(self) -> None:
        """Read the static attributes and subscribe to every event; call before the night."""
        self._start = self._clock.now()
        self._listening = True
        for telescope in self._telescopes.values():
            self._read_telescope(telescope)
        names = [*self._extra_interlocks]
        names += [i for t in self._telescopes.values() for i in t.interlocks]
        for name in dict.fromkeys(names):
            interlock = self._interlocks[name] = _Interlock(name)
            scope = self._read(name, "telescopes", None)
            interlock.scope_known = scope is not None
            interlock.telescopes = tuple(plain_name(str(t)) for t in scope or ())
        for telescope in self._telescopes.values():
            self._subscribe(telescope.name, "enclosureOpen", self._on_telescope(telescope, "open"))
            self._subscribe(telescope.name, "parked", self._on_telescope(telescope, "parked"))
        for interlock in self._interlocks.values():
            self._subscribe(interlock.name, "fired", self._on_fired(interlock))
            self._subscribe(interlock.name, "lastShutdown", self._on_storm(interlock))
        for gate in dict.fromkeys(g for t in self._telescopes.values() for g in t.gates):
            self._gates[gate] = []
            self._subscribe(gate, "isOk", self._on_gate(gate))

    def stop(self) -> None:
        """Read the interlocks' final storm records, then unsubscribe everything; idempotent."""
        if not self._listening:
            return
        for interlock in self._interlocks.values():
            last = self._read(interlock.name, "lastShutdown", "{}")
            with self._lock:
                self._note_storm(interlock, last)
        with self._lock:
            self._listening = False
            subscriptions, self._subscriptions = self._subscriptions, []
        for proxy, event_id in subscriptions:
            with contextlib.suppress(tango.DevFailed):  # a device gone: nothing to unsubscribe
                proxy.unsubscribe_event(event_id)

    def record(self) -> NightRecord:
        """What has been heard so far, as the oracle's input.

        Raises:
            RuntimeError: If :meth:`start` was never called.
        """
        if self._start is None:
            raise RuntimeError("SafetyRecorder.record() before start()")
        with self._lock:
            telescopes = tuple(
                TelescopeRecord(
                    t.name,
                    t.kind,
                    t.site,
                    t.sun_limit_deg,
                    tuple(t.samples),
                    t.gates,
                    t.interlocks,
                    tuple(self._unchecked(t)),
                )
                for t in self._telescopes.values()
            )
            interlocks = tuple(
                InterlockRecord(i.name, i.telescopes, tuple(i.samples), tuple(i.storms.values()))
                for i in self._interlocks.values()
            )
            gates = tuple(GateRecord(name, tuple(s)) for name, s in self._gates.items())
        return NightRecord(self._start, telescopes, interlocks, gates)

    def verdicts(self, end_time: datetime) -> list[SafetyVerdict]:
        """The oracle's verdict on the night up to ``end_time`` (simulated), per telescope."""
        return judge_night(self.record(), end_time, allowance_s=self._allowance_s)

    # -- reading and subscribing ----------------------------------------------------------

    def _known(self, device: str) -> str:
        """Remember how ``device`` was first named; returns its plain name."""
        plain = plain_name(device)
        self._address.setdefault(plain, device)
        return plain

    def _proxy(self, device: str) -> tango.DeviceProxy:
        if device not in self._proxies:
            self._proxies[device] = self._proxy_of(self._address.get(device, device))
        return self._proxies[device]

    def _read(self, device: str, attribute: str, default: Any) -> Any:
        try:
            return self._proxy(device).read_attribute(attribute).value
        except tango.DevFailed as exc:
            self._problem(device, f"{device}/{attribute} unreadable: {_describe(exc)}")
            return default

    def _read_telescope(self, telescope: _Telescope) -> None:
        name = telescope.name
        kind = str(self._read(name, "kind", TelescopeKind.OPTICAL.value))
        if kind in {k.value for k in TelescopeKind}:
            telescope.kind = TelescopeKind(kind)
        else:
            self._problem(name, f"{name}/kind is {kind!r}: judged as optical")
        gates = self._read(name, "safingGates", ()) or ()
        telescope.gates = tuple(self._known(str(g)) for g in gates)
        covering = self._read(name, "interlocks", ()) or ()
        telescope.interlocks = tuple(self._known(str(i)) for i in covering)
        limit = float(self._read(name, "sunLimit", math.nan))
        telescope.sun_limit_deg = None if math.isnan(limit) else limit
        site = self._read(name, "site", None)
        if site is not None:
            try:
                data = json.loads(site)
                telescope.site = Site(
                    str(data.get("name", "")),
                    float(data["latitude_deg"]),
                    float(data["longitude_deg"]),
                    float(data["elevation_m"]),
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                self._problem(name, f"{name}/site unreadable: {site!r}")

    def _subscribe(self, device: str, attribute: str, on_value: _OnValue) -> None:
        def on_event(event: tango.EventData) -> None:
            now = self._clock.now()
            value = event.attr_value
            if event.err or value is None or value.quality == tango.AttrQuality.ATTR_INVALID:
                with self._lock:
                    self.errors.append((now, f"{device}/{attribute}: {_describe(event)}"))
                return
            with self._lock:
                if self._listening:
                    on_value(now, value.value)

        for attempt in range(_SUBSCRIBE_ATTEMPTS):
            try:
                proxy = self._proxy(device)
                event_id = proxy.subscribe_event(attribute, tango.EventType.CHANGE_EVENT, on_event)
            except tango.DevFailed as exc:
                if attempt + 1 < _SUBSCRIBE_ATTEMPTS:
                    time.sleep(_SUBSCRIBE_RETRY_S)  # before the night: time is held meanwhile
                    continue
                if not self._poll_instead(device, attribute, on_value):
                    self._problem(device, f"{device}/{attribute} not subscribed: {_describe(exc)}")
                return
            with self._lock:
                self._subscriptions.append((proxy, event_id))
            return

    def _poll_instead(self, device: str, attribute: str, on_value: _OnValue) -> bool:
        """Read ``attribute`` every ``_POLL_S`` clock seconds instead; False if it cannot.

        Only on a :class:`~astrotango.clock.Clock` (one that can sleep) and a readable
        attribute. The night is then heard to within ``_POLL_S``, noted in :attr:`errors`.
        """
        if not all(hasattr(self._clock, a) for a in ("sleep", "participant", "acquire")):
            return False
        clock = cast(Clock, self._clock)
        try:
            first = self._proxy(device).read_attribute(attribute).value
        except tango.DevFailed:
            return False
        now = clock.now()
        with self._lock:
            self.errors.append((now, f"{device}/{attribute}: not subscribed, polled instead"))
            if self._listening:
                on_value(now, first)

        def poll() -> None:
            last = first
            with tango.EnsureOmniThread():
                while self._listening:
                    clock.sleep(_POLL_S)
                    try:
                        value = self._proxy(device).read_attribute(attribute).value
                    except tango.DevFailed as exc:
                        with self._lock:
                            self.errors.append((clock.now(), f"{device}/{attribute}: {exc}"))
                        continue
                    with self._lock:
                        if self._listening and value != last:
                            last = value
                            on_value(clock.now(), value)

        spawn(clock, poll, name=f"recorder-poll-{attribute}")
        return True

    # -- events (each called under the lock with the time it arrived and its value) -------

    def _on_telescope(self, telescope: _Telescope, which: str) -> _OnValue:
        def on_value(now: datetime, value: Any) -> None:
            setattr(telescope, which, bool(value))
            if telescope.open is not None and telescope.parked is not None:
                telescope.samples.append(TelescopeSample(now, telescope.open, not telescope.parked))

        return on_value

    def _on_fired(self, interlock: _Interlock) -> _OnValue:
        def on_value(now: datetime, value: Any) -> None:
            interlock.samples.append(FiredSample(now, bool(value)))

        return on_value

    def _on_storm(self, interlock: _Interlock) -> _OnValue:
        def on_value(now: datetime, value: Any) -> None:
            self._note_storm(interlock, value)

        return on_value

    def _on_gate(self, gate: str) -> _OnValue:
        def on_value(now: datetime, value: Any) -> None:
            self._gates[gate].append(GateSample(now, bool(value)))

        return on_value

    def _note_storm(self, interlock: _Interlock, text: object) -> None:
        """Keep the latest record of each storm (a finished one is never replaced)."""
        try:
            storm = ShutdownRecord.from_json(json.loads(str(text)))
        except ValueError:
            self._problems.setdefault(interlock.name, []).append(
                f"{interlock.name}/lastShutdown is not JSON: {str(text)[:80]!r}"
            )
            return
        if storm is None:
            return
        storm = dataclasses.replace(
            storm,
            telescopes={plain_name(k): v for k, v in storm.telescopes.items()},
            failed=tuple(plain_name(n) for n in storm.failed),
        )
        kept = interlock.storms.get(storm.key)
        if kept is None or storm.finished or not kept.finished:
            interlock.storms[storm.key] = storm

    # -- problems -------------------------------------------------------------------------

    def _problem(self, device: str, text: str) -> None:
        with self._lock:
            self._problems.setdefault(device, []).append(text)

    def _unchecked(self, telescope: _Telescope) -> list[str]:
        """Problems with the telescope, its gates and the interlocks that may cover it."""
        covering = [
            i.name
            for i in self._interlocks.values()
            if telescope.name in i.telescopes or i.name in telescope.interlocks or not i.scope_known
        ]
        devices = dict.fromkeys([telescope.name, *telescope.gates, *covering])
        texts = [text for device in devices for text in self._problems.get(device, [])]
        if not telescope.samples:
            texts.append(f"{telescope.name}: no enclosure and mount state heard")
        return texts


def _describe(failure: tango.DevFailed | tango.EventData) -> str:
    errors = getattr(failure, "errors", None) or getattr(failure, "args", ()) or ()
    return "; ".join(str(getattr(e, "desc", e)).strip() for e in errors) or "Tango error"
