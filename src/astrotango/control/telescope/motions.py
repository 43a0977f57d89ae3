"""SafeShutdown and the single motions (Park, Unpark, OpenEnclosure, CloseEnclosure).

SafeShutdown closes the enclosure and parks the mount at the same time, one TaskTracker
subtask each (both critical), and reports FAILED naming the part that could not complete. It
is a safety action: once started it ignores abort and runs to its end, and running it again
when the telescope is already safe completes at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from astrotango.clock import Clock
from astrotango.control.telescope.waiting import (
    ExecutionTimeouts,
    StepAborted,
    StepFailed,
    Waiter,
    check_enclosure,
    check_mount,
)
from astrotango.control_model import TERMINAL_TASK_STATUSES, ResultCode, TaskStatus
from astrotango.hardware import (
    EnclosureState,
    HardwareError,
    MountState,
    Telemetry,
    TelescopeDriver,
)
from astrotango.lrc import TaskCallback, TaskTracker

__all__ = ["FanOut", "MotionCommands"]

_ENCLOSURE, _MOUNT = "close_enclosure", "park"


class MotionCommands:
    """Long-running motion commands, following the task-function convention."""

    def __init__(
        self,
        driver: TelescopeDriver,
        waiter: Waiter,
        clock: Clock,
        timeouts: ExecutionTimeouts,
        logger: logging.Logger,
    ) -> None:
        self._driver, self._waiter, self._clock = driver, waiter, clock
        self._timeouts, self._logger = timeouts, logger

    # -- SafeShutdown ---------------------------------------------------------------------

    def safe_shutdown(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Close the enclosure and park the mount in parallel; not abortable."""
        del abort_event  # a safety action runs to its end

        def on_tracker(**payload: Any) -> None:
            if "status" not in payload:
                task_callback(progress=payload["progress"])

        tracker = TaskTracker(
            "SafeShutdown",
            2,
            completed_callback=on_tracker,
            logger=self._logger,
            is_root=True,
            progress_updates=True,
            progress_step=1,
        )
        pending: dict[str, Callable[[Telemetry], bool]] = {}
        issued = self._clock.now()
        for part, start in ((_ENCLOSURE, self._start_closing), (_MOUNT, self._start_parking)):
            tracker.update_task(task_name=part, status=TaskStatus.IN_PROGRESS, critical=True)
            try:
                check = start()
            except (HardwareError, StepFailed) as exc:
                _fail(tracker, part, str(exc))
                continue
            if check is None:
                tracker.update_task(
                    task_name=part, status=TaskStatus.COMPLETED, result=(ResultCode.OK, "done")
                )
            else:
                pending[part] = check

        def follow(t: Telemetry) -> None:
            for part, check in list(pending.items()):
                try:
                    finished = check(t)
                except StepFailed as exc:
                    del pending[part]
                    _fail(tracker, part, str(exc))
                    continue
                if finished:
                    del pending[part]
                    tracker.update_task(
                        task_name=part, status=TaskStatus.COMPLETED, result=(ResultCode.OK, "done")
                    )
                else:
                    tracker.update_task(task_name=part, progress=_progress(part, t))

        if pending:
            try:
                self._waiter.until(
                    "SafeShutdown",
                    lambda t: not pending,
                    since=issued,
                    timeout_s=max(self._timeouts.enclosure_s, self._timeouts.slew_s),
                    abort_event=None,
                    check=follow,
                )
            except StepFailed as exc:
                for part in list(pending):
                    _fail(tracker, part, str(exc))
        if tracker.get_status() is TaskStatus.COMPLETED and tracker.get_result() is ResultCode.OK:
            what = "enclosure closed" if self._driver.enclosure else "no enclosure"
            task_callback(progress=100)
            task_callback(
                status=TaskStatus.COMPLETED,
                result=(ResultCode.OK, f"Safe: {what} and mount parked"),
            )
        else:
            task_callback(
                status=TaskStatus.FAILED,
                result=(ResultCode.FAILED, tracker.overall_resultcode[1]),
            )

    def begin_safe_shutdown(self) -> None:
        """Start closing and parking now, before the SafeShutdown command itself can start.

        The command waits for the task it preempts to end (an exposure cut short is still
        read out, seconds on a slow camera); the hardware does not wait with it. The command
        then issues the same motions again (idempotently) and follows them to the end.
        """
        for part, start in ((_ENCLOSURE, self._start_closing), (_MOUNT, self._start_parking)):
            try:
                start()
            except (HardwareError, StepFailed) as exc:  # the command reports it
                self._logger.warning("SafeShutdown: could not start %s at once: %s", part, exc)

    def _start_closing(self) -> Callable[[Telemetry], bool] | None:
        enclosure = self._driver.enclosure
        if enclosure is None:
            return None
        if enclosure.state().state is not EnclosureState.CLOSING:
            enclosure.close()  # also reverses an opening enclosure, and retries after a fault

        def closed(t: Telemetry) -> bool:
            check_enclosure(t)
            return t.enclosure.state is EnclosureState.CLOSED

        return closed

    def _start_parking(self) -> Callable[[Telemetry], bool] | None:
        mount = self._driver.mount
        status = mount.position()
        if status.state is MountState.FAULT:
            raise StepFailed(status.fault or "mount fault")
        if status.state is not MountState.PARKING:
            mount.park()

        def parked(t: Telemetry) -> bool:
            check_mount(t)
            return t.mount.parked

        return parked

    # -- single motions -------------------------------------------------------------------

    def park(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Park the mount; abort stops it where it is."""
        mount = self._driver.mount
        self._motion(
            "Park",
            mount.park,
            _mount_done(lambda t: t.mount.parked),
            self._timeouts.slew_s,
            task_callback,
            abort_event,
            on_abort=mount.stop,
        )

    def unpark(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Release the mount's park brakes."""
        done = _mount_done(lambda t: t.mount.state not in (MountState.PARKED, MountState.UNPARKING))
        self._motion(
            "Unpark",
            self._driver.mount.unpark,
            done,
            self._timeouts.unpark_s,
            task_callback,
            abort_event,
        )

    def open_enclosure(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Open the enclosure (abort leaves it moving: the Protocol has no enclosure stop)."""
        enclosure = self._driver.enclosure
        assert enclosure is not None  # the device refuses the command without one
        done = _enclosure_done(EnclosureState.OPEN)
        self._motion(
            "OpenEnclosure",
            enclosure.open,
            done,
            self._timeouts.enclosure_s,
            task_callback,
            abort_event,
        )

    def close_enclosure(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Close the enclosure."""
        enclosure = self._driver.enclosure
        assert enclosure is not None  # the device refuses the command without one
        done = _enclosure_done(EnclosureState.CLOSED)
        self._motion(
            "CloseEnclosure",
            enclosure.close,
            done,
            self._timeouts.enclosure_s,
            task_callback,
            abort_event,
        )

    def _motion(
        self,
        what: str,
        issue: Callable[[], None],
        done: Callable[[Telemetry], bool],
        timeout_s: float,
        task_callback: TaskCallback,
        abort_event: threading.Event,
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        try:
            issued = self._clock.now()
            issue()
            self._waiter.until(
                what, done, since=issued, timeout_s=timeout_s, abort_event=abort_event
            )
        except StepAborted:
            if on_abort is not None:
                try:
                    on_abort()
                except HardwareError as exc:
                    self._logger.warning("%s: could not stop after abort: %s", what, exc)
            task_callback(status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, f"{what} aborted"))
        except (StepFailed, HardwareError) as exc:
            task_callback(status=TaskStatus.FAILED, result=(ResultCode.FAILED, f"{what}: {exc}"))
        else:
            task_callback(progress=100)
            task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, f"{what} completed"))


