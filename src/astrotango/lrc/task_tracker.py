"""TaskTracker: follow the subtasks of one logical task and report one outcome (mission/002).

Every update is applied under one internal lock; the callback is never called while that lock is
held. Notifications (quantised progress, then exactly one completion) are queued under the lock
and delivered in order by whichever thread finds no delivery running, so a callback may itself
call `TaskTracker.update_task` without deadlocking. Consequently, when several threads update at
once, the completion callback runs on one of them (not necessarily the one whose update finished
the task); `TaskTracker.wait_for_task_completion` returns only after it has run.

A tracker expecting no subtasks (``total_subtasks <= 0``) completes in its constructor: the
callback is called there with COMPLETED / OK.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from astrotango.clock import Clock, Wake
from astrotango.control_model import TERMINAL_TASK_STATUSES, HealthState, ResultCode, TaskStatus
from astrotango.lrc.aggregation import TaskAggregationPolicy

__all__ = ["SubtaskResult", "TaskTracker"]

_LOG = logging.getLogger(__name__)
_POLL_S = 0.05


@dataclass
class SubtaskResult:
    """Latest known state of one subtask.

    Attributes:
        status: Latest status; None while only progress has been reported.
        result: Latest result, conventionally ``(ResultCode, message)``.
        progress: Latest progress in percent, capped to 0..100; None if never reported.
        devices: Devices involved in the subtask.
        failed_devices: Devices that failed (a subset of ``devices``).
        device_name: Single device identifier (fallback for ``devices``).
        critical: Whether a failure of this subtask fails the whole task.
        error: Errors (e.g. Tango DevError) reported with the subtask.
    """

    status: TaskStatus | None = None
    result: Any = None
    progress: int | None = None
    devices: list[str] = field(default_factory=list)
    failed_devices: list[str] = field(default_factory=list)
    device_name: str | None = None
    critical: bool = False
    error: tuple[Any, ...] | None = None


def _names(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Iterable):
        raise TypeError(f"expected device names, got {value!r}")
    return [str(v) for v in value]


def _percent(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"progress must be a number, got {value!r}")
    return min(100, max(0, int(value)))


class TaskTracker:
    """Track subtask updates and derive one aggregated task outcome.

    Args:
        task_name: Logical name of the tracked task.
        total_subtasks: Number of subtasks expected; ``<= 0`` completes at once.
        completed_callback: Called once on completion with ``status``, ``result``
            (``(ResultCode, message)``), ``progress=100``, ``health_state`` and, when known,
            ``devices``, ``failed_devices`` and ``error``; also with ``progress`` alone on
            quantised progress changes when ``progress_updates`` is set.
        logger: Logger; defaults to this module's.
        operation: Operation context for the aggregation policy.
        obs_mode: Observation-mode context for the aggregation policy.
        is_root: Whether result messages start with a header line naming the task.
        progress_updates: Whether to send progress-only notifications.
        progress_step: Quantisation step of progress notifications, in percent (1..100).

    Raises:
        ValueError: If ``progress_step`` is not in 1..100.
    """

    overall_status: TaskStatus
    overall_result: ResultCode
    overall_resultcode: tuple[ResultCode, str]
    overall_health: HealthState

    def __init__(
        self,
        task_name: str,
        total_subtasks: int,
        completed_callback: Callable[..., object] | None = None,
        logger: logging.Logger | None = None,
        operation: str | None = None,
        obs_mode: str | None = None,
        is_root: bool | None = False,
        *,
        progress_updates: bool = False,
        progress_step: int = 10,
    ) -> None:
        if not 1 <= progress_step <= 100:
            raise ValueError(f"progress_step must be in 1..100, got {progress_step}")
        self.task_name = task_name
        self.total_subtasks = total_subtasks
        self.completed_callback = completed_callback
        self.logger = logger or _LOG
        self.is_root = bool(is_root)
        self.progress_updates = progress_updates
        self.progress_step = progress_step
        self.subtasks: dict[str, SubtaskResult] = {}
        self.progress = 0
        self.completed_subtasks = 0
        self.operation = operation
        self.obs_mode = obs_mode
        #: The aggregation policy; replaced (under the lock) when the context changes.
        self.policy = TaskAggregationPolicy(task_name, operation, obs_mode, self.is_root)
        self._errors: list[Any] = []
        self._lock = threading.Lock()
        self._done = Wake()
        self._claimed = False  # completion payload queued (at most once)
        self._draining = False
        self._outbox: collections.deque[dict[str, Any]] = collections.deque()
        self._last_notified = 0
        with self._lock:
            self._aggregate()
            self._recompute_progress()
            self._complete_if_done_locked()
        self._drain()

    def set_context(self, operation: str | None = None, obs_mode: str | None = None) -> None:
        """Update the policy context; a change rebuilds the aggregation policy.

        Args:
            operation: New operation context; None leaves it unchanged.
            obs_mode: New observation-mode context; None leaves it unchanged.
        """
        with self._lock:
            self._set_context_locked(operation, obs_mode)

    def wait_for_task_completion(
        self, timeout_event: threading.Event | None = None, clock: Clock | None = None
    ) -> bool:
        """Block until the task has completed and its completion has been delivered.

        Args:
            timeout_event: Optional external cancellation signal, polled every 50 ms (every
                clock second with ``clock``).
            clock: Wait idle on this clock (a participant of virtual time must).

        Returns:
            True once complete; False if ``timeout_event`` was set first.
        """
        if clock is not None:
            while not self._done.is_set():
                if timeout_event is not None and timeout_event.is_set():
                    return self._done.is_set()
                clock.sleep(1.0 if timeout_event is not None else 3600.0, self._done)
            return True
        if timeout_event is None:
            return self._done.wait()
        while not self._done.is_set():
            if timeout_event.is_set():
                return self._done.is_set()
            self._done.wait(_POLL_S)
        return True

    def signal_task_completion(self) -> None:
        """Set the completion event, releasing waiting threads."""
        self._done.set()

    def get_status(self) -> TaskStatus:
        """Return the current aggregated task status."""
        return self.overall_status

    def get_result(self) -> ResultCode:
        """Return the current aggregated result code."""
        return self.overall_result

    def update_task(
        self,
        *,
        task_name: str,
        status: TaskStatus | None = None,
        progress: int | None = None,
        result: Any | None = None,
        error: tuple[Any, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        """Ingest one subtask update; never raises.

        Updates for a subtask already final, or after the task completed, are ignored. Any
        internal error (including invalid input) ends the whole task FAILED.

        Args:
            task_name: Name of the subtask reporting.
            status: The subtask's new status.
            progress: The subtask's progress in percent (capped to 0..100).
            result: The subtask's result, conventionally ``(ResultCode, message)``.
            error: Errors (e.g. Tango DevError) to store and report on completion.
            **kwargs: ``device_name``, ``devices``, ``failed_devices``, ``operation``,
                ``obs_mode``, ``source`` (for logging), ``critical`` (bool).
        """
        try:
            with self._lock:
                self._ingest_locked(task_name, status, progress, result, error, kwargs)
        except Exception as exc:
            self.logger.exception("TaskTracker %s: update for %r failed", self.task_name, task_name)
            self._fail(f"{self.task_name}: internal error on update of {task_name!r}: {exc!r}")
            return
        self._drain()

    # -- under the lock ------------------------------------------------------------------------

    def _ingest_locked(
        self,
        task_name: str,
        status: object,
        progress: object,
        result: object,
        error: object,
        kwargs: dict[str, Any],
    ) -> None:
        device_name = kwargs.get("device_name")
        if self._claimed:
            self.logger.debug("TaskTracker %s: done; ignoring %r", self.task_name, task_name)
            return
        if self._is_task_already_completed(task_name, device_name):
            return
        # Validate everything before mutating anything.
        new_status = None if status is None else TaskStatus(status)  # type: ignore[arg-type]
        percent = _percent(progress)
        devices, failed = _names(kwargs.get("devices")), _names(kwargs.get("failed_devices"))
        critical = kwargs.get("critical")
        if critical is not None and not isinstance(critical, int):
            raise TypeError(f"critical must be a bool, got {critical!r}")
        if kwargs.get("source") is not None:
            self.logger.debug("TaskTracker %s: update from %s", self.task_name, kwargs["source"])
        self._set_context_locked(kwargs.get("operation"), kwargs.get("obs_mode"))
        sub = self.subtasks.setdefault(task_name, SubtaskResult())
        sub.status = sub.status if new_status is None else new_status
        sub.progress = sub.progress if percent is None else percent
        sub.result = sub.result if result is None else result
        sub.devices = sub.devices if devices is None else devices
        sub.failed_devices = sub.failed_devices if failed is None else failed
        sub.device_name = sub.device_name if device_name is None else str(device_name)
        sub.critical = sub.critical if critical is None else bool(critical)
        if error:
            sub.error = tuple(error) if isinstance(error, list | tuple) else (error,)
            self._errors.extend(sub.error)
        self._aggregate()
        final = [s for s in self.subtasks.values() if s.status in TERMINAL_TASK_STATUSES]
        self.completed_subtasks = len(final)
        self._recompute_progress()
        if self._complete_if_done_locked():
            return
        if self.progress_updates:
            quantised = self.progress - self.progress % self.progress_step
            if quantised != self._last_notified:
                self._last_notified = quantised
                self._outbox.append({"progress": quantised})

    def _set_context_locked(self, operation: str | None, obs_mode: str | None) -> None:
        new_operation = self.operation if operation is None else operation
        new_obs_mode = self.obs_mode if obs_mode is None else obs_mode
        if (new_operation, new_obs_mode) != (self.operation, self.obs_mode):
            self.operation, self.obs_mode = new_operation, new_obs_mode
            self.policy = TaskAggregationPolicy(
                self.task_name, new_operation, new_obs_mode, self.is_root
            )

    def _is_task_already_completed(self, task_name: str, device_name: object = None) -> bool:
        sub = self.subtasks.get(task_name)
        if sub is None or sub.status not in TERMINAL_TASK_STATUSES:
            return False
        self.logger.debug(
            "TaskTracker %s: ignoring late update for final subtask %r (device %s)",
            self.task_name,
            task_name,
            device_name,
        )
        return True

    def _aggregate(self) -> None:
        outcome = self.policy.aggregate(self.subtasks, self.total_subtasks)
        self._set_outcome(outcome.status, outcome.result, outcome.message, outcome.health)

    def _set_outcome(
        self, status: TaskStatus, result: ResultCode, message: str, health: HealthState
    ) -> None:
        self.overall_status = status
        self.overall_result = result
        self.overall_resultcode = (result, message)
        self.overall_health = health

    def _recompute_progress(self) -> None:
        expected = max(self.total_subtasks, len(self.subtasks))
        if expected <= 0:
            self.progress = 100
            return
        total = sum(
            100 if s.status in TERMINAL_TASK_STATUSES else (s.progress or 0)
            for s in self.subtasks.values()
        )
        self.progress = min(100, total // expected)

    def _complete_if_done_locked(self) -> bool:
        """Queue the completion payload if every expected subtask is final; return whether."""
        seen = len(self.subtasks)
        done = self.total_subtasks <= 0 or self.completed_subtasks == seen >= self.total_subtasks
        if done and not self._claimed:
            self._outbox.append(self._build_completion_payload())
            self._claimed = True
        return done

    def _build_completion_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "status": self.overall_status,
            "result": self.overall_resultcode,
            "progress": 100,
        }
        devices, failed_devices = self._collect_devices_for_completion()
        if devices or failed_devices:
            payload["devices"] = devices
            payload["failed_devices"] = failed_devices
        payload["health_state"] = self.overall_health
        if self._errors:
            payload["error"] = tuple(self._errors)
        return payload

    def _collect_devices_for_completion(self) -> tuple[list[str], list[str]]:
        devices: set[str] = set()
        failed: set[str] = set()
        for sub in self.subtasks.values():
            involved = set(sub.devices) or ({sub.device_name} if sub.device_name else set())
            devices |= involved | set(sub.failed_devices)
            failed |= set(sub.failed_devices)
            if self.policy.is_failed(sub) and not sub.failed_devices:
                failed |= involved
        return sorted(devices), sorted(failed)

    # -- outside the lock ----------------------------------------------------------------------

    def _fail(self, message: str) -> None:
        """End the task FAILED after an internal error (once; later calls only log)."""
        with self._lock:
            if self._claimed:
                self.logger.error(
                    "TaskTracker %s: error after completion: %s", self.task_name, message
                )
                return
            self._set_outcome(TaskStatus.FAILED, ResultCode.FAILED, message, HealthState.FAILED)
            self._claimed = True
            try:
                payload = self._build_completion_payload()
            except Exception:  # state too broken to describe: report the bare outcome
                self.logger.exception("TaskTracker %s: cannot describe devices", self.task_name)
                payload = {"status": TaskStatus.FAILED, "result": self.overall_resultcode}
                payload.update(progress=100, health_state=HealthState.FAILED)
            self._outbox.append(payload)
        self._drain()

    def _drain(self) -> None:
        """Deliver queued notifications in order, unless another thread is delivering them."""
        with self._lock:
            if self._draining:
                return
            self._draining = True
        while True:
            with self._lock:
                if not self._outbox:
                    self._draining = False
                    return
                payload = self._outbox.popleft()
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> None:
        completion = "status" in payload
        try:
            if self.completed_callback is not None:
                self.completed_callback(**payload)
        except Exception as exc:
            self.logger.exception("TaskTracker %s: callback raised", self.task_name)
            message = f"{self.task_name}: callback raised {exc!r}"
            if completion:
                with self._lock:
                    self._set_outcome(
                        TaskStatus.FAILED, ResultCode.FAILED, message, HealthState.FAILED
                    )
            else:
                self._fail(message)
        finally:
            if completion:
                self._done.set()
