"""Test helpers: a simulated telescope at La Palma on a night when Capella and M31 are high."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from astrotango.clock import ScaledClock
from astrotango.control.telescope import (
    ExecutionTimeouts,
    GuardSettings,
    SafingRecord,
    TaskActivity,
    TelescopeComponentManager,
    TelescopeSettings,
)
from astrotango.control_model import CommunicationStatus, TaskStatus
from astrotango.domain import TaskSpec, expand_observation, parse_observation
from astrotango.hardware import Asset, Site, parse_instruments
from astrotango.simulation.telescope import SimulatorConfig, TelescopeSimulator

LA_PALMA = Site("La Palma", 28.7606, -17.8816, 2396.0)
NIGHT = datetime(2026, 12, 15, 23, 0, tzinfo=UTC)
CAPELLA = {"name": "Capella", "ra_deg": 79.172, "dec_deg": 45.998}
M31 = {"name": "M31", "ra_deg": 10.6847, "dec_deg": 41.269}
NEVER_UP = {"name": "Southern", "ra_deg": 200.0, "dec_deg": -80.0}
OPTICAL = '[{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": ["g", "r", "i"]}]'
RADIO = '[{"kind": "radio_receiver", "name": "rx", "beam_deg": 0.6, "band_ghz": [1.0, 2.0]}]'
FINAL = {TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.REJECTED}


def task_spec(request: dict[str, Any], element: int = 0) -> TaskSpec:
    """The ``element``-th task of a one-request observation in the night's window."""
    document = {
        "name": "test",
        "owner": "tests",
        "queue": "research",
        "window": {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"},
        "requests": [request],
    }
    return expand_observation(parse_observation(document), "obs-test")[element]


def imaging(target: dict[str, Any] = CAPELLA, count: int = 3, exposure_s: float = 30) -> TaskSpec:
    """An optical imaging task of ``count`` r-band exposures."""
    exposures = [{"filter": "r", "exposure_s": exposure_s, "count": count}]
    return task_spec({"type": "optical_imaging", "target": target, "exposures": exposures})


class Reports:
    """Collects a task function's reports; waits for the final one."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.done = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, **report: Any) -> None:
        with self._lock:
            self.items.append(report)
        if report.get("status") in FINAL:
            self.done.set()

    def final(self, timeout_s: float = 30.0) -> tuple[TaskStatus, Any]:
        assert self.done.wait(timeout_s), f"no final status; got {self.items}"
        last = [r for r in self.items if r.get("status") in FINAL][-1]
        results = [r["result"] for r in self.items if r.get("result") is not None]
        return last["status"], results[-1] if results else None

    @property
    def progress(self) -> list[int]:
        return [r["progress"] for r in self.items if r.get("progress") is not None]


class Rig:
    """A component manager over a simulator on a fast clock, with recorded callbacks."""

    def __init__(
        self,
        instruments: str = OPTICAL,
        scale: float = 100.0,
        start: datetime = NIGHT,
        guard: GuardSettings | None = None,
        proxies: Any = None,
        **config: Any,
    ) -> None:
        self.clock = ScaledClock(start, scale)
        sim_config = SimulatorConfig(**config)
        self.sim = TelescopeSimulator(
            "t1", LA_PALMA, parse_instruments(instruments), self.clock, sim_config
        )
        self.activity: list[TaskActivity] = []
        self.assets: list[Asset] = []
        self.safings: list[SafingRecord] = []
        self.heartbeats: list[float] = []
        self.connected = threading.Event()
        self.lost = threading.Event()
        timeouts = ExecutionTimeouts(readout_s=30.0, upload_per_asset_s=1.0)
        self.cm = TelescopeComponentManager(
            self.sim,
            self.clock,
            TelescopeSettings(
                monitor_period_s=0.01 * scale,  # clock seconds: every 10 real ms
                heartbeat_period_s=0.05 * scale,
                timeouts=timeouts,
                guard=guard or GuardSettings(),
            ),
            communication_callback=self._communication,
            activity_callback=self.activity.append,
            asset_callback=self.assets.append,
            heartbeat_callback=self.heartbeats.append,
            proxies=proxies,
            safing_callback=self.safings.append,
        )

    def _communication(self, status: CommunicationStatus) -> None:
        if status is CommunicationStatus.ESTABLISHED:
            self.lost.clear()
            self.connected.set()
        else:
            self.connected.clear()
            self.lost.set()

    def start(self) -> Rig:
        self.cm.start_communicating()
        assert self.connected.wait(5.0)
        return self

    def wait_for(self, predicate: Callable[[Any], bool], timeout_s: float = 10.0) -> Any:
        """Wait for telemetry satisfying ``predicate``; return it."""
        deadline = threading.Event()
        timer = threading.Timer(timeout_s, deadline.set)
        timer.start()
        try:
            seen = self.cm.monitor.polls
            while not deadline.is_set():
                latest = self.cm.monitor.latest
                if latest is not None and predicate(latest):
                    return latest
                seen = self.cm.monitor.wait_poll(seen, 0.1)
        finally:
            timer.cancel()
        raise AssertionError(f"condition not met within {timeout_s} s: {self.cm.monitor.latest}")

    def subtasks(self) -> list[str]:
        """The subtasks in the order they started (from the activity callback)."""
        names: list[str] = []
        for activity in self.activity:
            if activity.subtask and (not names or names[-1] != activity.subtask):
                names.append(activity.subtask)
        return names