def _fail(tracker: TaskTracker, part: str, message: str) -> None:
    tracker.update_task(
        task_name=part, status=TaskStatus.FAILED, result=(ResultCode.FAILED, message)
    )


def _progress(part: str, t: Telemetry) -> int:
    if part == _ENCLOSURE:
        return int(100 * (1.0 - t.enclosure.open_fraction))
    return 50 if t.mount.state is MountState.PARKING else 0


def _mount_done(goal: Callable[[Telemetry], bool]) -> Callable[[Telemetry], bool]:
    def done(t: Telemetry) -> bool:
        check_mount(t)
        return goal(t)

    return done


def _enclosure_done(goal: EnclosureState) -> Callable[[Telemetry], bool]:
    def done(t: Telemetry) -> bool:
        check_enclosure(t)
        return t.enclosure.state is goal

    return done


class FanOut:
    """One task's reports, delivered to every caller that joined it, until it ends.

    A caller that joins late hears QUEUED, then IN_PROGRESS and the last progress if the task
    has started, and every report from there on.
    """

    def __init__(self, first: TaskCallback, ended: Callable[[FanOut], None]) -> None:
        self._callbacks = [first]
        self._ended = ended
        self._lock = threading.Lock()
        self._started = False
        self._progress: int | None = None

    def join(self, callback: TaskCallback) -> None:
        """Add a caller; it hears QUEUED (and IN_PROGRESS once started) now."""
        with self._lock:
            self._callbacks.append(callback)
            started, progress = self._started, self._progress
        callback(status=TaskStatus.QUEUED)
        if started:
            callback(status=TaskStatus.IN_PROGRESS, progress=progress)

    def __call__(
        self,
        *,
        status: TaskStatus | None = None,
        progress: int | None = None,
        result: Any = None,
    ) -> None:
        """Deliver one report to every caller."""
        if status is not None and status in TERMINAL_TASK_STATUSES:
            self._ended(self)  # ended: later requests start a new one
        with self._lock:
            self._started |= status is TaskStatus.IN_PROGRESS
            self._progress = progress if progress is not None else self._progress
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback(status=status, progress=progress, result=result)
