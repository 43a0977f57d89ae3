"""Availability per queue: the Scheduler hears which queues a telescope is closed to.

Before, availability was the research policy's alone: in twilight (the research sun gate
closed) every telescope was unavailable, and the maintenance queue's sky flats, which have no
gates, were never planned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_devices import Proxies
from sched_rig import NIGHT

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationLedger
from astrotango.control.observation.runtime import ControllerRuntime
from astrotango.control.policy import PolicyMonitor
from astrotango.store import open_store

T1, T2 = "astro/telescope/t1", "astro/telescope/t2"
SCHEDULER = "astro/scheduler/1"
SUN = "astro/constraint/sun_altitude"


def gates(proxies: Proxies, monitor: PolicyMonitor, *, sun_ok: bool) -> None:
    for name in monitor.constraint_names:
        is_ok = sun_ok or name != SUN
        snapshot = {"is_ok": is_ok, "state": "OK" if is_ok else "BAD", "since": NIGHT.isoformat()}
        proxies.device(name).emit("snapshot", json.dumps(snapshot))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[tuple[ControllerRuntime, Proxies, PolicyMonitor]]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    clock = ManualClock(NIGHT)
    proxies = Proxies()
    monitor = PolicyMonitor(proxies, clock)
    monitor.start()
    runtime = ControllerRuntime(
        ledger=ObservationLedger(store, clock),
        proxies=proxies,
        telescopes=[T1, T2],
        scheduler=SCHEDULER,
        policy=monitor,
    )
    yield runtime, proxies, monitor
    store.close()


def told(proxies: Proxies) -> dict[str, dict[str, Any]]:
    """The last SetAvailability per telescope."""
    calls = [json.loads(a) for n, a in proxies.device(SCHEDULER).commands if n == "SetAvailability"]
    return {c["telescope"]: c for c in calls}


def test_twilight_closes_research_and_outreach_not_maintenance(rig: Any) -> None:
    runtime, proxies, monitor = rig
    gates(proxies, monitor, sun_ok=False)
    assert runtime.availability(T1) == (True, frozenset({"research", "outreach"}))
    runtime._tell_availability()
    for telescope in (T1, T2):
        assert told(proxies)[telescope] == {
            "telescope": telescope,
            "available": True,
            "closed_queues": ["outreach", "research"],
        }
    assert not runtime.holding(), "maintenance may observe: the night is not on hold"


def test_the_sun_down_opens_every_queue_and_is_told_once(rig: Any) -> None:
    runtime, proxies, monitor = rig
    gates(proxies, monitor, sun_ok=False)
    runtime._tell_availability()
    gates(proxies, monitor, sun_ok=True)
    runtime._tell_availability()
    runtime._tell_availability()
    assert told(proxies)[T1]["closed_queues"] == []
    calls = [a for n, a in proxies.device(SCHEDULER).commands if n == "SetAvailability"]
    assert len(calls) == 4, "each change told once per telescope"


def test_an_offline_telescope_is_unavailable_to_every_queue(rig: Any) -> None:
    runtime, proxies, monitor = rig
    gates(proxies, monitor, sun_ok=True)
    runtime.dispatcher.offline.add(T2)
    runtime._tell_availability()
    assert told(proxies)[T2] == {"telescope": T2, "available": False, "closed_queues": []}
    assert told(proxies)[T1]["available"]
