"""Injected time: the wall clock in production, a scaled or stepped clock for demos and tests.

Everything that waits or timestamps takes a :class:`Clock`, so a whole night runs in a minute
and monitors with hour-long thresholds are testable. Times are timezone-aware UTC datetimes.
A simulated system runs on virtual time (:mod:`astrotango.clock.virtual`); every
wait for a simulated duration goes through the clock: :meth:`Clock.sleep` (with a
:class:`~astrotango.clock.virtual.Wake` as its wake event) and :meth:`Clock.wait_for`
(on a :class:`~astrotango.clock.virtual.ClockCondition`), inside
:meth:`Clock.participant` for a clock-driven thread.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from astrotango.clock.ledger import Receipt

__all__ = [
    "SHARED_CLOCK_ENV",
    "VIRTUAL",
    "Clock",
    "ManualClock",
    "ScaledClock",
    "WallClock",
    "make_clock",
    "set_thread_context",
    "shared_clock",
    "shared_clock_spec",
    "spawn",
    "to_grid",
    "virtual_clock_spec",
]


class Clock(Protocol):
    """A source of UTC time that can also wait."""

    def now(self) -> datetime:
        """The current time (timezone-aware UTC)."""
        ...

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        """Wait ``seconds`` of this clock's time; return True early if ``wake`` is set."""
        ...

    def wait_for(
        self, cond: threading.Condition, predicate: Callable[[], bool], timeout_s: float | None
    ) -> bool:
        """``cond.wait_for`` with the timeout in this clock's seconds (holding ``cond``)."""
        ...

    def participant(self) -> contextlib.AbstractContextManager[None]:
        """A clock-driven thread's body: on virtual time it is busy but while it waits."""
        ...

    def event_pushing(self, device: str, attribute: str) -> None:
        """An event of ``device``/``attribute`` is about to be pushed (virtual: it is owed)."""
        ...

    def event_receipt(self, device: str, attribute: str) -> Receipt:
        """A new subscription's receipt (virtual: owed each later push until it arrives)."""
        ...

    def hold(self) -> contextlib.AbstractContextManager[None]:
        """A block during which time must not move (virtual time; elsewhere nothing)."""
        ...

    def settle(self) -> None:
        """Return once everything else due at this instant is done.

        Virtual time: once the instant is over for every other participant. Elsewhere at once.
        """
        ...

    def acquire(self) -> None:
        """Count one busy piece of work, to be released by :meth:`release` (any thread)."""
        ...

    def release(self) -> None:
        """End a piece of work counted by :meth:`acquire`."""
        ...


#: What every thread started by :func:`spawn` runs inside (set once per process by
#: :func:`set_thread_context`; a device server registers its threads with omniORB).
_THREAD_CONTEXT: list[Callable[[], contextlib.AbstractContextManager[Any]]] = []


def set_thread_context(factory: Callable[[], contextlib.AbstractContextManager[Any]]) -> None:
    """Run every thread :func:`spawn` starts from now on inside ``factory()``.

    A Tango device server sets ``tango.EnsureOmniThread``: Python threads that call Tango's
    client API (subscriptions above all) must be known to omniORB.
    """
    _THREAD_CONTEXT[:] = [factory]


def spawn(clock: Clock, target: Callable[[], None], *, name: str) -> threading.Thread:
    """Start a daemon thread, a participant of ``clock`` from the moment it is started.

    Time cannot move between the start and the thread's first wait. The thread runs inside
    the context :func:`set_thread_context` set, if any.
    """
    clock.acquire()
    context = _THREAD_CONTEXT[0] if _THREAD_CONTEXT else contextlib.nullcontext

    def run() -> None:
        with context(), clock.participant():
            clock.release()
            target()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


