from __future__ import annotations

import contextlib
import json
import queue
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tango

from astrotango.launcher import System

ROOT = Path(__file__).resolve().parents[2]
#: A clear December night at La Palma (the default weather scenario brings a squall at 03:30),
#: run 120 times faster than real time.
NIGHT_START = datetime(2026, 12, 15, 23, 30, tzinfo=UTC)
SCALE = 120.0


class Night:
    """A running observatory and a record of every lifecycle transition it announced."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.controller = system.proxy("astro/controller/1")
        self.transitions: list[dict[str, Any]] = []
        self._events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self._sub: int | None = None
        deadline = time.monotonic() + 20
        while self._sub is None:
            try:
                self._sub = self.controller.subscribe_event(
                    "lastTransition", tango.EventType.CHANGE_EVENT, self._on_event
                )
            except tango.DevFailed:  # a server just (re)started: its admin device settles
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)

    def _on_event(self, event: tango.EventData) -> None:
        if not event.err and event.attr_value.value not in (None, "{}"):
            record = json.loads(event.attr_value.value)
            self.transitions.append(record)

    def submit(self, document: dict[str, Any]) -> str:
        return str(self.controller.SubmitObservation(json.dumps(document)))

    def observation(self, observation_id: str) -> dict[str, Any]:
        return json.loads(self.controller.GetObservation(observation_id))  # type: ignore[no-any-return]

    def wait_until(
        self, what: str, predicate: Callable[[], bool], timeout_s: float = 150.0
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what} (sim {self.system.clock().now()})")

    def status(self, observation_id: str) -> str:
        return str(self.observation(observation_id)["status"])

    def close(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            with contextlib.suppress(tango.DevFailed, KeyError):  # the server may be gone
                self.controller.unsubscribe_event(sub)


@pytest.fixture
def night(tmp_path: Path) -> Iterator[Night]:
    tango.ApiUtil.cleanup()  # forked servers must not inherit this process's subscriptions
    with System(
        ROOT / "tango-db", tmp_path / "run", sim_start=NIGHT_START, time_scale=SCALE
    ) as system:
        running = Night(system)
        yield running
        running.close()
