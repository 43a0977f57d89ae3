"""Where a constraint's readings come from: a followed attribute, or a computation on the clock.

Every source calls ``deliver(raw)`` with each new raw reading (from an event thread or its own
thread); the constraint model judges it. A lost connection delivers nothing, so the gate goes
STALE after ``max_data_age``; a value the device marks INVALID is delivered as None (garbage).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from astrotango.clock import Clock, Wake, spawn
from astrotango.control.proxies import AttributeEvent, DeviceClient, Subscription

__all__ = ["AttributeSource", "ComputedSource", "Deliver", "MountSunSource", "ReadingSource"]

_LOG = logging.getLogger(__name__)

Deliver = Callable[[object], None]


class ReadingSource(Protocol):
    """Produces raw readings while started."""

    def start(self, deliver: Deliver) -> None:
        """Start delivering readings."""

    def stop(self) -> None:
        """Stop delivering readings (idempotent)."""


class AttributeSource:
    """Readings from the change events of another device's attribute.

    Args:
        client: The sensor device.
        attribute: The followed attribute.
        logger: Where connection problems are logged.
    """

    def __init__(
        self, client: DeviceClient, attribute: str, logger: logging.Logger | None = None
    ) -> None:
        self._client, self._attribute = client, attribute
        self._logger = logger or _LOG
        self._subscription: Subscription | None = None

    def start(self, deliver: Deliver) -> None:
        """Subscribe (retried by Tango while the device is down)."""
        if self._subscription is not None:
            return

        def on_event(event: AttributeEvent) -> None:
            if event.error is not None:
                self._logger.warning("%s/%s: %s", event.device, event.attribute, event.error)
                return
            deliver(event.value)

        self._subscription = self._client.subscribe(self._attribute, on_event)

    def stop(self) -> None:
        """Unsubscribe."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None


class ComputedSource:
    """Readings computed from the clock's time every ``period_s`` clock seconds.

    Args:
        compute: Time -> raw reading (None when it cannot be computed).
        clock: The injected clock.
        period_s: Seconds of clock time between readings.
    """

    def __init__(
        self, compute: Callable[[datetime], object], clock: Clock, period_s: float
    ) -> None:
        if period_s <= 0:
            raise ValueError("period_s: must be greater than 0")
        self._compute, self._clock, self._period_s = compute, clock, period_s
        self._stop = Wake()
        self._thread: threading.Thread | None = None
        self._deliver: Deliver | None = None

    def poke(self) -> None:
        """Compute and deliver a reading now (when an input changed)."""
        deliver = self._deliver
        if deliver is None:
            return
        try:
            value = self._compute(self._clock.now())
        except (ArithmeticError, ValueError) as exc:
            _LOG.warning("computed reading failed: %s", exc)
            value = None
        if value is not None:
            deliver(value)

    def start(self, deliver: Deliver) -> None:
        """Start the computing thread."""
        if self._thread is not None:
            return
        self._deliver = deliver
        self._stop.clear()
        self._thread = spawn(self._clock, self._run, name="computed-source")

    def stop(self) -> None:
        """Stop the thread."""
        self._stop.set()
        self._deliver = None
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poke()
            if self._clock.sleep(self._period_s, self._stop):
                return


class MountSunSource:
    """Mount-sun separation: the telescope's ra/dec events, against the sun on the clock.

    Delivers at once when the mount moves, and every ``period_s`` as the sun moves. Nothing is
    delivered while the position is unknown (lost connection), so the gate goes stale.

    Args:
        client: The telescope device.
        clock: The injected clock.
        period_s: Seconds of clock time between periodic readings.
        separation: ``(ra_deg, dec_deg, time) -> separation_deg``.
    """

    def __init__(
        self,
        client: DeviceClient,
        clock: Clock,
        period_s: float,
        separation: Callable[[float, float, datetime], float],
    ) -> None:
        self._client = client
        self._position: dict[str, float] = {}
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self._separation = separation
        self._computed = ComputedSource(self._compute, clock, period_s)

    def _compute(self, when: datetime) -> float | None:
        with self._lock:
            ra, dec = self._position.get("ra"), self._position.get("dec")
        if ra is None or dec is None:
            return None
        if not (math.isfinite(ra) and math.isfinite(dec)):
            return math.nan  # garbage position: never opens the gate
        return self._separation(ra, dec, when)

    def _on_event(self, event: AttributeEvent) -> None:
        with self._lock:
            if event.error is not None:
                self._position.clear()
                return
            value = event.value
            self._position[event.attribute] = (
                float(value) if isinstance(value, int | float) else math.nan
            )
        self._computed.poke()

    def start(self, deliver: Deliver) -> None:
        """Follow ``ra`` and ``dec`` and start the periodic computation."""
        self._computed.start(deliver)
        if not self._subscriptions:
            self._subscriptions = [self._client.subscribe(a, self._on_event) for a in ("ra", "dec")]

    def stop(self) -> None:
        """Unsubscribe and stop."""
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions = []
        self._computed.stop()