class _RealTimeWaits:
    """What the real-time clocks share: nothing to participate in, waits in scaled seconds."""

    scale = 1.0

    def wait_for(
        self, cond: threading.Condition, predicate: Callable[[], bool], timeout_s: float | None
    ) -> bool:
        """``cond.wait_for`` with ``timeout_s`` of this clock's time."""
        return cond.wait_for(predicate, None if timeout_s is None else timeout_s / self.scale)

    @contextlib.contextmanager
    def participant(self) -> Iterator[None]:
        """Nothing to count on real time."""
        yield

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Real time does not stand still."""
        yield

    def settle(self) -> None:
        """Real time has no instants to wait out."""

    def acquire(self) -> None:
        """Nothing to count on real time."""

    def release(self) -> None:
        """Nothing to count on real time."""

    def event_pushing(self, device: str, attribute: str) -> None:
        """Real time waits for no event."""

    def event_receipt(self, device: str, attribute: str) -> Receipt:
        """A receipt that records nothing."""
        return Receipt()


class WallClock(_RealTimeWaits):
    """Real time."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        """Wait real seconds; True if ``wake`` was set first."""
        if wake is None:
            time.sleep(max(0.0, seconds))
            return False
        return wake.wait(max(0.0, seconds))


class ScaledClock(_RealTimeWaits):
    """Simulated time running ``scale`` times faster than real time from ``start``.

    Args:
        start: The simulated time at ``epoch``.
        scale: Simulated seconds per real second (> 0).
        epoch: The real (unix) time at which the simulated time is ``start``; by default
            now. Processes given the same start, scale and epoch share one simulated time.
    """

    def __init__(self, start: datetime, scale: float, epoch: float | None = None) -> None:
        if scale <= 0:
            raise ValueError("scale: must be greater than 0")
        if start.tzinfo is None:
            raise ValueError("start: must be timezone-aware")
        self._start = start.astimezone(UTC)
        self._epoch = time.time() if epoch is None else epoch
        self.scale = scale

    def now(self) -> datetime:
        """The simulated UTC time."""
        return self._start + timedelta(seconds=(time.time() - self._epoch) * self.scale)

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        """Wait ``seconds`` of simulated time (``seconds / scale`` real seconds)."""
        return WallClock().sleep(seconds / self.scale, wake)


class ManualClock(_RealTimeWaits):
    """Time that moves only when a test advances it; sleepers wake when their time comes.

    Args:
        start: The initial time (timezone-aware).
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start: must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._cond = threading.Condition()

    def now(self) -> datetime:
        """The current manual time."""
        with self._cond:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move time forward and wake every sleeper whose deadline has passed."""
        with self._cond:
            self._now += timedelta(seconds=seconds)
            self._cond.notify_all()
            return self._now

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        """Block until the clock has been advanced by ``seconds``, or ``wake`` is set."""
        with self._cond:
            deadline = self._now + timedelta(seconds=seconds)
            while self._now < deadline:
                if wake is not None and wake.is_set():
                    return True
                self._cond.wait(0.05)
            return wake is not None and wake.is_set()

    def wait_for(
        self, cond: threading.Condition, predicate: Callable[[], bool], timeout_s: float | None
    ) -> bool:
        """``cond.wait_for`` until the clock has been advanced by ``timeout_s``."""
        deadline = None if timeout_s is None else self.now() + timedelta(seconds=timeout_s)
        while not predicate():
            if deadline is not None and self.now() >= deadline:
                return predicate()
            cond.wait(0.05)
        return True


#: The ``time_scale`` of a system on virtual time (:mod:`astrotango.clock.virtual`).
VIRTUAL = 0.0

#: ``START_ISO*SCALE@EPOCH`` (scaled) or ``virtual:PATH`` (virtual time): one simulated time for
#: every process of a system (the launcher sets it for a simulated night); it overrides the
#: devices' clock properties.
SHARED_CLOCK_ENV = "ASTROTANGO_SIM_CLOCK"


def shared_clock_spec(start: datetime, scale: float, epoch: float) -> str:
    """The value of :data:`SHARED_CLOCK_ENV` for a simulated time shared by processes."""
    return f"{start.astimezone(UTC).isoformat()}*{scale}@{epoch}"


def virtual_clock_spec(path: Path) -> str:
    """The value of :data:`SHARED_CLOCK_ENV` for the virtual clock kept in ``path``."""
    return f"virtual:{path}"


def shared_clock(spec: str) -> Clock:
    """The clock a :func:`shared_clock_spec` or :func:`virtual_clock_spec` value describes.

    Raises:
        ValueError: naming the variable, when the value is malformed.
    """
    if spec.startswith("virtual:"):
        from astrotango.clock.virtual import virtual_clock

        try:
            return virtual_clock(Path(spec.removeprefix("virtual:")))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{SHARED_CLOCK_ENV}: no virtual clock at {spec} ({exc})") from exc
    try:
        rest, epoch = spec.rsplit("@", 1)
        start_text, scale_text = rest.rsplit("*", 1)
        return ScaledClock(datetime.fromisoformat(start_text), float(scale_text), float(epoch))
    except ValueError as exc:
        raise ValueError(f"{SHARED_CLOCK_ENV}: expected START*SCALE@EPOCH ({exc})") from exc


def make_clock(scale: float = 1.0, start_iso: str = "") -> Clock:
    """The clock a device's ``ClockScale`` and ``SimulationStart`` properties describe.

    ``$ASTROTANGO_SIM_CLOCK``, when set, wins: every process then shares one simulated time.
    Otherwise real time (``WallClock``) for scale 1 and no start, else a ``ScaledClock`` from
    ``start_iso`` (ISO 8601, UTC when no offset is given) or from now.

    Raises:
        ValueError: a bad start time, scale or shared-clock specification.
    """
    shared = os.environ.get(SHARED_CLOCK_ENV, "")
    if shared:
        return shared_clock(shared)
    start = None
    if start_iso:
        parsed = datetime.fromisoformat(start_iso)
        start = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if start is None and scale == 1.0:
        return WallClock()
    return ScaledClock(start or datetime.now(UTC), scale)


def to_grid(clock: Clock, period_s: float) -> float:
    """Seconds from now to the next multiple of ``period_s`` on the clock (at most a period).

    Periodic loops of every process then meet at the same instants (on virtual time, fewer
    instants), whenever each began or was last woken early.
    """
    phase = clock.now().timestamp() % period_s
    left = period_s - phase
    return left if left > 1e-6 else period_s
