"""Aggregation of subtask outcomes into one task outcome.

`TaskAggregationPolicy` is pure: it reads a mapping of subtask name to subtask state and returns
an `AggregatedOutcome`. The rules, in precedence order:

1. any subtask ABORTED → status ABORTED, result ABORTED, health UNKNOWN;
2. otherwise, any expected subtask not yet final → status IN_PROGRESS, result UNKNOWN,
   health UNKNOWN;
3. otherwise failures decide: none → COMPLETED / OK / health OK; every subtask failed, or a
   failed subtask is marked critical → FAILED / FAILED / health FAILED; some failed →
   COMPLETED / FAILED / health DEGRADED.

A subtask has failed when its status is FAILED or REJECTED, or it COMPLETED with a result whose
code is FAILED, REJECTED or NOT_ALLOWED. Messages chain one entry per subtask in insertion order
of the mapping (the order in which the tracker first heard of each subtask).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from astrotango.control_model import TERMINAL_TASK_STATUSES, HealthState, ResultCode, TaskStatus

__all__ = [
    "FAILURE_RESULT_CODES",
    "AggregatedOutcome",
    "SubtaskView",
    "TaskAggregationPolicy",
    "result_code_of",
    "result_message_of",
]

#: Result codes that make a COMPLETED subtask count as failed.
FAILURE_RESULT_CODES: frozenset[ResultCode] = frozenset(
    {ResultCode.FAILED, ResultCode.REJECTED, ResultCode.NOT_ALLOWED}
)

_FAILURE_STATUSES = frozenset({TaskStatus.FAILED, TaskStatus.REJECTED})


class SubtaskView(Protocol):
    """What the policy reads from one subtask (`SubtaskResult` satisfies it)."""

    @property
    def status(self) -> TaskStatus | None:
        """Latest status; None when only progress has been reported."""

    @property
    def result(self) -> object:
        """Latest result: ``(ResultCode, message)``, a ResultCode, or anything else."""

    @property
    def critical(self) -> bool:
        """Whether a failure of this subtask fails the whole task."""

    @property
    def error(self) -> tuple[object, ...] | None:
        """Errors (e.g. Tango DevError) reported with the subtask, if any."""


@dataclass(frozen=True)
class AggregatedOutcome:
    """The aggregated outcome of a task.

    Attributes:
        status: Overall task status.
        result: Overall result code.
        message: Chained per-subtask message (with a header line for a root task).
        health: Health implied by the outcome.
        failed_subtasks: Names of the failed subtasks, in insertion order.
    """

    status: TaskStatus
    result: ResultCode
    message: str
    health: HealthState
    failed_subtasks: tuple[str, ...] = ()


def _as_code(value: object) -> ResultCode | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, list | tuple) and len(value) == 1:  # [[code], [msg]] Tango style
        value = value[0]
    try:
        return ResultCode(operator.index(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _decode(result: object) -> object:
    if isinstance(result, str):
        try:
            decoded: object = json.loads(result)
        except ValueError:
            return result
        if isinstance(decoded, list):
            return decoded
    return result


def result_code_of(result: object) -> ResultCode | None:
    """Return the ResultCode carried by a result, or None if it carries none.

    Args:
        result: A ``(code, message)`` tuple or list (also its JSON text, or Tango's
            ``[[code], [message]]``), a ResultCode or int, or any other value.
    """
    result = _decode(result)
    if isinstance(result, list | tuple):
        return _as_code(result[0]) if result else None
    return _as_code(result)


def result_message_of(result: object) -> str | None:
    """Return the message carried by a result, or None if it carries none.

    Args:
        result: As for `result_code_of`; a bare string is its own message.
    """
    result = _decode(result)
    if result is None or _as_code(result) is not None:
        return None
    if isinstance(result, list | tuple):
        if len(result) < 2:
            return None
        message = result[1]
        if isinstance(message, list | tuple) and len(message) == 1:
            message = message[0]
        return str(message)
    return str(result)


def _error_text(errors: tuple[object, ...] | None) -> str | None:
    if not errors:
        return None
    return ", ".join(str(getattr(err, "desc", err)) for err in errors)


class TaskAggregationPolicy:
    """Turns subtask states into one `AggregatedOutcome`.

    Args:
        task_name: Name of the aggregated task, used in the root header.
        operation: Optional operation context (shown in the root header).
        obs_mode: Optional observation-mode context (shown in the root header).
        is_root: Whether messages start with a header line naming the task.
    """

    def __init__(
        self,
        task_name: str,
        operation: str | None = None,
        obs_mode: str | None = None,
        is_root: bool = False,
    ) -> None:
        self.task_name = task_name
        self.operation = operation
        self.obs_mode = obs_mode
        self.is_root = is_root

    def is_failed(self, subtask: SubtaskView) -> bool:
        """Return whether a subtask has failed (see the module docstring)."""
        if subtask.status in _FAILURE_STATUSES:
            return True
        return (
            subtask.status is TaskStatus.COMPLETED
            and result_code_of(subtask.result) in FAILURE_RESULT_CODES
        )

    def aggregate(
        self, subtasks: Mapping[str, SubtaskView], total_expected: int
    ) -> AggregatedOutcome:
        """Aggregate the subtasks into one outcome.

        Args:
            subtasks: Subtask name to state, in the order the subtasks were first seen.
            total_expected: Number of subtasks expected; unseen ones count as not final.

        Returns:
            The aggregated outcome; the subtasks are not modified.
        """
        expected = max(total_expected, len(subtasks), 0)
        final = [n for n, s in subtasks.items() if s.status in TERMINAL_TASK_STATUSES]
        failed = tuple(n for n, s in subtasks.items() if self.is_failed(s))
        aborted = [n for n, s in subtasks.items() if s.status is TaskStatus.ABORTED]
        body = "; ".join(self._line(name, sub) for name, sub in subtasks.items())
        if aborted:
            status, code, health = TaskStatus.ABORTED, ResultCode.ABORTED, HealthState.UNKNOWN
            summary = f"{len(aborted)} of {expected} subtasks aborted"
        elif len(final) < expected:
            status, code, health = TaskStatus.IN_PROGRESS, ResultCode.UNKNOWN, HealthState.UNKNOWN
            summary = f"{len(final)} of {expected} subtasks finished"
        elif not failed:
            status, code, health = TaskStatus.COMPLETED, ResultCode.OK, HealthState.OK
            summary = f"all {expected} subtasks completed"
        else:
            summary = f"{len(failed)} of {expected} subtasks failed"
            critical = any(subtasks[n].critical for n in failed)
            if len(failed) == expected or critical:
                status, code, health = TaskStatus.FAILED, ResultCode.FAILED, HealthState.FAILED
                if critical:
                    summary += " (critical)"
            else:
                status, code, health = TaskStatus.COMPLETED, ResultCode.FAILED, HealthState.DEGRADED
        message = f"{self._header()}: {summary}\n{body}".rstrip() if self.is_root else body
        return AggregatedOutcome(status, code, message, health, failed)

    def _header(self) -> str:
        context = (("operation", self.operation), ("obs_mode", self.obs_mode))
        parts = [f"{key}={value}" for key, value in context if value]
        return f"{self.task_name} [{', '.join(parts)}]" if parts else self.task_name

    def _line(self, name: str, subtask: SubtaskView) -> str:
        status = subtask.status
        if status is None or status not in TERMINAL_TASK_STATUSES:
            return f"{name}: {status.name if status is not None else 'PENDING'}"
        code = result_code_of(subtask.result)
        if status is TaskStatus.COMPLETED and code in (None, ResultCode.OK):
            return f"{name}: OK"
        label = code.name if status is TaskStatus.COMPLETED and code is not None else status.name
        detail = result_message_of(subtask.result) or _error_text(subtask.error)
        return f"{name}: {label} ({detail})" if detail else f"{name}: {label}"
