"""Retries of SafeShutdown on the telescopes an interlock could not make safe, with backoff.

Each telescope that is not confirmed safe gets its own thread that waits on the injected clock
(5, 10, 20, 40 ... s by default, capped), then makes it safe again: a telescope already
reading ``safe`` needs nothing more, any other gets SafeShutdown again. The retries of a
telescope end when it is safe or when they are cancelled (the interlock is reset or stops
communicating). State changes happen under the interlock's own lock, so a cancelled retry
can never report afterwards.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from astrotango.clock import Clock, Wake, spawn
from astrotango.control.interlock.config import UnsafeTelescope
from astrotango.control.interlock.shutdown import COMMAND, make_safe, reads_safe, succeeded
from astrotango.control.proxies import ProxyFactory
from astrotango.control_model import ResultCode, TaskStatus

__all__ = ["Retrier", "backoff_delays"]


def backoff_delays(first_s: float, max_s: float) -> Iterator[float]:
    """``first_s``, then twice the previous delay, never more than ``max_s`` (endless)."""
    delay = first_s
    while True:
        yield min(delay, max_s)
        delay = min(delay * 2, max_s)


class Retrier:
    """Retries SafeShutdown on each unsafe telescope, on its own backoff, until it is safe.

    Args:
        proxies: Gives the telescope clients.
        clock: The injected clock the backoff waits on.
        lock: The interlock's lock; every report is made holding it.
        first_s: Clock seconds before the first retry.
        max_s: The longest wait between retries (clock seconds).
        timeout_s: Clock seconds each retry's SafeShutdown has to finish.
        on_unsafe: Told, under ``lock``, each change of an unsafe telescope's entry.
        on_safe: Told, under ``lock``, the name of a telescope that is safe now.
        logger: Where each retry is logged.
    """

    def __init__(
        self,
        proxies: ProxyFactory,
        clock: Clock,
        lock: threading.RLock,
        *,
        first_s: float,
        max_s: float,
        timeout_s: float,
        on_unsafe: Callable[[UnsafeTelescope], None],
        on_safe: Callable[[str], None],
        logger: logging.Logger,
    ) -> None:
        self._proxies, self._clock, self._lock = proxies, clock, lock
        self._first_s, self._max_s, self._timeout_s = first_s, max_s, timeout_s
        self._on_unsafe, self._on_safe, self._logger = on_unsafe, on_safe, logger
        self._running: dict[str, threading.Event] = {}

    def start(self, name: str, reason: str) -> None:
        """Start retrying ``name`` (nothing new if it is being retried already)."""
        with self._lock:
            if name in self._running:
                return
            stop = self._running[name] = Wake()
        spawn(self._clock, lambda: self._run(name, reason, stop), name=f"retry-{name}")

    def cancel(self, name: str) -> None:
        """Stop retrying ``name``; a retry running now is abandoned (it reports nothing)."""
        with self._lock:
            stop = self._running.pop(name, None)
            if stop is not None:
                stop.set()

    def cancel_all(self) -> None:
        """Stop every retry."""
        with self._lock:
            for name in list(self._running):
                self.cancel(name)

    def _report(self, stop: threading.Event, entry: UnsafeTelescope) -> bool:
        with self._lock:
            if stop.is_set():
                return False
            self._on_unsafe(entry)
            return True

    def _sleep_until(self, due: datetime, stop: threading.Event) -> bool:
        while (remaining := (due - self._clock.now()).total_seconds()) > 0:
            if self._clock.sleep(remaining, stop):
                return True
        return stop.is_set()

    def _run(self, name: str, reason: str, stop: threading.Event) -> None:
        delays = backoff_delays(self._first_s, self._max_s)
        retries, delay = 0, next(delays)
        while True:
            due = self._clock.now() + timedelta(seconds=delay)
            if not self._report(stop, UnsafeTelescope(name, reason, retries, due)):
                return
            if self._sleep_until(due, stop):
                return
            if not self._report(stop, UnsafeTelescope(name, reason, retries, None)):
                return
            retries += 1
            client = self._proxies.device(name)
            if reads_safe(client):
                outcome = (TaskStatus.COMPLETED, (ResultCode.OK, "reads safe"))
            else:
                outcome = make_safe(
                    client, timeout_s=self._timeout_s, abort_event=stop, clock=self._clock
                )
            if succeeded(outcome):
                with self._lock:
                    if stop.is_set():
                        return
                    self._running.pop(name, None)
                    self._on_safe(name)
                self._logger.info("%s is safe after %d retries", name, retries)
                return
            reason, delay = outcome[1][1], next(delays)
            self._logger.warning(
                "retry %d of %s on %s failed: %s; next in %g s",
                retries,
                COMMAND,
                name,
                reason,
                delay,
            )
