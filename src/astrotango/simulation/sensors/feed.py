"""Run a sensor model on the injected clock and publish what the (possibly faulty) sensors say."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from astrotango.clock import Clock, Wake, spawn
from astrotango.simulation.sensors.faults import FaultBoard

__all__ = ["SensorFeed"]

_LOG = logging.getLogger(__name__)

Sampler = Callable[[datetime], Mapping[str, float]]
Publisher = Callable[[datetime, Mapping[str, float]], None]


class SensorFeed:
    """Sample a model every ``period_s`` seconds of clock time, apply faults, publish.

    Args:
        sample: The model's sampler (time -> true readings).
        faults: The fault board (stale sensors are left out of what is published).
        clock: The injected clock.
        period_s: Sampling period, seconds of clock time (> 0).
        publish: Told ``(time, readings)`` after every sample, from the feed thread.
    """

    def __init__(
        self,
        sample: Sampler,
        faults: FaultBoard,
        clock: Clock,
        period_s: float,
        publish: Publisher,
    ) -> None:
        if period_s <= 0:
            raise ValueError("period_s: must be greater than 0")
        self._sample, self._faults, self._clock = sample, faults, clock
        self._period_s, self._publish = period_s, publish
        self._stop = Wake()
        self._thread: threading.Thread | None = None

    def step(self) -> dict[str, float]:
        """Take one sample now and publish it; returns what was published."""
        when = self._clock.now()
        readings = self._faults.apply(self._sample(when), when)
        self._publish(when, readings)
        return readings

    def start(self) -> None:
        """Start sampling in a thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = spawn(self._clock, self._run, name="sensor-feed")

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop sampling and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the thread boundary: a bad sample must not stop it
                _LOG.exception("Sensor sample failed")
            if self._clock.sleep(self._period_s, self._stop):
                return
