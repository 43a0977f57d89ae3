"""MoveFocuser: moving the focuser to an absolute position, followed by monitoring.

The move is checked against the focuser's travel when it is asked for (a position outside
0..max is refused at once, naming the bound) and again when it starts. Once issued, the
monitored telemetry is followed until the focuser stands still: progress is the share of the
distance travelled; the command completes when the focuser stands at the target, fails when it
stops elsewhere, reports a fault or takes longer than ``ExecutionTimeouts.focuser_s``, and on
abort stops the focuser where it is (a focuser that cannot stop finishes its move).
"""

from __future__ import annotations

import logging
import math
import threading

from astrotango.clock import Clock
from astrotango.control.telescope.plan import TaskRefused
from astrotango.control.telescope.waiting import (
    ExecutionTimeouts,
    StepAborted,
    StepFailed,
    Waiter,
)
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import (
    Focuser,
    FocuserInfo,
    FocuserStatus,
    HardwareError,
    Telemetry,
    TelescopeDriver,
)
from astrotango.lrc import TaskCallback

__all__ = ["FocuserCommands", "move_progress"]

_NAME = "MoveFocuser"


def move_progress(start_steps: int, at_steps: int, target_steps: int) -> int:
    """Percent of the way from ``start_steps`` to ``target_steps`` at ``at_steps`` (0..100)."""
    distance = target_steps - start_steps
    if distance == 0:
        return 100
    share = (at_steps - start_steps) / distance
    return max(0, min(100, int(100 * share)))


def _focuser_of(telemetry: Telemetry) -> FocuserStatus:
    if telemetry.focuser is None:
        raise StepFailed("the telescope reports no focuser")
    return telemetry.focuser


class FocuserCommands:
    """The focuser's long-running command, following the task-function convention.

    Args:
        driver: The telescope (its ``focuser``).
        waiter: Waits on monitored telemetry.
        clock: Dates the command.
        timeouts: ``focuser_s``: the longest a move may take, clock seconds.
        logger: Where a focuser that cannot stop after an abort is reported.
    """

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
        self._max_steps = 0  # the travel, once known

    def view(self, status: FocuserStatus | None) -> tuple[int, int, bool, float]:
        """What a device shows of the focuser, from its latest ``status`` (None: no focuser).

        Returns:
            The position and the travel (steps; 0 while not known), whether it moves, and
            its temperature (deg C; NaN without a sensor).
        """
        if self._max_steps == 0:
            info = self.info()
            self._max_steps = info.max_steps if info is not None else 0
        if status is None:
            return 0, self._max_steps, False, math.nan
        celsius = math.nan if status.temperature_c is None else status.temperature_c
        return status.position_steps, self._max_steps, status.moving, celsius

    @property
    def fitted(self) -> bool:
        """Whether the telescope has a focuser."""
        return self._driver.focuser is not None

    def info(self) -> FocuserInfo | None:
        """The focuser's travel; None without a focuser or while it is not known (not read)."""
        focuser = self._driver.focuser
        if focuser is None:
            return None
        try:
            return focuser.info()
        except HardwareError:
            return None

    def check(self, position_steps: int) -> None:
        """Whether a move to ``position_steps`` can be asked for now.

        Raises:
            TaskRefused: ``FocuserNotFitted`` (no focuser), ``TelescopeNotReady`` (its travel
                is not known: not connected).
            ValueError: the position is outside 0..max (the message names ``position_steps``
                and the bound, in steps).
        """
        focuser = self._focuser()
        try:
            info = focuser.info()
        except HardwareError as exc:
            raise TaskRefused("TelescopeNotReady", f"the focuser is not ready: {exc}") from exc
        why = info.range_error(position_steps)
        if why:
            raise ValueError(why)

    def move_to(
        self, position_steps: int, *, task_callback: TaskCallback, abort_event: threading.Event
    ) -> None:
        """Move the focuser to ``position_steps`` (a task function for the executor)."""
        what = f"{_NAME} to {position_steps} steps"
        try:
            focuser = self._focuser()
            why = focuser.info().range_error(position_steps)  # it may have waited in the queue
            if why:
                raise StepFailed(why)
            start = focuser.status().position_steps
            issued = self._clock.now()
            focuser.move_to(position_steps)
            shown = [-1]

            def follow(t: Telemetry) -> None:
                status = _focuser_of(t)
                if status.fault:
                    raise StepFailed(f"focuser fault: {status.fault}")
                progress = min(99, move_progress(start, status.position_steps, position_steps))
                if status.moving and progress > shown[0]:  # 100 only once there
                    shown[0] = progress
                    task_callback(progress=progress)

            done = self._waiter.until(
                what,
                lambda t: not _focuser_of(t).moving,
                since=issued,
                timeout_s=self._timeouts.focuser_s,
                abort_event=abort_event,
                check=follow,
            )
        except StepAborted:
            message = self._stop_after_abort()
            task_callback(status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, message))
        except (StepFailed, TaskRefused, HardwareError) as exc:
            task_callback(status=TaskStatus.FAILED, result=(ResultCode.FAILED, f"{what}: {exc}"))
        else:
            at = _focuser_of(done).position_steps
            if at != position_steps:
                message = f"{what}: the focuser stopped at {at} steps"
                task_callback(status=TaskStatus.FAILED, result=(ResultCode.FAILED, message))
                return
            task_callback(progress=100)
            message = f"{_NAME} completed: the focuser is at {at} steps"
            task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, message))

    def _focuser(self) -> Focuser:
        focuser = self._driver.focuser
        if focuser is None:
            raise TaskRefused("FocuserNotFitted", "this telescope has no focuser")
        return focuser

    def _stop_after_abort(self) -> str:
        """Stop the focuser; what the aborted command's result says."""
        focuser = self._focuser()
        try:
            focuser.stop()
            at = focuser.status().position_steps
        except HardwareError as exc:
            self._logger.warning("%s: could not stop the focuser after abort: %s", _NAME, exc)
            return f"{_NAME} aborted; the focuser could not be stopped: {exc}"
        return f"{_NAME} aborted; the focuser stopped at {at} steps"
