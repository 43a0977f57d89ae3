"""A telescope reached through a :class:`~astrotango.control.proxies.DeviceClient`.

ExecuteTask is followed through ``_lrcEvent`` (progress, then the final status and result);
the heartbeat and currentTaskId change events keep the link's idea of liveness and of the task
the telescope runs, and :meth:`~DeviceTelescopeLink.refresh` reads both before a decision rests
on them (events are for speed, reads for truth: a restarted controller's subscriptions may
still be connecting while virtual time runs ahead). Abort, GetAssets and
CheckLongRunningCommandStatus are plain commands.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from astrotango.clock import Clock, WallClock, spawn
from astrotango.control.observation.links import (
    OnDone,
    OnProgress,
    TaskRefusedError,
    TaskUnconfirmedError,
)
from astrotango.control.proxies import AttributeEvent, DeviceClient, NoAnswer, ProxyError
from astrotango.control_model import ResultCode, TaskStatus

__all__ = ["DeviceTelescopeLink"]

_LOG = logging.getLogger(__name__)


class DeviceTelescopeLink:
    """One Telescope device as the dispatcher's :class:`TelescopeLink`.

    Args:
        client: The device client (Tango in production).
        wait_s: The longest a task may run before it is reported FAILED, clock seconds.
        clock: Heartbeat ages and task waits (the follower of a task is a participant).
    """

    def __init__(
        self, client: DeviceClient, *, wait_s: float = 6 * 3600.0, clock: Clock | None = None
    ) -> None:
        self._client = client
        self._wait_s = wait_s
        self._clock: Clock = clock or WallClock()
        self._last_beat: datetime | None = None
        self._beat_value: Any = None  # the last heartbeat value heard (event or read)
        self._current: str | None = None
        self._events = 0  # events taken so far (a read begun before one is stale)
        self._subscriptions = [
            client.subscribe("heartbeat", self._on_heartbeat),
            client.subscribe("currentTaskId", self._on_current),
        ]

    @property
    def name(self) -> str:
        """The telescope's device name."""
        return self._client.name

    def _on_heartbeat(self, event: AttributeEvent) -> None:
        if event.error is None and event.value is not None:
            self._events += 1
            self._beat_value, self._last_beat = event.value, self._clock.now()

    def _on_current(self, event: AttributeEvent) -> None:
        if event.error is None and event.value is not None:
            self._events += 1
            self._current = str(event.value)

    def refresh(self) -> None:
        """Read the heartbeat and the current task, as if their events had just come.

        A heartbeat value not heard before counts as a beat (a telescope that answers but
        no longer beats stays silent); an unreachable telescope leaves everything as it
        was; a read overtaken by an event is dropped (the event is the newer word).
        """
        seen = self._events
        try:
            beat = self._client.read("heartbeat")
            current = self._client.read("currentTaskId")
        except ProxyError:
            return
        if self._events != seen:
            return
        if beat is not None and beat != self._beat_value:
            self._beat_value, self._last_beat = beat, self._clock.now()
        if current is not None:
            self._current = str(current)

    def heartbeat_age_s(self) -> float | None:
        """Clock seconds since the last heartbeat event."""
        if self._last_beat is None:
            return None
        return (self._clock.now() - self._last_beat).total_seconds()

    def current_task(self) -> str | None:
        """The task the telescope reports executing ('' when idle, None before its first report)."""
        return self._current

    def execute(self, spec_json: str, on_progress: OnProgress, on_done: OnDone) -> str:
        """Start ExecuteTask and follow it on a thread until its final status.

        Raises:
            TaskRefusedError: the telescope refused it (the reason is the device's message).
            TaskUnconfirmedError: it did not answer in time (it may be executing the task).
        """
        try:
            call = self._client.invoke_lrc("ExecuteTask", spec_json, on_progress=on_progress)
        except NoAnswer as exc:
            raise TaskUnconfirmedError(str(exc)) from exc
        except ProxyError as exc:
            raise TaskRefusedError(str(exc)) from exc

        def follow() -> None:
            try:
                outcome = call.wait(self._wait_s)
            except ProxyError as exc:
                on_done(TaskStatus.FAILED, [int(ResultCode.FAILED), f"lost the command: {exc}"])
                return
            on_done(outcome.status, outcome.result)

        spawn(self._clock, follow, name=f"follow-{call.command_id}")
        return call.command_id

    def stop(self) -> None:
        """Abort what the telescope is doing (captured data is kept as partial assets)."""
        try:
            self._client.command("Abort")
        except ProxyError as exc:
            _LOG.warning("%s: Abort failed: %s", self.name, exc)

    def assets(self, task_id: str) -> list[dict[str, Any]]:
        """The telescope's asset records for one task."""
        records: list[dict[str, Any]] = json.loads(self._client.command("GetAssets", task_id))
        return records

    def close(self) -> None:
        """Unsubscribe."""
        for subscription in self._subscriptions:
            subscription.close()
