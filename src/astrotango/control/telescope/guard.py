"""The telescope's own guard: a fired interlock, daylight, bad weather and idleness make it safe.

The interlocks own the shutdown of the telescopes in their scope, but a telescope does not
rely on being told: it follows every interlock covering it and every gate it is configured to
close on, and

- refuses each command that opens, unparks, slews or exposes while an interlock covering it
  has fired (or cannot be read: fail-safe), and each that opens, unparks or slews while the
  sun is above its limit or one of its safing gates is bad;
- makes itself safe (SafeShutdown, which joins any shutdown already under way) when an
  interlock fires, a safing gate goes bad, the sun rises above its limit (optical: dawn) or
  it has had no work for ``idle_safe_after_s``; a ticker on the injected clock re-reads
  every interlock and gate (an event lost is made good within a tick) and re-checks, so a
  shutdown that failed is tried again while the reason holds.

"Safe" is defined once, in :func:`is_safe`: optical (with an enclosure) parked and enclosure
closed; radio (no enclosure) parked (stowed).
"""

from __future__ import annotations

import enum
import functools
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from astrotango.clock import Clock, Wake, spawn
from astrotango.control.proxies import AttributeEvent, ProxyError, ProxyFactory, Subscription
from astrotango.hardware import EnclosureState, Site, Telemetry, radec_to_altaz, sun_radec

__all__ = [
    "Action",
    "GuardSettings",
    "SafingRecord",
    "TelescopeGuard",
    "is_safe",
    "names",
    "sun_limit",
]


class Action(enum.StrEnum):
    """What a command asks of the hardware, as the guard judges it."""

    OPEN = "open the enclosure"
    UNPARK = "unpark"
    POINT = "slew and expose"  # ExecuteTask with a target
    EXPOSE = "expose"  # ExecuteTask without a target (darks, bias)


#: Actions that put the telescope in the weather or the sun.
_EXPOSED = frozenset({Action.OPEN, Action.UNPARK, Action.POINT})


def is_safe(telemetry: Telemetry) -> bool:
    """The one definition of "safe": parked, and the enclosure (if any) closed."""
    enclosure_closed = telemetry.enclosure.state in (EnclosureState.CLOSED, EnclosureState.NONE)
    return telemetry.mount.parked and enclosure_closed


@dataclass(frozen=True)
class GuardSettings:
    """What one telescope guards against.

    Attributes:
        interlocks: Interlock devices covering the telescope.
        safing_gates: Constraint devices whose gate going bad makes the telescope safe.
        sun_limit_deg: Sun altitude above which it closes and parks (None: no limit).
        idle_safe_after_s: Clock seconds without work after which it closes and parks
            (0: never).
        tick_s: Clock seconds between re-checks.
    """

    interlocks: tuple[str, ...] = ()
    safing_gates: tuple[str, ...] = ()
    sun_limit_deg: float | None = None
    idle_safe_after_s: float = 0.0
    tick_s: float = 30.0

    def __post_init__(self) -> None:
        if self.sun_limit_deg is not None and not -90.0 <= self.sun_limit_deg <= 90.0:
            raise ValueError("sun_limit_deg: must lie in -90..90 degrees")
        if self.idle_safe_after_s < 0 or self.tick_s <= 0:
            raise ValueError("idle_safe_after_s: must be >= 0 (and tick_s > 0)")


@dataclass(frozen=True)
class SafingRecord:
    """One time the guard made the telescope safe: when (clock time) and why."""

    at: datetime
    reason: str
    outcome: str = ""

    def as_dict(self) -> dict[str, str]:
        """JSON-ready."""
        return {"at": self.at.isoformat(), "reason": self.reason, "outcome": self.outcome}


