"""Monitoring: poll the driver's telemetry on one thread, beat a heartbeat on another.

It polls every ``period_s`` while someone waits on the telemetry (a command under way: see
:meth:`TelescopeMonitor.attending`) and every ``idle_period_s`` otherwise, on the clock's grid
of multiples of the period, so that on virtual time every telescope's polls share instants.
A driver that says when its telemetry next changes by itself (``Telemetry.next_change``: the
simulator knows when a slew or an exposure ends) is polled at that instant and otherwise at
the idle period, attended or not: polling it faster would measure nothing new. A change it
cannot foresee (a fault, the horizon limit) is seen within the idle period.

The heartbeat beats (with the telemetry's time) every ``heartbeat_period_s`` only while the
telemetry is fresh (a good poll within the last ``max(3 polls, 2 beats, 1 s)``), so it stops
when the hardware hangs. Periods are clock seconds: on virtual time the polls are instants
of the simulated night like any other.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from astrotango.clock import Clock, ClockCondition, Wake, WallClock, spawn, to_grid
from astrotango.hardware import HardwareError, Telemetry

__all__ = ["TelescopeMonitor"]

_AFTER_CHANGE_S = 0.001


class TelescopeMonitor:
    """Keeps the latest telemetry and says whether it is fresh.

    Args:
        read: Measures the telescope (``driver.telemetry``); may raise HardwareError.
        period_s: Seconds between polls while a wait attends the telemetry.
        idle_period_s: Seconds between polls otherwise (at least ``period_s``).
        heartbeat_period_s: Seconds between heartbeats.
        on_telemetry: Called with every new measurement (from the poll thread).
        on_heartbeat: Called with the latest measurement's unix time on every beat.
        on_freshness: Called with True when telemetry (re)starts, False when it goes stale.
        on_error: Called with every poll error once nothing was read for ``stale_after_s``
            since the last reading or the start (the reason the hardware cannot be read: a
            lost connection, a device in fault); a driver still connecting is not in error.
        logger: Where to log poll errors.
        clock: Paces the polls and beats and dates freshness.
    """

    def __init__(
        self,
        read: Callable[[], Telemetry],
        *,
        period_s: float,
        heartbeat_period_s: float,
        on_telemetry: Callable[[Telemetry], None],
        on_heartbeat: Callable[[float], None],
        on_freshness: Callable[[bool], None],
        logger: logging.Logger,
        clock: Clock | None = None,
        idle_period_s: float = 0.0,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._clock: Clock = clock or WallClock()
        self._read, self.period_s, self._beat_s = read, period_s, heartbeat_period_s
        self.idle_period_s = max(period_s, idle_period_s)
        self._attended = 0
        self._hurry = Wake()  # a wait began, or stop: poll now
        self._on_telemetry, self._on_heartbeat = on_telemetry, on_heartbeat
        self._on_freshness, self._logger = on_freshness, logger
        self._on_error = on_error
        # at least a second: a slow poll under load is not a hang
        self.stale_after_s = max(3 * self.idle_period_s, 2 * heartbeat_period_s, 1.0)
        self._cond = ClockCondition()
        self._latest: Telemetry | None = None
        self._seq = 0
        self._polls = 0
        self._last_ok = float("-inf")
        self._started = float("-inf")
        self._fresh = False
        self._stop = Wake()
        self._threads: list[threading.Thread] = []
        self._last_error = ""
        self._freshness_lock = threading.Lock()
        self._poll_lock = threading.Lock()  # one freshness change reported at a time

    @property
    def latest(self) -> Telemetry | None:
        """The latest measurement, or None before the first."""
        with self._cond:
            return self._latest

    @property
    def fresh(self) -> bool:
        """Whether the latest measurement is recent (the hardware answers)."""
        with self._cond:
            return self._clock.now().timestamp() - self._last_ok <= self.stale_after_s

    @property
    def last_error(self) -> str:
        """The last poll error, or empty."""
        with self._cond:
            return self._last_error

    def start(self) -> None:
        """Start polling and beating (idempotent)."""
        if self._threads:
            return
        self._stop.clear()
        with self._cond:
            self._started = self._clock.now().timestamp()
        self._threads = [
            spawn(self._clock, self._poll_loop, name="telescope-monitor"),
            spawn(self._clock, self._beat_loop, name="telescope-heartbeat"),
        ]

    def stop(self) -> None:
        """Stop both threads (a poll blocked in a hung driver is left to finish)."""
        self._stop.set()
        self._hurry.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(2.0)
        self._threads = []
        with self._cond:
            self._fresh, self._latest, self._last_ok = False, None, float("-inf")

    @property
    def polls(self) -> int:
        """Number of polls so far, good or failed."""
        with self._cond:
            return self._polls

    def wait_poll(self, seen: int, timeout_s: float, wake: threading.Event | None = None) -> int:
        """Wait (clock seconds) for a poll after number ``seen``, or for ``wake``.

        Returns the number of polls so far. A :class:`~astrotango.clock.Wake` ends the wait
        the instant it is set; a plain event is noticed at the next poll or the timeout.
        """

        def over() -> bool:
            return self._polls > seen or self._stop.is_set() or bool(wake and wake.is_set())

        with contextlib.ExitStack() as stack:
            if isinstance(wake, Wake):
                stack.enter_context(wake.notifying(self._cond))
            with self._cond:
                self._clock.wait_for(self._cond, over, timeout_s)
                return self._polls

    @property
    def sequence(self) -> int:
        """Number of measurements so far."""
        with self._cond:
            return self._seq

    @contextlib.contextmanager
    def attending(self) -> Iterator[None]:
        """Poll every ``period_s`` (not ``idle_period_s``) while this block runs."""
        with self._cond:
            self._attended += 1
        self._hurry.set()
        try:
            yield
        finally:
            with self._cond:
                self._attended -= 1

    def refresh(self) -> int:
        """Measure now, on the caller's thread; returns the newest measurement's number.

        A wait that begins right after a command needs what the command changed: on virtual
        time the latest poll may be from this very instant, but from before the command.
        """
        self._poll_once()
        return self.sequence

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            self._hurry.clear()
            self._poll_once()
            self._clock.sleep(self._until_next_poll(), self._hurry)

    def _until_next_poll(self) -> float:
        """Clock seconds to the next poll.

        The grid of the period in force, or the change the latest telemetry announced,
        whichever comes first.
        """
        with self._cond:
            latest, attended = self._latest, self._attended
        change = latest.next_change if latest is not None else None
        if change is None:
            return to_grid(self._clock, self.period_s if attended else self.idle_period_s)
        # a hair after the change: a poll at the exact instant may round to just before it
        hint = (change - self._clock.now()).total_seconds() + _AFTER_CHANGE_S
        return min(to_grid(self._clock, self.idle_period_s), max(hint, _AFTER_CHANGE_S))

    def _poll_once(self) -> None:
        with self._poll_lock:  # measurements are numbered in the order they were taken
            self._measure()

    def _measure(self) -> None:
        try:
            telemetry = self._read()
        except HardwareError as exc:
            with self._cond:
                repeated, self._last_error = self._last_error == str(exc), str(exc)
                self._polled()
            if not repeated:
                self._logger.warning("Telemetry poll failed: %s", exc)
            if self._on_error is not None and self._silent_s() > self.stale_after_s:
                self._on_error(str(exc))
        except Exception:
            with self._cond:
                self._polled()
            self._logger.exception("Telemetry poll raised")
        else:
            with self._cond:
                self._latest, self._seq, self._last_ok = (
                    telemetry,
                    self._seq + 1,
                    self._clock.now().timestamp(),
                )
                self._last_error = ""
                self._polled()
            self._update_freshness()
            self._on_telemetry(telemetry)

    def _silent_s(self) -> float:
        """Clock seconds since the last reading, or since the start when there was none."""
        with self._cond:
            since = max(self._last_ok, self._started)
        return self._clock.now().timestamp() - since

    def _polled(self) -> None:
        """Count a poll and wake its waiters (``_cond`` held)."""
        self._polls += 1
        self._cond.notify_all()

    def _beat_loop(self) -> None:
        while not self._clock.sleep(to_grid(self._clock, self._beat_s), self._stop):
            if self._update_freshness():
                latest = self.latest
                if latest is not None:
                    self._on_heartbeat(latest.time.timestamp())

    def _update_freshness(self) -> bool:
        with self._freshness_lock:
            fresh = self.fresh
            with self._cond:
                changed, self._fresh = fresh != self._fresh, fresh
            if changed and not self._stop.is_set():
                self._on_freshness(fresh)
            return fresh
