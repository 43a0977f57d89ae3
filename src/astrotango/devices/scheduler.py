"""Scheduler: publishes the plan of pending tasks onto every telescope (mission/003)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tango import DevState, DevVarLongStringArray
from tango.server import attribute, command, device_property

from astrotango.clock import Wake, make_clock, spawn, to_grid
from astrotango.control.scheduler import (
    SchedulerComponentManager,
    ScheduleSnapshot,
    telescopes_from_json,
)
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import (
    LRC_REPLY_DOC,
    NO_ARGUMENT_DOC,
    NO_REPLY_DOC,
    decode_json_argument,
    raise_dev_failed,
)
from astrotango.devices.event_config import enable_events
from astrotango.domain import NotFound
from astrotango.store import default_store_url, open_store

__all__ = ["Scheduler"]

#: SetAvailability's bounds on ``closed_queues``.
_MAX_QUEUES = 100
_MAX_QUEUE_NAME = 100


class Scheduler(AstroDevice):
    """Plans pending tasks; ``Run`` is a long-running command; ``Explain`` says why (not)."""

    StoreUrl = device_property(
        dtype=str, default_value="", doc="'' = $ASTROTANGO_STORE_URL or a SQLite file"
    )
    Telescopes = device_property(dtype=str, default_value="[]", doc="JSON list, see mapping")
    HorizonSeconds = device_property(dtype=float, default_value=43_200.0)
    ResolutionSeconds = device_property(dtype=float, default_value=60.0)
    TileFovDeg = device_property(dtype=float, default_value=1.0)
    PoolPollSeconds = device_property(
        dtype=float, default_value=30.0, doc="Clock seconds between looks at the task pool"
    )
    ClockScale = device_property(dtype=float, default_value=1.0)
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")

    component_manager: SchedulerComponentManager

    def init_device(self) -> None:
        """Start with an empty schedule and the pool monitor."""
        self._snapshot = ScheduleSnapshot(0, (), 0.0, 0, False)
        self._next = ScheduleSnapshot(0, (), 0.0, 0, True)
        self._stop = Wake()
        super().init_device()
        names = ("schedule", "nextBlocks", "scheduleVersion", "lastRunSeconds")
        enable_events(self, (*names, "tasksConsidered"))
        spawn(self._clock, self._poll_pool, name="pool-monitor")

    def delete_device(self) -> None:
        """Stop the pool monitor, then the base device."""
        self._stop.set()
        super().delete_device()

    def create_component_manager(self) -> SchedulerComponentManager:
        """Open the store and read the telescope configuration."""
        url = self.StoreUrl or default_store_url()
        self._clock = make_clock(self.ClockScale, self.SimulationStart)
        return SchedulerComponentManager(
            store=open_store(url),
            telescopes=telescopes_from_json(self.Telescopes),
            clock=self._clock,
            publish=self._on_schedule,
            horizon_s=self.HorizonSeconds,
            resolution_s=self.ResolutionSeconds,
            fov_deg=self.TileFovDeg,
            logger=self.logger,
            communication_callback=self._communication_changed,
        )

    def _poll_pool(self) -> None:
        while not self._clock.sleep(to_grid(self._clock, self.PoolPollSeconds), self._stop):
            if self.get_state() != DevState.DISABLE:
                try:
                    self.component_manager.poll_task_pool()
                except Exception:
                    self.logger.exception("Task-pool poll failed")

    def _on_schedule(self, snapshot: ScheduleSnapshot) -> None:
        if snapshot.partial:
            # First slots only: a client applying them must not take them for the whole plan.
            self._next = snapshot
            self._publisher.push_many([("nextBlocks", snapshot.schedule_json)])
            return
        self._snapshot = snapshot
        self._publisher.push_many(
            [
                ("schedule", snapshot.schedule_json),
                ("scheduleVersion", snapshot.version),
                ("lastRunSeconds", snapshot.last_run_s),
                ("tasksConsidered", snapshot.tasks_considered),
            ]
        )

    def _allowed(self) -> bool:
        return self.get_state() != DevState.DISABLE

    is_Run_allowed = is_Trigger_allowed = is_SetAvailability_allowed = _allowed

    @command(doc_in=NO_ARGUMENT_DOC, dtype_out=DevVarLongStringArray, doc_out=LRC_REPLY_DOC)
    def Run(self) -> Any:
        """Plan now: one planning run (LRC with progress), its result names the plan.

        A run in progress becomes stale (its plan is discarded); no second run is queued.
        """
        self.component_manager.supersede("Run() requested")
        return self.submit_lrc("Run", self.component_manager.run)

    @command(
        dtype_in=str,
        doc_in="Why re-plan, for the log ('' = triggered)",
        doc_out=NO_REPLY_DOC,
    )
    def Trigger(self, reason: str) -> None:
        """Re-plan because something changed (a task started or finished, ...)."""
        self.component_manager.trigger(reason or "triggered")

    @command(
        dtype_in=str,
        doc_in='JSON object {"telescope": device name, "available": true or false, "until": '
        'ISO time or null, "closed_queues": at most 100 queue names}',
        doc_out=NO_REPLY_DOC,
    )
    def SetAvailability(self, argument: str) -> None:
        """``{"telescope", "available", "until", "closed_queues"}``: a telescope's availability.

        ``closed_queues`` (optional, at most 100 queue names): the queues whose policy's
        gates forbid observing on it now while others may. Re-plans.
        """
        data = decode_json_argument(argument, what="SetAvailability argument")
        if not isinstance(data, dict) or not isinstance(data.get("available"), bool):
            raise_dev_failed("API_InvalidArgument", "available: must be true or false")
        closed = data.get("closed_queues", [])
        if (
            not isinstance(closed, list)
            or len(closed) > _MAX_QUEUES
            or not all(isinstance(q, str) and 0 < len(q) <= _MAX_QUEUE_NAME for q in closed)
        ):
            raise_dev_failed(
                "API_InvalidArgument",
                f"closed_queues: must be a list of at most {_MAX_QUEUES} queue names "
                f"(1..{_MAX_QUEUE_NAME} characters)",
            )
        try:
            until = datetime.fromisoformat(data["until"]) if data.get("until") else None
            self.component_manager.set_availability(
                str(data.get("telescope")), data["available"], until, frozenset(closed)
            )
        except KeyError:
            raise_dev_failed("API_InvalidArgument", f"telescope: unknown {data.get('telescope')!r}")
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"until: {exc}")

    @command(
        dtype_in=str,
        doc_in="The observation id",
        dtype_out=str,
        doc_out="JSON: per task, why it is (not) scheduled and when it next could be",
    )
    def Explain(self, observation_id: str) -> str:
        """Why each task of an observation is (not) scheduled, and when it next could be."""
        try:
            return json.dumps(self.component_manager.explain(observation_id))
        except NotFound:
            raise_dev_failed(
                "API_InvalidArgument", f"observation: no observation {observation_id!r}"
            )

    @attribute(dtype=str, doc="JSON: task, observation, telescope, start, end, score, merits")
    def schedule(self) -> str:
        """The current schedule: the last complete plan."""
        return self._snapshot.schedule_json

    @attribute(dtype=str, doc="JSON like schedule: each telescope's first slot, published early")
    def nextBlocks(self) -> str:
        """The first block per telescope of the run in progress, before its full plan."""
        return self._next.schedule_json

    @attribute(dtype=int)
    def scheduleVersion(self) -> int:
        """The version of ``schedule`` (versions grow with every publication, nextBlocks too)."""
        return self._snapshot.version

    @attribute(dtype=float, unit="s")
    def lastRunSeconds(self) -> float:
        """Wall time of the last planning run."""
        return self._snapshot.last_run_s

    @attribute(dtype=int)
    def tasksConsidered(self) -> int:
        """Pending tasks the last run considered."""
        return self._snapshot.tasks_considered
