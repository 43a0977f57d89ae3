"""Monitoring: poll the driver's telemetry on one thread, beat a heartbeat on another.

The heartbeat beats (with the telemetry's time) every ``heartbeat_period_s`` only while the
telemetry is fresh (a good poll within the last ``max(3 polls, 2 beats, 1 s)``), so it stops
when the hardware hangs. Periods are real seconds: they pace
software, not the simulated physics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from astrotango.hardware import HardwareError, Telemetry

__all__ = ["TelescopeMonitor"]


class TelescopeMonitor:
    """Keeps the latest telemetry and says whether it is fresh.

    Args:
        read: Measures the telescope (``driver.telemetry``); may raise HardwareError.
        period_s: Seconds between polls.
        heartbeat_period_s: Seconds between heartbeats.
        on_telemetry: Called with every new measurement (from the poll thread).
        on_heartbeat: Called with the latest measurement's unix time on every beat.
        on_freshness: Called with True when telemetry (re)starts, False when it goes stale.
        logger: Where to log poll errors.
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
    ) -> None:
        self._read, self.period_s, self._beat_s = read, period_s, heartbeat_period_s
        self._on_telemetry, self._on_heartbeat = on_telemetry, on_heartbeat
        self._on_freshness, self._logger = on_freshness, logger
        # at least a second: a slow poll under load is not a hang
        self.stale_after_s = max(3 * period_s, 2 * heartbeat_period_s, 1.0)
        self._cond = threading.Condition()
        self._latest: Telemetry | None = None
        self._seq = 0
        self._last_ok = float("-inf")
        self._fresh = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_error = ""
        self._freshness_lock = threading.Lock()  # one freshness change reported at a time

    @property
    def latest(self) -> Telemetry | None:
        """The latest measurement, or None before the first."""
        with self._cond:
            return self._latest

    @property
    def fresh(self) -> bool:
        """Whether the latest measurement is recent (the hardware answers)."""
        with self._cond:
            return time.monotonic() - self._last_ok <= self.stale_after_s

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
        self._threads = [
            threading.Thread(target=self._poll_loop, name="telescope-monitor", daemon=True),
            threading.Thread(target=self._beat_loop, name="telescope-heartbeat", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop both threads (a poll blocked in a hung driver is left to finish)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(2.0)
        self._threads = []
        with self._cond:
            self._fresh, self._latest, self._last_ok = False, None, float("-inf")

    def wait_update(self, seen: int, timeout_s: float) -> int:
        """Wait (real seconds) for a measurement newer than number ``seen``; return the newest."""
        with self._cond:
            self._cond.wait_for(lambda: self._seq > seen or self._stop.is_set(), timeout_s)
            return self._seq

    @property
    def sequence(self) -> int:
        """Number of measurements so far."""
        with self._cond:
            return self._seq

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            try:
                telemetry = self._read()
            except HardwareError as exc:
                with self._cond:
                    repeated, self._last_error = self._last_error == str(exc), str(exc)
                if not repeated:
                    self._logger.warning("Telemetry poll failed: %s", exc)
            except Exception:
                self._logger.exception("Telemetry poll raised")
            else:
                with self._cond:
                    self._latest, self._seq, self._last_ok = (
                        telemetry,
                        self._seq + 1,
                        time.monotonic(),
                    )
                    self._last_error = ""
                    self._cond.notify_all()
                self._update_freshness()
                self._on_telemetry(telemetry)
            self._stop.wait(self.period_s)

    def _beat_loop(self) -> None:
        while not self._stop.wait(self._beat_s):
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
