"""One background thread per driver that reads the devices into a snapshot.

Reads never run on the caller's thread: ``latest()`` returns the newest snapshot at once, or
raises why there is none (the server is unreachable, or has not answered for
``stale_after_s``). While the server is down the poller retries every period, reconnecting
(``connect``) before it reads again.

A snapshot only counts if no command ran while it was taken: a reading that began before a
command returned may not show what the command changed, yet would be dated after the command
was issued. Commands run inside :meth:`SnapshotPoller.command`, which discards such readings
and wakes the poller for a new one at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from astrotango.clock.clocks import Clock
from astrotango.hardware.alpaca.transport import is_network
from astrotango.hardware.errors import HardwareError, HardwareFault, HardwareTimeout

__all__ = ["Snapshot", "SnapshotPoller"]

T = TypeVar("T")


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """What the devices reported, read starting at ``time``."""

    time: datetime
    value: T


class SnapshotPoller(Generic[T]):
    """Polls ``read`` every ``period_s`` real seconds on its own thread.

    Args:
        name: Names the server in messages ("Alpaca server 127.0.0.1:11111").
        connect: (Re)connects the devices; called before the first read and after a loss.
        read: Reads every device, given the time the reading starts.
        observe: Called with every accepted snapshot (on the poller thread).
        clock: Dates the snapshots.
        period_s: Real seconds between polls.
        stale_after_s: Age beyond which a snapshot is not returned.
        logger: Where connection changes are logged.
    """

    def __init__(
        self,
        name: str,
        *,
        connect: Callable[[], None],
        read: Callable[[datetime], T],
        observe: Callable[[Snapshot[T]], None],
        clock: Clock,
        period_s: float,
        stale_after_s: float,
        logger: logging.Logger,
    ) -> None:
        self._name, self._connect, self._read, self._observe = name, connect, read, observe
        self._clock, self._period_s, self._stale_s, self._logger = (
            clock,
            period_s,
            stale_after_s,
            logger,
        )
        self._lock = threading.Lock()
        self._wake, self._stop = threading.Event(), threading.Event()
        self._latest: Snapshot[T] | None = None
        self._error: HardwareError | None = None
        self._connected = False
        self._in_flight = 0
        self._generation = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (idempotent); returns at once."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="alpaca-poller", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the thread (waits for a read under way, at most a few seconds)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10.0)
            self._thread = None

    def latest(self) -> Snapshot[T]:
        """The newest snapshot.

        Raises:
            HardwareFault: the server is unreachable, or has not been reached yet.
            HardwareTimeout: the server does not answer (in time).
        """
        with self._lock:
            latest, error = self._latest, self._error
        if error is not None:
            kind = HardwareTimeout if isinstance(error, HardwareTimeout) else HardwareFault
            raise kind(str(error))
        if latest is None:
            raise HardwareFault(f"{self._name}: not connected yet")
        age = (self._clock.now() - latest.time).total_seconds()
        if age > self._stale_s:
            raise HardwareTimeout(f"{self._name}: no answer for {age:.1f} s")
        return latest

    @contextlib.contextmanager
    def command(self) -> Iterator[None]:
        """Mark a command under way: snapshots taken meanwhile are discarded."""
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._generation += 1
            self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            retry_at_once = self._poll_once()
            if not retry_at_once:
                self._wake.wait(self._period_s)

    def _poll_once(self) -> bool:
        """One poll; True when its reading was discarded (a command ran) and is retried."""
        try:
            if not self._connected:
                self._connect()
                self._connected = True
                self._logger.info("%s: connected", self._name)
            with self._lock:
                generation = self._generation
                busy = self._in_flight > 0
            if busy:
                return False  # the command's end wakes us
            start = self._clock.now()
            value = self._read(start)
        except HardwareError as exc:
            self._failed(exc)
            return False
        snapshot = Snapshot(start, value)
        with self._lock:
            accepted = self._in_flight == 0 and self._generation == generation
            if accepted:
                self._latest, self._error = snapshot, None
        if accepted:
            self._observe(snapshot)
        return not accepted

    def _failed(self, exc: HardwareError) -> None:
        with self._lock:
            repeated = self._error is not None and str(self._error) == str(exc)
            self._error = exc
        if is_network(exc) and self._connected:
            self._connected = False
        if not repeated:
            self._logger.warning("%s: %s", self._name, exc)
