"""Push Tango change and archive events from any thread, in order, without blocking it.

Worker threads hand ``(attribute, value)`` pairs to :class:`EventPublisher`, which pushes them
from one omniORB-registered thread. Workers never wait on Tango, no lock is held while pushing,
and every client sees changes in the order they were queued. On virtual time an event queued
and not yet pushed holds the clock, and one pushed is owed to every subscriber until it
arrives (:mod:`astrotango.clock.ledger`): what it tells happens at the instant it was queued.

A push needs the device's serialization monitor, which Tango holds while a command (``Init``
above all) runs on the device. The publisher thread therefore takes the monitor before it
takes an item for good, and :meth:`EventPublisher.stop`, called from ``delete_device`` with
the monitor held, pushes what is still queued itself instead of waiting for a thread that
cannot get the monitor until ``Init`` has finished.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Sequence
from typing import Any

import tango

from astrotango.clock import make_clock

__all__ = ["EventPublisher"]

_LOG = logging.getLogger(__name__)
_Batch = tuple[tuple[str, Any], ...]


class EventPublisher:
    """A thread that pushes change and archive events for one device.

    Args:
        device: The device whose attributes the events belong to.
        logger: Where to log failed pushes; defaults to this module's logger.
    """

    def __init__(self, device: tango.server.Device, logger: logging.Logger | None = None) -> None:
        self._device = device
        self._log = logger or _LOG
        self._cond = threading.Condition()
        self._queue: collections.deque[_Batch | threading.Event] = collections.deque()
        self._stopped = False
        self._clock = make_clock()  # the process's shared clock (virtual: the one to hold)
        self._name = device.get_name()
        self._thread = threading.Thread(
            target=self._run, name=f"events-{device.get_name()}", daemon=True
        )
        self._thread.start()

    def push(self, name: str, value: Any) -> None:
        """Queue one change (and archive) event; dropped once the publisher is stopped."""
        self._put(((name, value),))

    def push_many(self, changes: Sequence[tuple[str, Any]]) -> None:
        """Queue several events, to be pushed back to back in this order."""
        self._put(tuple(changes))

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything queued so far has been pushed."""
        done = threading.Event()
        with self._cond:
            if self._stopped:
                return True
            self._queue.append(done)
            self._cond.notify()
        return done.wait(timeout_s)

    def stop(self) -> None:
        """Push what is still queued from the calling thread, then end the publisher thread.

        Returns at once: the calling thread (``delete_device``, holding the device monitor)
        pushes the remainder itself, and the publisher thread, which may be waiting for that
        monitor, exits as soon as it gets it without pushing anything more.
        """
        with self._cond:
            self._stopped = True
            pending = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        with tango.AutoTangoMonitor(self._device):
            for item in pending:
                self._deliver(item)

    def _put(self, batch: _Batch) -> None:
        with self._cond:
            if self._stopped:
                names = ", ".join(name for name, _ in batch)
                self._log.debug("%s: publisher stopped; events for %s dropped", self._name, names)
                return
            self._clock.acquire()
            self._queue.append(batch)
            self._cond.notify()

    def _run(self) -> None:
        with tango.EnsureOmniThread():
            while self._wait_for_work():
                monitor = tango.AutoTangoMonitor(self._device)
                try:
                    monitor.__enter__()
                except tango.DevFailed:  # the monitor's timeout: a long command; wait on
                    continue
                try:
                    with self._cond:
                        if self._stopped or not self._queue:
                            continue  # stop() took the rest and pushed it
                        item = self._queue.popleft()
                    self._deliver(item)
                finally:
                    monitor.__exit__(None, None, None)

    def _wait_for_work(self) -> bool:
        with self._cond:
            self._cond.wait_for(lambda: bool(self._queue) or self._stopped)
            return not self._stopped

    def _deliver(self, item: _Batch | threading.Event) -> None:
        if isinstance(item, threading.Event):
            item.set()
            return
        try:
            for name, value in item:
                self._push_one(name, value)
        finally:
            self._clock.release()

    def _push_one(self, name: str, value: Any) -> None:
        self._clock.event_pushing(self._name, name)
        try:
            self._device.push_change_event(name, value)
            self._device.push_archive_event(name, value)
        except Exception:  # noqa: BLE001 - the Tango boundary: a failed push must not stop others
            self._log.exception("Could not push an event for %s/%s", self._name, name)
