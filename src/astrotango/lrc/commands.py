"""The registry of a device's long-running commands and the attribute values it publishes.

:class:`CommandRegistry` keeps each command's status, progress and result, and turns every
change into an ordered list of ``(attribute, value)`` pairs handed to a ``publish`` callable
while its lock is held, so the order every client sees is the order the changes happened in:
STAGING first, a result before its final status, and the summary attributes after the
``_lrcEvent`` that caused them. ``publish`` must not block (the device hands the pairs to a
publisher thread).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from astrotango.control_model import TERMINAL_TASK_STATUSES, TaskStatus

__all__ = [
    "LRC_PROTOCOL_VERSIONS",
    "MAX_FINISHED_COMMANDS",
    "CommandRecord",
    "CommandRegistry",
    "Publish",
    "new_command_id",
]

LRC_PROTOCOL_VERSIONS = (1, 2)
MAX_FINISHED_COMMANDS = 100

#: Receives the changed attribute values, in order, as (attribute name, value) pairs.
Publish = Callable[[Sequence[tuple[str, Any]]], None]


def new_command_id(command_name: str) -> str:
    """Return a command id of the form ``<unix time>_<uuid4 as integer>_<CommandName>``."""
    return f"{time.time()}_{uuid.uuid4().int}_{command_name}"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _jsonable(value: Any) -> Any:
    """Make a result JSON-serialisable (enums become their integer values)."""
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, int | float | str | bool) or value is None:
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return str(value)


@dataclass
class CommandRecord:
    """What is known of one long-running command."""

    uid: str
    name: str
    status: TaskStatus
    submitted_time: str
    started_time: str | None = None
    finished_time: str | None = None
    progress: int | None = None
    result: Any = None

    @property
    def finished(self) -> bool:
        """True once the command has reached a final status."""
        return self.status in TERMINAL_TASK_STATUSES


class CommandRegistry:
    """Thread-safe store of a device's long-running commands.

    Args:
        publish: Called, under the registry lock, with the attribute values a change alters.
        max_finished: How many finished commands are remembered (oldest dropped first).
    """

    def __init__(self, publish: Publish, *, max_finished: int = MAX_FINISHED_COMMANDS) -> None:
        self._publish = publish
        self._max_finished = max_finished
        self._lock = threading.Lock()
        self._active: OrderedDict[str, CommandRecord] = OrderedDict()
        self._finished: OrderedDict[str, CommandRecord] = OrderedDict()
        self._last_result: tuple[str, str] = ("", "")

    def new_command(self, name: str) -> str:
        """Register a command in STAGING and return its id."""
        uid = new_command_id(name)
        with self._lock:
            self._active[uid] = CommandRecord(uid, name, TaskStatus.STAGING, _now_iso())
            self._publish([("_lrcEvent", self._event(uid, status=TaskStatus.STAGING))])
        return uid

    def update(
        self,
        uid: str,
        *,
        status: TaskStatus | None = None,
        progress: int | None = None,
        result: Any = None,
    ) -> None:
        """Apply a report for command ``uid``; reports after a final status are ignored."""
        with self._lock:
            record = self._active.get(uid)
            if record is None:
                return
            changes: list[tuple[str, Any]] = []
            if progress is not None and status is None:
                record.progress = max(0, min(100, int(progress)))
                changes.append(("_lrcEvent", self._event(uid, progress=record.progress)))
                changes += self._summary(progress_only=True)
            if result is not None:
                record.result = _jsonable(result)
                self._last_result = (uid, json.dumps(record.result))
                changes.append(("_lrcEvent", self._event(uid, result=record.result)))
                changes.append(("longRunningCommandResult", self._last_result))
            if status is not None and status != record.status:
                self._set_status(record, status, progress)
                changes.append(("_lrcEvent", self._event(uid, status=status)))
                changes += self._summary(progress_only=False)
            if changes:
                self._publish(changes)

    def _set_status(self, record: CommandRecord, status: TaskStatus, progress: int | None) -> None:
        record.status = status
        if progress is not None:
            record.progress = max(0, min(100, int(progress)))
        if status == TaskStatus.IN_PROGRESS:
            record.started_time = _now_iso()
            record.progress = record.progress or 0
        if status in TERMINAL_TASK_STATUSES:
            record.finished_time = _now_iso()
            del self._active[record.uid]
            self._finished[record.uid] = record
            while len(self._finished) > self._max_finished:
                self._finished.popitem(last=False)

    def status_of(self, uid: str) -> TaskStatus:
        """Return the command's status, or NOT_FOUND for an id this device does not know."""
        with self._lock:
            record = self._active.get(uid) or self._finished.get(uid)
            return record.status if record is not None else TaskStatus.NOT_FOUND

    def record(self, uid: str) -> CommandRecord | None:
        """Return a copy of what is known of command ``uid``."""
        with self._lock:
            record = self._active.get(uid) or self._finished.get(uid)
            return None if record is None else CommandRecord(**vars(record))

    def attribute_values(self) -> dict[str, Any]:
        """Return the current value of every LRC attribute (for reads and first events)."""
        with self._lock:
            values = dict(self._summary(progress_only=False))
            values["longRunningCommandResult"] = self._last_result
            return values

    @staticmethod
    def _event(uid: str, **fields: Any) -> tuple[str, str]:
        payload = {k: (int(v) if isinstance(v, TaskStatus) else v) for k, v in fields.items()}
        return (uid, json.dumps(payload))

    def _summary(self, *, progress_only: bool) -> list[tuple[str, Any]]:
        executing = [r for r in self._active.values() if r.status == TaskStatus.IN_PROGRESS]
        values: list[tuple[str, Any]] = [
            ("lrcExecuting", tuple(json.dumps(_executing_entry(r)) for r in executing)),
            (
                "longRunningCommandProgress",
                tuple(v for r in executing for v in (r.uid, str(r.progress or 0))),
            ),
        ]
        if progress_only:
            return values
        queued = [
            r for r in self._active.values() if r.status in (TaskStatus.STAGING, TaskStatus.QUEUED)
        ]
        known = [*self._finished.values(), *self._active.values()]
        values += [
            ("lrcQueue", tuple(json.dumps(_queue_entry(r)) for r in queued)),
            ("lrcFinished", tuple(json.dumps(_finished_entry(r)) for r in self._finished.values())),
            (
                "longRunningCommandStatus",
                tuple(v for r in known for v in (r.uid, r.status.name)),
            ),
            ("longRunningCommandIDsInQueue", tuple(r.uid for r in known)),
            ("longRunningCommandsInQueue", tuple(r.name for r in known)),
            ("longRunningCommandInProgress", tuple(r.name for r in executing)),
        ]
        return values


def _queue_entry(r: CommandRecord) -> dict[str, Any]:
    return {"uid": r.uid, "name": r.name, "submitted_time": r.submitted_time}


def _executing_entry(r: CommandRecord) -> dict[str, Any]:
    return {**_queue_entry(r), "started_time": r.started_time, "progress": r.progress or 0}


def _finished_entry(r: CommandRecord) -> dict[str, Any]:
    return {
        **_queue_entry(r),
        "status": r.status.name,
        "started_time": r.started_time,
        "finished_time": r.finished_time,
        "result": r.result,
    }