class TelescopeGuard:
    """Follows the interlocks and gates of one telescope; refuses and safes on their word.

    Args:
        settings: What to guard against.
        proxies: Clients of the interlock and constraint devices.
        clock: The injected clock.
        site: Where the telescope stands (for the sun).
        telemetry: The latest measurement (None before the first).
        busy: Whether the telescope has work running or queued.
        make_safe: Starts (or joins) a SafeShutdown; told ``on_done(status_name, message)``.
        on_record: Told every safing the guard starts and how it ended.
        logger: Where to log.
    """

    def __init__(
        self,
        settings: GuardSettings,
        proxies: ProxyFactory,
        clock: Clock,
        site: Site,
        *,
        telemetry: Callable[[], Telemetry | None],
        busy: Callable[[], bool],
        make_safe: Callable[[Callable[[str, str], None]], None],
        on_record: Callable[[SafingRecord], None] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.settings, self._proxies, self._clock, self._site = settings, proxies, clock, site
        self._telemetry, self._busy, self._make_safe = telemetry, busy, make_safe
        self._on_record = on_record or (lambda _: None)
        self._logger = logger or logging.getLogger(__name__)
        self._lock = threading.Lock()
        #: Interlock -> fired (None: not known yet, or unreachable).
        self._fired: dict[str, bool | None] = dict.fromkeys(settings.interlocks)
        #: Gate -> OK (None: not known yet, or unreachable).
        self._gates: dict[str, bool | None] = dict.fromkeys(settings.safing_gates)
        self._subscriptions: list[Subscription] = []
        self._events_seen = 0  # events taken so far (a read begun before one is stale)
        self._stop = Wake()
        self._ticker: threading.Thread | None = None
        self._last_work = clock.now()
        self._safing: str = ""  # the reason of the shutdown under way ('' none)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Follow every interlock and gate; start the ticker."""
        self._stop.clear()
        followed = [(n, "fired", self._fired) for n in self.settings.interlocks]
        followed += [(n, "isOk", self._gates) for n in self.settings.safing_gates]
        for name, attribute, table in followed:
            try:
                client = self._proxies.device(name)
                callback = functools.partial(self._on_event, table)
                self._subscriptions.append(client.subscribe(attribute, callback))
            except ProxyError as exc:
                self._logger.warning("Guard cannot follow %s/%s yet: %s", name, attribute, exc)
        self._ticker = spawn(self._clock, self._tick, name="telescope-guard")

    def stop(self) -> None:
        """Stop following and ticking."""
        self._stop.set()
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions.clear()
        if self._ticker is not None:
            self._ticker.join(5.0)
            self._ticker = None

    # -- what a command may do ---------------------------------------------------------------

    def refusal(self, action: Action) -> str:
        """Why ``action`` is not allowed now ('' when it is)."""
        with self._lock:
            fired = [n for n, v in self._fired.items() if v]
            unknown = [n for n, v in self._fired.items() if v is None]
            bad = [n for n, v in self._gates.items() if v is not True]
        if fired:
            return f"interlock {fired[0]} has fired{self._reason_of(fired[0])}; Reset it first"
        if unknown:
            return f"interlock {unknown[0]} cannot be read (fail-safe: treated as fired)"
        if action not in _EXPOSED:
            return ""
        sun = self.sun_altitude_deg()
        limit = self.settings.sun_limit_deg
        if limit is not None and sun > limit:
            return f"the sun is at {sun:.1f} deg, above this telescope's limit of {limit:g} deg"
        if bad:
            with self._lock:
                state = "not OK" if self._gates[bad[0]] is False else "unknown"
            return f"safing gate {bad[0]} is {state}"
        return ""

    def _reason_of(self, interlock: str) -> str:
        try:
            reason = str(self._proxies.device(interlock).read("reason") or "")
        except ProxyError:
            return ""
        return f" ({reason})" if reason else ""

    def sun_altitude_deg(self, when: datetime | None = None) -> float:
        """The sun's altitude at the telescope (fast almanac formula), degrees."""
        when = when or self._clock.now()
        ra, dec = sun_radec(when)
        return radec_to_altaz(ra, dec, when, self._site)[0]

    def view(self) -> dict[str, Any]:
        """What the guard knows (JSON-ready): interlocks, gates, sun, the safing under way."""
        with self._lock:
            return {
                "interlocks": dict(self._fired),
                "safing_gates": dict(self._gates),
                "sun_altitude_deg": round(self.sun_altitude_deg(), 2),
                "sun_limit_deg": self.settings.sun_limit_deg,
                "idle_safe_after_s": self.settings.idle_safe_after_s,
                "safing": self._safing,
            }

    # -- following -------------------------------------------------------------------------

    def _on_event(self, table: dict[str, bool | None], event: AttributeEvent) -> None:
        value = None if event.error is not None or event.value is None else bool(event.value)
        self._take(table, event.device, value)

    def _take(
        self, table: dict[str, bool | None], name: str, value: bool | None, seen: int = -1
    ) -> None:
        """Record ``name``'s value (from an event, or a read begun at event count ``seen``)."""
        with self._lock:
            if seen >= 0 and self._events_seen != seen:
                return  # an event arrived during the read: it is the newer word
            if seen < 0:
                self._events_seen += 1
            before, table[name] = table.get(name), value
        if value == before:
            return
        if table is self._fired and value:
            self.check(f"interlock {name} fired")
        elif table is self._gates and value is False:
            self.check(f"safing gate {name} went bad")

    def _refresh(self) -> None:
        """Read every interlock and gate: events are for speed, reads for truth.

        A change whose event never arrives (a subscription still connecting while virtual
        time runs ahead, a dropped message) would otherwise hold the telescope closed, or
        open, until the next change. A failed read counts as unknown (fail-safe).
        """
        for table, attribute in ((self._fired, "fired"), (self._gates, "isOk")):
            for name in list(table):
                with self._lock:
                    seen = self._events_seen
                try:
                    raw = self._proxies.device(name).read(attribute)
                    value = None if raw is None else bool(raw)
                except ProxyError:
                    value = None
                self._take(table, name, value, seen)

    # -- safing ----------------------------------------------------------------------------

    def reason_to_be_safe(self, now: datetime) -> str:
        """Why the telescope should be safe now ('' when nothing asks it)."""
        with self._lock:
            fired = [n for n, v in self._fired.items() if v]
            bad = [n for n, v in self._gates.items() if v is False]
        if fired:
            return f"interlock {fired[0]} has fired"
        limit = self.settings.sun_limit_deg
        if limit is not None:
            sun = self.sun_altitude_deg(now)
            if sun > limit:
                return f"daylight: the sun is at {sun:.1f} deg (limit {limit:g} deg)"
        if bad:
            return f"safing gate {bad[0]} is not OK"
        idle_s = (now - self._last_work).total_seconds()
        if self.settings.idle_safe_after_s and idle_s >= self.settings.idle_safe_after_s:
            return f"idle for {idle_s / 60:.0f} min (limit {self.settings.idle_safe_after_s:g} s)"
        return ""

    def check(self, trigger: str = "") -> None:
        """Make the telescope safe if anything asks it and it is not (or not yet) safe."""
        now = self._clock.now()
        if self._busy() and not trigger:
            self._last_work = now
        reason = self.reason_to_be_safe(now)
        if not reason:
            return
        telemetry = self._telemetry()
        # Safe already: only a fired interlock also stops work done closed (darks, bias).
        interlocked = reason.startswith("interlock")
        if telemetry is not None and is_safe(telemetry) and not (interlocked and self._busy()):
            return
        with self._lock:
            if self._safing:
                return  # one under way; a failed one is tried again on the next tick
            self._safing = reason
        record = SafingRecord(now, reason)
        self._logger.warning("Making the telescope safe: %s", reason)
        self._on_record(record)

        def done(status: str, message: str) -> None:
            with self._lock:
                self._safing = ""
            self._last_work = self._clock.now()
            outcome = f"{status}: {message}"
            log = self._logger.info if status == "COMPLETED" else self._logger.error
            log("Safing (%s) ended %s", reason, outcome)
            self._on_record(SafingRecord(record.at, reason, outcome))

        self._make_safe(done)

    def note_work(self) -> None:
        """The telescope was given work now (resets the idle timer)."""
        self._last_work = self._clock.now()

    def _tick(self) -> None:
        while not self._stop.is_set():
            if self._clock.sleep(self.settings.tick_s, self._stop):
                return
            try:
                self._refresh()
                self.check()
            except Exception:  # the ticker thread's boundary: log, keep going
                self._logger.exception("Telescope guard check failed")


def names(value: Sequence[str] | None) -> tuple[str, ...]:
    """Device names from a property value (blank entries dropped)."""
    return tuple(n.strip() for n in value or () if n and n.strip())


def sun_limit(value: float) -> float | None:
    """A sun-limit property value: NaN means no limit."""
    return None if math.isnan(value) else value
