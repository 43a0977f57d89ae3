"""Invoke a long-running command and follow it to the end through ``_lrcEvent``.

The client subscribes before it invokes and buffers events until it knows its command id.
A fresh subscription can still lose the first events (ZMQ's slow joiner: the subscription has
not reached the publisher yet), so a command that stays silent is asked for its status, and
a final status found that way is read back, result included, from ``lrcFinished``.
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tango

from astrotango.control_model import TERMINAL_TASK_STATUSES, ResultCode, TaskStatus

__all__ = ["LrcError", "LrcOutcome", "invoke_lrc"]

#: After this long without an event of its command, the client asks the device directly.
_SILENT_S = 2.0


class LrcError(RuntimeError):
    """The command was rejected, or did not finish in time."""


@dataclass
class LrcOutcome:
    """How one long-running command ended, and what was seen on the way."""

    command_id: str
    status: TaskStatus
    result: Any
    statuses: list[TaskStatus] = field(default_factory=list)
    progress: list[int] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    @property
    def result_code(self) -> ResultCode | None:
        """The ResultCode of a conventional ``[code, message]`` result."""
        if isinstance(self.result, list) and self.result and isinstance(self.result[0], int):
            return ResultCode(self.result[0])
        return None


def invoke_lrc(
    proxy: tango.DeviceProxy,
    command: str,
    argument: Any = None,
    *,
    timeout_s: float = 60.0,
    on_progress: Callable[[int], None] | None = None,
) -> LrcOutcome:
    """Run ``command`` on ``proxy`` and wait for its final status.

    Raises:
        LrcError: when the device rejects the command or it does not finish in ``timeout_s``.
        tango.DevFailed: when the device refuses the argument.
    """
    events: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()

    def on_event(event: tango.EventData) -> None:
        if (
            not event.err
            and event.attr_value is not None
            and len(event.attr_value.value or ()) == 2
        ):
            uid, payload = event.attr_value.value
            events.put((uid, json.loads(payload)))

    sub = proxy.subscribe_event("_lrcEvent", tango.EventType.CHANGE_EVENT, on_event)
    try:
        [code], [text] = proxy.command_inout(command, argument)
        if code == ResultCode.REJECTED:
            raise LrcError(f"{command} rejected: {text}")
        outcome = LrcOutcome(text, TaskStatus.STAGING, None)
        deadline = time.monotonic() + timeout_s
        heard = time.monotonic()
        while outcome.status not in TERMINAL_TASK_STATUSES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LrcError(f"{command} {text} did not finish within {timeout_s} s")
            try:
                uid, payload = events.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if time.monotonic() - heard >= _SILENT_S:
                    heard = time.monotonic()
                    _catch_up(proxy, outcome)
                continue
            if uid == text:
                heard = time.monotonic()
                _apply(outcome, payload, on_progress)
        return outcome
    finally:
        proxy.unsubscribe_event(sub)


def _catch_up(proxy: tango.DeviceProxy, outcome: LrcOutcome) -> None:
    """Ask a silent command's status; a final one is read back from ``lrcFinished``."""
    status = TaskStatus[proxy.CheckLongRunningCommandStatus(outcome.command_id)]
    if status not in TERMINAL_TASK_STATUSES:
        return
    for entry in (json.loads(item) for item in proxy.lrcFinished or ()):
        if entry.get("uid") == outcome.command_id:
            outcome.result = entry.get("result")
            outcome.order.append("result")
            break
    outcome.status = status
    outcome.statuses.append(status)
    outcome.order.append(f"status:{status.name}")


def _apply(
    outcome: LrcOutcome, payload: dict[str, Any], on_progress: Callable[[int], None] | None
) -> None:
    if "status" in payload:
        outcome.status = TaskStatus(payload["status"])
        outcome.statuses.append(outcome.status)
        outcome.order.append(f"status:{outcome.status.name}")
    if "progress" in payload:
        outcome.progress.append(int(payload["progress"]))
        outcome.order.append("progress")
        if on_progress is not None:
            on_progress(int(payload["progress"]))
    if "result" in payload:
        outcome.result = payload["result"]
        outcome.order.append("result")
