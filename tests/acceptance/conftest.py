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

from astrotango.client.safety_oracle import SafetyVerdict, all_ok, safety_text
from astrotango.client.safety_recorder import SafetyRecorder
from astrotango.clock import VIRTUAL
from astrotango.launcher import System

ROOT = Path(__file__).resolve().parents[2]
#: A clear December night at La Palma (the default weather scenario brings a squall at 03:30),
#: on virtual time: the test is a participant, so the night moves only while it waits.
NIGHT_START = datetime(2026, 12, 15, 23, 30, tzinfo=UTC)
#: The same site before dawn: the sun reaches the optical telescopes' -2 deg limit at about
#: 07:52 UTC and rises at about 08:02.
DAWN_START = datetime(2026, 12, 16, 6, 40, tzinfo=UTC)
SUNRISE = datetime(2026, 12, 16, 8, 2, tzinfo=UTC)
#: Simulated seconds between two looks of a waiting test.
STEP_S = 5.0
TELESCOPES = tuple(f"astro/telescope/{t}" for t in ("t1", "t2", "r1", "r2"))
INTERLOCKS = tuple(f"astro/interlock/{i}" for i in ("rain", "gusts_r1", "gusts_r2"))


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
        self,
        what: str,
        predicate: Callable[[], bool],
        timeout_s: float = 150.0,
        step_s: float = STEP_S,
    ) -> None:
        """Look every ``step_s`` simulated seconds; time stands still while the test looks.

        ``timeout_s`` is real seconds: a hung system fails the test in bounded time.
        """
        clock = self.system.clock()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            clock.sleep(step_s)
        raise AssertionError(f"timed out waiting for {what} (sim {clock.now()})")

    def status(self, observation_id: str) -> str:
        return str(self.observation(observation_id)["status"])

    def close(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            with contextlib.suppress(tango.DevFailed, KeyError):  # the server may be gone
                self.controller.unsubscribe_event(sub)


def safety_verdicts(recorder: SafetyRecorder, system: System) -> list[SafetyVerdict]:
    """The safety oracle's verdicts on the night so far (the recorder stops hearing)."""
    recorder.stop()
    return recorder.verdicts(system.clock().now())


@contextlib.contextmanager
def observatory(
    folder: Path,
    start: datetime,
    config: Path = ROOT / "tango-db",
    *,
    supervise: bool = False,
    database: str | None = None,
) -> Iterator[tuple[Night, SafetyRecorder]]:
    """The observatory from ``start``, heard by the safety oracle from the first minute.

    ``supervise``: its launcher restarts a server that dies, as ``astrotango up`` does.
    ``database``: a running Tango database to serve from instead of the embedded one.

    The test's thread is a participant of the system's virtual time from the first instant:
    simulated time moves only while the test waits through the clock, so what the test sees
    between two looks does not depend on how fast the machine is.
    """
    tango.ApiUtil.cleanup()  # forked servers must not inherit this process's subscriptions
    with System(config, folder, sim_start=start, time_scale=VIRTUAL, supervise=supervise) as system:
        assert system.virtual
        recorder = SafetyRecorder(TELESCOPES, system.proxy, system.clock(), interlocks=INTERLOCKS)
        recorder.start()
        running = Night(system)
        try:
            with system.clock().participant():
                system.resume()
                yield running, recorder
        finally:
            running.close()


@pytest.fixture
def night(tmp_path: Path) -> Iterator[Night]:
    """A night that must end with the safety oracle at zero, whatever the test did."""
    with observatory(tmp_path / "run", NIGHT_START) as (running, recorder):
        yield running
        verdicts = safety_verdicts(recorder, running.system)
        assert all_ok(verdicts), safety_text(verdicts)


def without_idle_safing(folder: Path) -> Path:
    """``tango-db/`` copied to ``folder`` with no telescope closing for want of work."""
    folder.mkdir()
    for path in (ROOT / "tango-db").glob("*.json"):
        data = json.loads(path.read_text())
        for instances in data["servers"].values():
            for classes in instances.values():
                for device in classes.get("Telescope", {}).values():
                    device["properties"]["IdleSafeAfter"] = ["0"]
        (folder / path.name).write_text(json.dumps(data))
    return folder


@pytest.fixture
def dawn(tmp_path: Path) -> Iterator[tuple[Night, SafetyRecorder]]:
    """The observatory from :data:`DAWN_START`, with the sun the only reason to close at dawn
    (no idle safing); the test judges the oracle itself."""
    config = without_idle_safing(tmp_path / "config")
    with observatory(tmp_path / "run", DAWN_START, config) as running:
        yield running
