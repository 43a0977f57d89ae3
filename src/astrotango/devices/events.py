"""Push Tango change and archive events from any thread, in order, without blocking it.

Worker threads hand ``(attribute, value)`` pairs to :class:`EventPublisher`, which pushes them
from one omniORB-registered thread. Workers never wait on Tango, no lock is held while pushing,
and every client sees changes in the order they were queued. On virtual time an event queued
and not yet pushed holds the clock, and one pushed is owed to every subscriber until it
arrives (:mod:`astrotango.clock.ledger`): what it tells happens at the instant it was queued.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from typing import Any

import tango

from astrotango.clock import make_clock

__all__ = ["EventPublisher"]

_LOG = logging.getLogger(__name__)
_STOP = object()


class EventPublisher:
    """A thread that pushes change and archive events for one device.

    Args:
        device: The device whose attributes the events belong to.
    """

    def __init__(self, device: tango.server.Device) -> None:
        self._device = device
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._clock = make_clock()  # the process's shared clock (virtual: the one to hold)
        self._name = device.get_name()
        self._thread = threading.Thread(
            target=self._run, name=f"events-{device.get_name()}", daemon=True
        )
        self._thread.start()

    def push(self, name: str, value: Any) -> None:
        """Queue one change (and archive) event."""
        self._clock.acquire()
        self._queue.put(((name, value),))

    def push_many(self, changes: Sequence[tuple[str, Any]]) -> None:
        """Queue several events, to be pushed back to back in this order."""
        self._clock.acquire()
        self._queue.put(tuple(changes))

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything queued so far has been pushed."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout_s)

    def stop(self) -> None:
        """Push what is queued, then end the thread."""
        self._queue.put(_STOP)
        self._thread.join(5.0)

    def _run(self) -> None:
        with tango.EnsureOmniThread():
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                if isinstance(item, threading.Event):
                    item.set()
                    continue
                try:
                    for name, value in item:
                        self._push_one(name, value)
                finally:
                    self._clock.release()

    def _push_one(self, name: str, value: Any) -> None:
        self._clock.event_pushing(self._name, name)
        try:
            if name == "State":
                self._device.push_change_event("State", value)
                self._device.push_archive_event("State", value)
            else:
                self._device.push_change_event(name, value)
                self._device.push_archive_event(name, value)
        except Exception:  # noqa: BLE001 - the Tango boundary: a failed push must not stop others
            _LOG.exception("Could not push an event for %s/%s", self._name, name)
