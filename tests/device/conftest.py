from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tango

_JOIN_S = 0.3


class EventLog:
    """Collects change events from a device proxy; waits with timeouts (the one fixed pause
    is the subscription's join, below)."""

    def __init__(self, proxy: tango.DeviceProxy) -> None:
        self.proxy = proxy
        self.events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.seen: list[tuple[str, Any]] = []
        self._ids: list[int] = []

    def subscribe(self, *attributes: str) -> EventLog:
        for name in attributes:
            self._ids.append(
                self.proxy.subscribe_event(name, tango.EventType.CHANGE_EVENT, self._on_event)
            )
        # ZMQ's slow joiner: subscribe_event returns before the subscription has reached the
        # server's publisher, and an event pushed in that gap is lost. Tests that look for the
        # first event after an action give it this moment to arrive.
        time.sleep(_JOIN_S)
        return self

    def _on_event(self, event: tango.EventData) -> None:
        if not event.err:
            name = event.attr_name.rsplit("/", 1)[-1].split("#", 1)[0].lower()
            value = event.attr_value.value
            if name == "_lrcevent" and not value:
                return  # the read value sent on subscription: () by definition
            self.events.put((name, value))

    def wait_for(self, predicate: Any, timeout_s: float = 15.0) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                item = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(item)
            if predicate(*item):
                return item
        raise AssertionError(f"no matching event within {timeout_s} s; seen {self.seen[-10:]}")

    def lrc(self, command_id: str) -> list[dict[str, Any]]:
        return [
            json.loads(v[1]) for n, v in self.seen if n == "_lrcevent" and v and v[0] == command_id
        ]

    def close(self) -> None:
        for sub in self._ids:
            self.proxy.unsubscribe_event(sub)


@pytest.fixture
def events() -> Iterator[Any]:
    logs: list[EventLog] = []

    def make(proxy: tango.DeviceProxy, *attributes: str) -> EventLog:
        log = EventLog(proxy).subscribe(*attributes)
        logs.append(log)
        return log

    yield make
    for log in logs:
        log.close()
