"""A queued, abortable executor for long-running commands.

One worker thread runs queued task functions in order. Every task function follows one
calling convention::

    def task(*args, task_callback: TaskCallback, abort_event: threading.Event, **kwargs) -> None

reporting ``status=``, ``progress=`` and ``result=`` through ``task_callback`` and checking
``abort_event`` between (and inside) its steps. The executor reports QUEUED on submission,
IN_PROGRESS when the task starts, and a FAILED status with the exception text when a task
raises, so no result is ever lost. A task that returns without a final status is a bug; it is
reported FAILED, never silently COMPLETED.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from astrotango.clock import Clock, ClockCondition, Wake, WallClock, spawn
from astrotango.control_model import TERMINAL_TASK_STATUSES, ResultCode, TaskStatus

__all__ = ["MAX_QUEUED_COMMANDS", "TaskCallback", "TaskExecutor", "TaskFunction"]

MAX_QUEUED_COMMANDS = 32

_LOG = logging.getLogger(__name__)


class TaskCallback(Protocol):
    """What a task function calls to report status, progress and result."""

    def __call__(
        self,
        *,
        status: TaskStatus | None = None,
        progress: int | None = None,
        result: Any = None,
    ) -> None:
        """Report a change; any argument left out is unchanged."""


TaskFunction = Callable[..., None]


def _ignore(**_: Any) -> None:
    """A task callback that drops every report."""


@dataclass
class _Job:
    func: TaskFunction
    args: Sequence[Any]
    kwargs: Mapping[str, Any]
    report: TaskCallback
    abort_event: threading.Event = field(default_factory=Wake)
    final: bool = field(default=False)
    #: A preempting (safety) task: no abort removes it from the queue or stops it.
    protected: bool = field(default=False)

    def callback(
        self, *, status: TaskStatus | None = None, progress: int | None = None, result: Any = None
    ) -> None:
        """Forward a report, remembering whether the job has reached a final status."""
        if self.final:
            return
        if status is not None and status in TERMINAL_TASK_STATUSES:
            self.final = True
        self.report(status=status, progress=progress, result=result)


class TaskExecutor:
    """Runs long-running task functions one at a time from a bounded queue.

    Args:
        max_queued: Commands that may wait at once; one more is REJECTED.
        name: Thread name, for logs and debuggers.
        clock: The clock its tasks wait on; the worker is one of its participants (on
            virtual time, busy while a task runs but for the task's own clock waits).
    """

    def __init__(
        self,
        *,
        max_queued: int = MAX_QUEUED_COMMANDS,
        name: str = "lrc",
        clock: Clock | None = None,
    ) -> None:
        self._max_queued = max_queued
        self._clock: Clock = clock or WallClock()
        self._queue: collections.deque[_Job] = collections.deque()
        self._cond = ClockCondition()
        self._running: _Job | None = None
        self._aborting = False
        self._stopped = False
        self._worker = spawn(self._clock, self._serve, name=f"{name}-worker")

    @property
    def queued(self) -> int:
        """Number of commands waiting to start."""
        with self._cond:
            return len(self._queue)

    @property
    def busy(self) -> bool:
        """True while a task is running or waiting."""
        with self._cond:
            return self._running is not None or bool(self._queue)

    def submit(
        self,
        func: TaskFunction,
        *,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        task_callback: TaskCallback | None = None,
    ) -> tuple[TaskStatus, str]:
        """Queue a task function.

        Returns:
            ``(QUEUED, "Task queued")``, or ``(REJECTED, reason)`` when the queue is full, an
            abort is in progress, or the executor is shut down; a rejected task never runs and
            its callback hears ``status=REJECTED``.
        """
        report = task_callback or _ignore
        with self._cond:
            reason = None
            if self._stopped:
                reason = "The executor has been shut down"
            elif self._aborting:
                reason = "An abort is in progress; try again when it has completed"
            elif len(self._queue) >= self._max_queued:
                reason = f"Input queue supports a maximum of {self._max_queued} commands"
            if reason is not None:
                report(status=TaskStatus.REJECTED, result=(ResultCode.REJECTED, reason))
                return TaskStatus.REJECTED, reason
            job = _Job(func, tuple(args), dict(kwargs or {}), report)
            # Reported under the lock so QUEUED always precedes the worker's IN_PROGRESS.
            job.callback(status=TaskStatus.QUEUED)
            self._queue.append(job)
            self._cond.notify_all()
        return TaskStatus.QUEUED, "Task queued"

    def abort(self, task_callback: TaskCallback | None = None) -> tuple[TaskStatus, str]:
        """Abort every queued task and ask the running one to stop.

        Queued tasks end ABORTED at once; protected (preempting) tasks are spared, queued or
        running. The running task sees ``abort_event`` set and stops
        at its next check. ``task_callback`` hears IN_PROGRESS now and COMPLETED only once the
        running task has reached its final status, so an abort is never reported complete
        before the command it aborted.

        Returns:
            ``(IN_PROGRESS, "Aborting")``.
        """
        report = task_callback or _ignore
        with self._cond:
            self._aborting = True
            report(status=TaskStatus.IN_PROGRESS)
            running = self._running
            target = running if running is not None and not running.protected else None
            self._abort_all_locked()
        threading.Thread(
            target=self._finish_abort, args=(report, target), name="lrc-abort", daemon=True
        ).start()
        return TaskStatus.IN_PROGRESS, "Aborting"

    def preempt(
        self,
        func: TaskFunction,
        *,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        task_callback: TaskCallback | None = None,
    ) -> tuple[TaskStatus, str]:
        """Run ``func`` next, ahead of everything, beyond the reach of any abort.

        Queued tasks end ABORTED, the running one is asked to stop, and ``func`` starts as soon
        as it has. For safety commands such as a telescope's SafeShutdown, which must never
        wait behind ordinary work: a later :meth:`abort` (or preemption) neither removes it
        from the queue nor sets its abort event, so an Abort racing a SafeShutdown can never
        cancel it.

        Returns:
            ``(QUEUED, "Task preempts the queue")``, or ``(REJECTED, reason)`` after shutdown.
        """
        report = task_callback or _ignore
        with self._cond:
            if self._stopped:
                reason = "The executor has been shut down"
                report(status=TaskStatus.REJECTED, result=(ResultCode.REJECTED, reason))
                return TaskStatus.REJECTED, reason
            self._abort_all_locked()
            job = _Job(func, tuple(args), dict(kwargs or {}), report, protected=True)
            job.callback(status=TaskStatus.QUEUED)
            # Behind protected tasks already waiting (their order is kept), ahead of the rest.
            self._queue.insert(sum(1 for j in self._queue if j.protected), job)
            self._cond.notify_all()
        return TaskStatus.QUEUED, "Task preempts the queue"

    def _abort_all_locked(self) -> None:
        """Abort the queue and signal the running task, sparing protected ones (lock held)."""
        if self._running is not None and not self._running.protected:
            self._running.abort_event.set()
        drained = [job for job in self._queue if not job.protected]
        kept = [job for job in self._queue if job.protected]
        self._queue.clear()
        self._queue.extend(kept)
        for job in drained:
            job.abort_event.set()
            job.callback(
                status=TaskStatus.ABORTED,
                result=(ResultCode.ABORTED, "Command has been aborted"),
            )

    def _finish_abort(self, report: TaskCallback, target: _Job | None) -> None:
        with self._cond:
            if target is not None:  # idle when asked: nothing to wait for
                self._cond.wait_for(lambda: self._running is not target)
            self._aborting = False
            report(status=TaskStatus.COMPLETED, result=(ResultCode.OK, "Abort completed OK"))

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Abort everything, stop the worker and wait for it (at most ``timeout_s``)."""
        with self._cond:
            if self._stopped:
                return
        self.abort()
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._worker.join(timeout_s)

    def _serve(self) -> None:
        while True:
            with self._cond:
                self._clock.wait_for(self._cond, lambda: bool(self._queue) or self._stopped, None)
                if not self._queue:
                    return
                job = self._queue.popleft()
                self._running = job
            self._run(job)
            with self._cond:
                self._running = None
                self._cond.notify_all()

    def _run(self, job: _Job) -> None:
        if job.abort_event.is_set():
            job.callback(
                status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "Command has been aborted")
            )
            return
        job.callback(status=TaskStatus.IN_PROGRESS)
        try:
            job.func(
                *job.args, task_callback=job.callback, abort_event=job.abort_event, **job.kwargs
            )
        except Exception as exc:  # noqa: BLE001 - the worker-thread boundary: report, never die
            _LOG.exception("Long-running task %r raised", getattr(job.func, "__name__", job.func))
            job.callback(
                status=TaskStatus.FAILED,
                result=(ResultCode.FAILED, f"{type(exc).__name__}: {exc}"),
            )
            return
        if not job.final:
            job.callback(
                status=TaskStatus.FAILED,
                result=(ResultCode.FAILED, "The task ended without reporting a final status"),
            )
