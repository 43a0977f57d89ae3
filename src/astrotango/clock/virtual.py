"""Virtual time: one simulated clock for every process of a system, advanced by events.

Simulated time moves only when every participant has finished what it had to do for the
current instant, and then jumps straight to the earliest instant anyone waits for (next-event
time advance). Idle stretches cost nothing; planning, start-up, a slow client, a loaded CPU or
a garbage collection cost no simulated time at all, so a night is the same however busy the
machine is.

The parts:

* :class:`ClockFile` — a small shared file (``mmap``) in the run directory: the current
  simulated time, written only by the keeper, and one slot per process, written only by that
  process: how many of its participants are busy, the earliest instant its idle ones wait for,
  and an activity counter.
* :class:`VirtualClock` — a process's view (the :class:`~astrotango.clock.clocks.Clock`
  protocol). A *participant* is a thread inside :meth:`VirtualClock.participant` (every
  clock-driven loop, the LRC worker, the event pusher while it has events) or a region inside
  :meth:`VirtualClock.hold`; it is busy except while it waits through the clock
  (:meth:`~VirtualClock.sleep`, :meth:`~VirtualClock.wait_for`). A waiter is counted busy again
  the moment it is woken — by the keeper, by a :class:`Wake` being set or a
  :class:`ClockCondition` being notified — not when its thread gets the CPU, so no instant is
  skipped between a wake and the work it causes. Other threads (Tango's request threads, event
  callbacks) are never counted: a client blocked in a call to them is.
* :class:`ClockKeeper` — the launcher's thread that advances time: when no slot is busy and
  none is due, and nothing has changed for a short real-time quiet spell (events pushed just
  before are delivered by then), it moves time to the earliest deadline and tells the processes
  waiting for it (a datagram to each). A process that died is dropped at once, so the
  heartbeat monitor sees its silence in simulated time. A live one is waited for however
  long it takes (a loaded machine, a long start-up, a SIGSTOP: the night only pauses); only
  one busy or due without any progress for ``stall_s`` real seconds (five minutes: hung, not
  slow) is passed over, and named in the keeper's log, so a deadlock cannot stop the sky
  forever. A shorter spell would make the night depend on the machine's load again.

Real drivers (INDI, Alpaca, hardware) run on the wall clock: the launcher never mixes them
with virtual time.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from astrotango.clock.clock_file import (
    ClockFile,
    SlotView,
    keeper_path,
    poke,
    process_alive,
    socket_path,
)
from astrotango.clock.ledger import EventLedger, Receipt, ledger_path

__all__ = [
    "ClockCondition",
    "ClockFile",
    "ClockKeeper",
    "SlotView",
    "VirtualClock",
    "Wake",
    "process_alive",
    "virtual_clock",
]

_LOG = logging.getLogger(__name__)
_FALLBACK_POLL_S = 0.01  # a plain threading.Event as a wake: looked at this often (real)
#: :meth:`VirtualClock.settle`'s step: one tick of the microsecond grid ``now()`` reads in.
_SETTLE_S = 1e-6


def _instant(at: float) -> float:
    """A deadline on the microsecond grid ``now()`` reads in (a datetime holds microseconds).

    Deadlines otherwise carry float residue (``now + seconds`` where ``seconds`` was worked
    out from a rounded ``now()``): two meant for one instant, a fraction of a microsecond
    apart, were two instants, and every process woke twice.
    """
    return round(at, 6)


@dataclass(eq=False)
class _Sleeper:
    deadline: float
    counted: bool
    ready: threading.Event = field(default_factory=threading.Event)
    woken: bool = False
    kick: Callable[[], None] | None = None


class Wake(threading.Event):
    """A ``threading.Event`` that wakes virtual-clock sleepers the moment it is set.

    Use it for every event passed as ``wake`` to :meth:`Clock.sleep` (stop flags, abort
    events): on other clocks it is a plain event.
    """

    def __init__(self) -> None:
        super().__init__()
        self._sleepers: list[tuple[VirtualClock, _Sleeper]] = []
        self._conditions: list[threading.Condition] = []
        self._guard = threading.Lock()

    def set(self) -> None:
        """Set the flag and count every virtual sleeper on it busy again, at once."""
        with self._guard:
            super().set()
            sleepers, self._sleepers = self._sleepers, []
            conditions = list(self._conditions)
        for clock, sleeper in sleepers:
            clock._wake(sleeper)
        for cond in conditions:
            with cond:
                cond.notify_all()

    @contextlib.contextmanager
    def notifying(self, cond: threading.Condition) -> Iterator[None]:
        """While the block runs, setting this flag also notifies ``cond``.

        A :meth:`Clock.wait_for` on ``cond`` whose predicate reads this flag then wakes the
        instant it is set, not at its timeout.
        """
        with self._guard:
            self._conditions.append(cond)
        try:
            yield
        finally:
            with self._guard:
                self._conditions.remove(cond)

    def _attach(self, clock: VirtualClock, sleeper: _Sleeper) -> bool:
        with self._guard:
            if self.is_set():
                return False
            self._sleepers.append((clock, sleeper))
            return True

    def _detach(self, sleeper: _Sleeper) -> None:
        with self._guard:
            self._sleepers = [(c, s) for c, s in self._sleepers if s is not sleeper]


class ClockCondition(threading.Condition):
    """A ``threading.Condition`` whose notifications count virtual-clock waiters busy at once.

    Use it for every condition a :meth:`Clock.wait_for` waits on; on other clocks it is a
    plain condition.
    """

    def __init__(self, lock: Any = None) -> None:
        super().__init__(lock)
        self._virtual: list[tuple[VirtualClock, _Sleeper]] = []

    def notify(self, n: int = 1) -> None:
        """Notify ``n`` waiters (virtual waiters all count busy: each re-checks)."""
        super().notify(n)
        self._wake_virtual()

    def notify_all(self) -> None:
        """Notify every waiter."""
        super().notify_all()
        self._wake_virtual()

    def _wake_virtual(self) -> None:
        sleepers, self._virtual = self._virtual, []
        for clock, sleeper in sleepers:  # the base notify above already wakes their threads
            clock._wake(sleeper, kick=False)


class VirtualClock:
    """One process's view of a system's virtual clock (see the module docstring).

    Args:
        path: The system's :class:`ClockFile` (created by the launcher's keeper).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = ClockFile(path)
        self._pid = os.getpid()
        self._slot = self._file.claim(self._pid)
        self._lock = threading.Lock()
        self._busy = 0
        self._activity = 0
        self._sleepers: set[_Sleeper] = set()
        self._local = threading.local()
        self._keeper = keeper_path(path)
        self._socket_path = socket_path(path, self._pid)
        self._socket_path.unlink(missing_ok=True)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self._socket_path))
        self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._ledger = EventLedger(ledger_path(path))
        self._publish_locked()
        self._ticker = threading.Thread(target=self._tick_loop, name="virtual-clock", daemon=True)
        self._ticker.start()

    # -- the Clock protocol -----------------------------------------------------------------

    def now(self) -> datetime:
        """The simulated UTC time."""
        return datetime.fromtimestamp(self._file.now(), UTC)

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        """Wait ``seconds`` of simulated time, idle; True if ``wake`` was set first."""
        if wake is not None and wake.is_set():
            return True
        if seconds <= 0:
            return False
        sleeper = _Sleeper(_instant(self._file.now() + seconds), self._participant())
        attached = isinstance(wake, Wake)
        self._register(sleeper)
        if attached and not wake._attach(self, sleeper):  # type: ignore[union-attr]
            self._wake(sleeper)
        try:
            if wake is None or attached:
                sleeper.ready.wait()
            else:
                while not sleeper.ready.wait(_FALLBACK_POLL_S):
                    if wake.is_set():
                        self._wake(sleeper)
        finally:
            if attached:
                wake._detach(sleeper)  # type: ignore[union-attr]
        return wake is not None and wake.is_set()

    def wait_for(
        self, cond: threading.Condition, predicate: Callable[[], bool], timeout_s: float | None
    ) -> bool:
        """``cond.wait_for`` in simulated time (call it holding ``cond``), waiting idle."""
        deadline = math.inf if timeout_s is None else _instant(self._file.now() + timeout_s)
        while True:
            if predicate():
                return True
            if self._file.now() >= deadline:
                return predicate()
            sleeper = _Sleeper(deadline, self._participant())
            if isinstance(cond, ClockCondition):
                sleeper.kick = lambda: _notify_base(cond)
                cond._virtual.append((self, sleeper))
                self._register(sleeper)
                while not sleeper.woken:
                    cond.wait(1.0)
            else:
                self._register(sleeper)
                while not sleeper.woken:
                    cond.wait(_FALLBACK_POLL_S)
                    if predicate():
                        self._wake(sleeper)

    @contextlib.contextmanager
    def participant(self) -> Iterator[None]:
        """Count this thread as a participant (busy but while it waits through the clock)."""
        if self._participant():
            yield
            return
        with self._lock:
            self._busy += 1
            self._publish_locked()
        self._local.participant = True
        try:
            yield
        finally:
            self._local.participant = False
            self.release()

    def settle(self) -> None:
        """Return once this instant is over for everyone else: a sleep to the next microsecond.

        Time gets there only when every participant is idle and every event of this instant
        is delivered, so a reader that settles first sees all that was written at it, however
        the threads of the instant raced. Never call it holding the clock.
        """
        self.sleep(_SETTLE_S)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Keep time still while this block runs (any thread; not a participant's waits)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        """Count one busy piece of work (released by :meth:`release`, from any thread)."""
        with self._lock:
            self._busy += 1
            self._publish_locked()

    def release(self) -> None:
        """End a piece of work counted by :meth:`acquire` or :meth:`participant`."""
        with self._lock:
            self._busy -= 1
            self._publish_locked()
            idle = self._busy == 0
        if idle:
            poke(self._out, self._keeper)

    def event_pushing(self, device: str, attribute: str) -> None:
        """An event is about to be pushed: time holds until every subscriber has it."""
        self._ledger.pushing(device, attribute)

    def event_receipt(self, device: str, attribute: str) -> Receipt:
        """A new subscription's receipt: give it each event's timestamp, inside a hold."""
        return self._ledger.receipt(device, attribute)

    def close(self) -> None:
        """Leave the clock (the slot is freed; sleepers are not woken)."""
        with _CLOCKS_LOCK:
            if _CLOCKS.get(self.path) is self:
                del _CLOCKS[self.path]
        self._file.release(self._slot)
        with contextlib.suppress(OSError):
            self._sock.close()
        self._socket_path.unlink(missing_ok=True)

    # -- internals ------------------------------------------------------------------------

    def _participant(self) -> bool:
        return bool(getattr(self._local, "participant", False))

    def _register(self, sleeper: _Sleeper) -> None:
        with self._lock:
            self._sleepers.add(sleeper)
            if sleeper.counted:
                self._busy -= 1
            self._publish_locked()
            idle = self._busy == 0
        if sleeper.deadline <= self._file.now():  # time moved while it was getting ready
            self._wake(sleeper)
        elif idle:
            poke(self._out, self._keeper)

    def _wake(self, sleeper: _Sleeper, *, kick: bool = True) -> None:
        with self._lock:
            if sleeper.woken:
                return
            sleeper.woken = True
            self._sleepers.discard(sleeper)
            if sleeper.counted:
                self._busy += 1
            self._publish_locked()
        sleeper.ready.set()
        if kick and sleeper.kick is not None:
            sleeper.kick()

    def _publish_locked(self) -> None:
        self._activity += 1
        deadline = min((s.deadline for s in self._sleepers), default=math.inf)
        self._file.publish(self._slot, self._pid, self._busy, deadline, self._activity)

    def _tick_loop(self) -> None:
        while True:
            try:
                self._sock.recv(64)
            except OSError:
                return
            now = self._file.now()
            with self._lock:
                due = [s for s in self._sleepers if s.deadline <= now]
            for sleeper in due:
                self._wake(sleeper)


def _notify_base(cond: threading.Condition) -> None:
    with cond:
        threading.Condition.notify_all(cond)


_CLOCKS: dict[Path, VirtualClock] = {}
_CLOCKS_LOCK = threading.Lock()


def virtual_clock(path: Path) -> VirtualClock:
    """This process's :class:`VirtualClock` on ``path`` (one per process and file)."""
    key = path.resolve()
    with _CLOCKS_LOCK:
        clock = _CLOCKS.get(key)
        if clock is None or clock._pid != os.getpid():
            clock = _CLOCKS[key] = VirtualClock(key)
        return clock


class ClockKeeper:
    """Advances a virtual clock (the launcher runs one per system; see the module docstring).

    Args:
        path: Where to create the :class:`ClockFile`.
        start: The simulated time to start at.
        quiet_s: Real seconds with nothing busy, due or changed before time moves (lets
            events pushed at this instant reach their subscribers).
        stall_s: Real seconds after which a process that is busy or due without progress is
            passed over (a hung process must not stop the sky forever; a slow or stopped one
            is waited for).
        until: Never advance past this simulated time (None: no limit).
    """

    def __init__(
        self,
        path: Path,
        start: datetime,
        *,
        quiet_s: float = 0.001,
        stall_s: float = 300.0,
        until: datetime | None = None,
    ) -> None:
        self.path = path
        self.file = ClockFile(path, create_at=start)
        self.ledger = EventLedger(ledger_path(path), create=True)
        self.quiet_s, self.stall_s = quiet_s, stall_s
        self.until = math.inf if until is None else until.timestamp()
        self.advances = 0
        #: For each process, how many instants it asked for (its deadline was the target).
        self.asked_by: Counter[int] = Counter()
        #: For each process, the real seconds time stood still while it was busy (shared
        #: between the processes busy together): who the night's wall time waits for.
        self.held_by: dict[int, float] = defaultdict(float)
        self.passed_over: set[int] = set()
        #: Told each process found dead, before time moves again (the launcher's supervisor
        #: holds time there, so a restart costs no simulated time).
        self.on_death: Callable[[int], None] | None = None
        self._dropped = False
        #: How often an event pushed and not yet delivered kept time still.
        self.in_flight_waits = 0
        self._stop = threading.Event()
        self._socket_path = keeper_path(path)
        self._socket_path.unlink(missing_ok=True)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self._socket_path))
        self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._thread = threading.Thread(target=self._run, name="clock-keeper", daemon=True)

    def start(self) -> ClockKeeper:
        """Start advancing."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop advancing (time stands still from now on)."""
        self._stop.set()
        poke(self._out, self._socket_path)
        self._thread.join(5.0)
        with contextlib.suppress(OSError):
            self._sock.close()
        self._socket_path.unlink(missing_ok=True)

    def now(self) -> datetime:
        """The simulated time."""
        return datetime.fromtimestamp(self.file.now(), UTC)

    def _run(self) -> None:
        quiet: tuple[tuple[int, int], ...] | None = None
        quiet_since = 0.0
        stalled: dict[int, tuple[int, float]] = {}
        busy: list[int] = []
        looked = time.monotonic()
        while not self._stop.is_set():
            self._sock.settimeout(self.quiet_s if quiet is not None else 0.05)
            try:
                self._sock.recv(64)
                quiet = None  # someone changed: look again
            except TimeoutError:
                pass
            except OSError:
                return
            now = self.file.now()
            views = self._live(self.file.slots(), now, stalled)
            if self._dropped:  # whoever was told may hold time: look again before moving it
                self._dropped, quiet = False, None
                continue
            busy, looked = self._count_held(busy, looked, views)
            if any(v.busy > 0 or v.deadline <= now for v in views):
                quiet = None
                for view in views:  # a due process is told again (a poke can be lost)
                    if view.busy == 0 and view.deadline <= now:
                        poke(self._out, socket_path(self.path, view.pid))
                continue
            if self.ledger.in_flight(v.pid for v in views):
                self.in_flight_waits += 1
                quiet = ()  # look again after a quiet spell, not the idle timeout
                continue
            marks = tuple((v.pid, v.activity) for v in views)
            if quiet != marks:
                quiet, quiet_since = marks, time.monotonic()
                continue
            if time.monotonic() - quiet_since < self.quiet_s:
                continue
            target = min((v.deadline for v in views), default=math.inf)
            target = min(target, self.until)
            if math.isinf(target) or target <= now:
                quiet = None
                continue
            self.file.set_now(target)
            self.advances += 1
            quiet = None
            woken = [view.pid for view in views if view.deadline <= target]
            for pid in woken:
                self.asked_by[pid] += 1
                poke(self._out, socket_path(self.path, pid))
            # until the next look, time waits for the processes just woken
            busy, looked = woken, time.monotonic()

    def _count_held(
        self, busy: list[int], since: float, views: list[SlotView]
    ) -> tuple[list[int], float]:
        """Charge the real time since the last look to the processes busy then."""
        looked = time.monotonic()
        for pid in busy:
            self.held_by[pid] += (looked - since) / len(busy)
        return [v.pid for v in views if v.busy > 0], looked

    def _live(
        self, views: list[SlotView], now: float, stalled: dict[int, tuple[int, float]]
    ) -> list[SlotView]:
        """The slots that count: dead processes dropped, ones stuck for stall_s passed over."""
        live = []
        for view in views:
            if not process_alive(view.pid):
                self.file.clear(view.index)
                self.ledger.forget(view.pid)
                if self.on_death is not None:
                    self.on_death(view.pid)
                    self._dropped = True
                continue
            stuck = view.busy > 0 or view.deadline <= now
            if stuck:
                activity, since = stalled.setdefault(view.pid, (view.activity, time.monotonic()))
                if activity != view.activity:
                    stalled[view.pid] = (view.activity, time.monotonic())
                elif time.monotonic() - since > self.stall_s:
                    if view.pid not in self.passed_over:
                        _LOG.error(
                            "Virtual time: process %d made no progress for %.0f real s: "
                            "passed over (hung?)",
                            view.pid,
                            self.stall_s,
                        )
                    self.passed_over.add(view.pid)
                    continue
            else:
                stalled.pop(view.pid, None)
            self.passed_over.discard(view.pid)
            live.append(view)
        return live
