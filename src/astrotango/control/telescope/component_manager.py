"""The telescope component manager: owns the driver, monitors it, runs its commands.

State comes from monitoring: a poll thread measures the telescope, the state table turns each
measurement into an operating state, and commands complete when the telemetry says so. Long-
running commands run on the LRC executor; SafeShutdown preempts whatever runs.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from astrotango.clock import Clock, spawn
from astrotango.control.component_manager import BaseComponentManager, CommunicationCallback
from astrotango.control.proxies import ProxyFactory
from astrotango.control.telescope.execution import TaskRun
from astrotango.control.telescope.focusing import FocuserCommands
from astrotango.control.telescope.guard import (
    Action,
    GuardSettings,
    SafingRecord,
    TelescopeGuard,
    is_safe,
)
from astrotango.control.telescope.monitor import TelescopeMonitor
from astrotango.control.telescope.motions import FanOut, MotionCommands
from astrotango.control.telescope.plan import TaskPlan, TaskRefused, plan_task
from astrotango.control.telescope.pointing import resolve_pointing
from astrotango.control.telescope.state import TelescopeState, derive_state
from astrotango.control.telescope.waiting import ExecutionTimeouts, Waiter
from astrotango.control_model import (
    TERMINAL_TASK_STATUSES,
    CommunicationStatus,
    HealthState,
    ResultCode,
    TaskStatus,
)
from astrotango.domain import TaskSpec
from astrotango.hardware import (
    Asset,
    CameraInfo,
    LimitViolation,
    ReceiverInfo,
    Telemetry,
    TelescopeDriver,
)
from astrotango.hardware.protocols import Connected
from astrotango.lrc import TaskCallback, TaskExecutor, TaskFunction
from astrotango.simulation.telescope import Fault, TelescopeSimulator

__all__ = ["TaskActivity", "TelescopeComponentManager", "TelescopeSettings"]

_LIMIT_REASONS = {"horizon": "TargetBelowHorizon", "sun": "TargetTooCloseToSun"}


class _NoProxies:
    """The proxy factory of a guard that follows no device."""

    def device(self, name: str) -> Any:
        raise ValueError(f"{name}: this telescope follows no device")


_NO_PROXIES = _NoProxies()


@dataclass(frozen=True)
class TelescopeSettings:
    """How the component manager works (periods and timeouts in clock seconds).

    Attributes:
        max_integration_s: Longest single radio integration; longer tracks are split.
        max_assets: How many asset records are remembered (oldest dropped first).
    """

    monitor_period_s: float = 0.2
    monitor_idle_period_s: float = 0.0  # between polls with nothing under way (0: the same)
    heartbeat_period_s: float = 1.0
    max_integration_s: float = 60.0
    max_assets: int = 200
    timeouts: ExecutionTimeouts = field(default_factory=ExecutionTimeouts)
    guard: GuardSettings = field(default_factory=GuardSettings)


@dataclass(frozen=True)
class TaskActivity:
    """What the telescope is executing: task id ('' when idle), subtask, progress 0..100."""

    task_id: str
    subtask: str
    progress: int


class TelescopeComponentManager(BaseComponentManager):
    """Owns one telescope driver.

    Args:
        driver: The telescope (the simulator or a hardware adapter).
        clock: The clock timeouts and timestamps use.
        settings: Periods, limits and timeouts.
        logger: Where to log.
        executor: The LRC executor; a new one when left out.
        communication_callback: Told every change of communication status.
        state_callback: Told every measurement with the state, health and status it implies.
        heartbeat_callback: Told the telemetry time (unix seconds) on every heartbeat.
        activity_callback: Told every change of task, subtask or progress.
        asset_callback: Told every asset kept.
        proxies: Clients of the interlocks and gates the guard follows (needed when the
            settings name any).
        safing_callback: Told every safing the guard starts and how it ends.
        fault_callback: Told why the hardware cannot be read, each time the reason changes
            while communication is lost (the driver keeps reconnecting).
    """

    def __init__(
        self,
        driver: TelescopeDriver,
        clock: Clock,
        settings: TelescopeSettings | None = None,
        *,
        logger: logging.Logger | None = None,
        executor: TaskExecutor | None = None,
        communication_callback: CommunicationCallback | None = None,
        state_callback: Callable[[Telemetry, TelescopeState, HealthState, str], None] | None = None,
        heartbeat_callback: Callable[[float], None] | None = None,
        activity_callback: Callable[[TaskActivity], None] | None = None,
        asset_callback: Callable[[Asset], None] | None = None,
        proxies: ProxyFactory | None = None,
        safing_callback: Callable[[SafingRecord], None] | None = None,
        fault_callback: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(
            logger=logger,
            executor=executor,
            communication_callback=communication_callback,
            clock=clock,
        )
        self.driver, self.clock = driver, clock
        self.settings = settings or TelescopeSettings()
        self._state_cb, self._asset_cb = state_callback, asset_callback
        self._activity_cb = activity_callback
        self._fault_cb = fault_callback
        self.monitor = TelescopeMonitor(
            driver.telemetry,
            period_s=self.settings.monitor_period_s,
            heartbeat_period_s=self.settings.heartbeat_period_s,
            on_telemetry=self._on_telemetry,
            on_heartbeat=heartbeat_callback or (lambda _: None),
            on_freshness=self._on_freshness,
            logger=self.logger,
            clock=clock,
            idle_period_s=self.settings.monitor_idle_period_s,
            on_error=self._on_poll_error,
        )
        waiter = Waiter(self.monitor, clock)
        self._waiter = waiter
        self.motions = MotionCommands(driver, waiter, clock, self.settings.timeouts, self.logger)
        self.focusing = FocuserCommands(driver, waiter, clock, self.settings.timeouts, self.logger)
        self._assets: deque[Asset] = deque(maxlen=self.settings.max_assets)
        self._lock = threading.Lock()
        self.activity = TaskActivity("", "", 0)
        self._pending_shutdown: FanOut | None = None
        guard = self.settings.guard
        if proxies is None and (guard.interlocks or guard.safing_gates):
            raise ValueError("proxies: the guard follows devices and needs a proxy factory")
        self.guard = TelescopeGuard(
            guard,
            proxies or _NO_PROXIES,
            clock,
            driver.site,
            telemetry=lambda: self.monitor.latest,
            busy=lambda: self.executor.busy,
            make_safe=self._make_safe,
            on_record=safing_callback,
            logger=self.logger,
        )

    @property
    def instruments(self) -> tuple[CameraInfo | ReceiverInfo, ...]:
        """The telescope's instruments."""
        return tuple(i.info for i in self.driver.instruments.values())

    @property
    def has_enclosure(self) -> bool:
        """Whether the telescope has an enclosure."""
        return self.driver.enclosure is not None

    @property
    def has_focuser(self) -> bool:
        """Whether the telescope has a focuser."""
        return self.focusing.fitted

    # -- communication --------------------------------------------------------------------

    def start_communicating(self) -> None:
        """Start monitoring; ESTABLISHED once telemetry arrives."""
        if self.communication_status is CommunicationStatus.DISABLED:
            self._set_communication_status(CommunicationStatus.NOT_ESTABLISHED)
        self.monitor.start()
        self.guard.start()

    def stop_communicating(self) -> None:
        """Stop monitoring and guarding."""
        self.guard.stop()
        self.monitor.stop()
        self._set_communication_status(CommunicationStatus.DISABLED)

    def _on_freshness(self, fresh: bool) -> None:
        self._set_communication_status(
            CommunicationStatus.ESTABLISHED if fresh else CommunicationStatus.NOT_ESTABLISHED
        )

    def _on_poll_error(self, message: str) -> None:
        if self._fault_cb is not None:
            self._fault_cb(message)

    def _on_telemetry(self, telemetry: Telemetry) -> None:
        if self._state_cb is not None:
            self._state_cb(telemetry, *derive_state(telemetry))

    # -- ExecuteTask ----------------------------------------------------------------------

    def prepare_task(self, spec: TaskSpec) -> TaskPlan:
        """Plan a task and check it can start now.

        Raises:
            TaskRefused: not communicating, no suitable instrument, or the target is below
                the horizon limit or too close to the sun now.
        """
        if self.communication_status is not CommunicationStatus.ESTABLISHED:
            raise TaskRefused("TelescopeNotReady", "the telescope is not responding")
        now = self.clock.now()
        pointing = resolve_pointing(spec.target, now, self.driver.site) if spec.target else None
        plan = plan_task(
            spec, pointing, self.instruments, max_integration_s=self.settings.max_integration_s
        )
        self._check_limits(plan)
        self._check_guard(Action.POINT if plan.pointing is not None else Action.EXPOSE)
        return plan

    def _check_guard(self, action: Action) -> None:
        """Raises TaskRefused when the guard forbids ``action`` now."""
        why = self.guard.refusal(action)
        if why:
            reason = "InterlockFired" if why.startswith("interlock") else "UnsafeToOpen"
            raise TaskRefused(reason, f"cannot {action}: {why}")

    def _check_limits(self, plan: TaskPlan) -> None:
        if plan.pointing is None:
            return
        try:
            self.driver.mount.limits.check(plan.pointing, self.clock.now(), self.driver.site)
        except LimitViolation as exc:
            reason = _LIMIT_REASONS.get(exc.limit, "TargetNotObservable")
            raise TaskRefused(reason, str(exc)) from exc

    def execute_task(
        self, plan: TaskPlan, *, task_callback: TaskCallback, abort_event: threading.Event
    ) -> None:
        """Run a planned task (a task function for the executor)."""
        try:
            self._check_limits(plan)  # it may have waited in the queue
        except TaskRefused as exc:
            task_callback(status=TaskStatus.FAILED, result=(ResultCode.FAILED, str(exc)))
            return
        try:
            self._check_guard(Action.POINT if plan.pointing is not None else Action.EXPOSE)
        except TaskRefused as exc:  # not the instrument's fault: the task goes back
            task_callback(status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, str(exc)))
            return
        self._set_activity(plan.task_id, "", 0)
        run = TaskRun(
            plan,
            self.driver,
            self._waiter,
            self.clock,
            self.settings.timeouts,
            keep_asset=self._keep_asset,
            activity=lambda subtask, progress: self._set_activity(plan.task_id, subtask, progress),
            logger=self.logger,
        )
        try:
            run.run(task_callback, abort_event)
        finally:
            self._set_activity("", "", self.activity.progress)

    def submit_task(self, plan: TaskPlan, task_callback: TaskCallback) -> tuple[TaskStatus, str]:
        """Queue a planned task."""
        self.guard.note_work()
        return self.submit(self.execute_task, plan, task_callback=task_callback)

    def prepare_focus_move(self, position_steps: int) -> TaskFunction:
        """The MoveFocuser task function for ``position_steps`` (steps), once checked.

        Moving the focuser is not guarded: it neither opens nor points the telescope.

        Raises:
            TaskRefused: no focuser (``FocuserNotFitted``), or its travel is not known yet.
            ValueError: the position is outside the focuser's travel (naming
                ``position_steps`` and the bound).
        """
        self.focusing.check(position_steps)
        self.guard.note_work()
        return functools.partial(self.focusing.move_to, position_steps)

    def guarded(self, action: Action, motion: TaskFunction) -> TaskFunction:
        """``motion`` checked by the guard now and again when it leaves the queue.

        Raises:
            TaskRefused: the guard forbids ``action`` now.
        """
        self._check_guard(action)
        self.guard.note_work()

        def run(*, task_callback: TaskCallback, abort_event: threading.Event) -> None:
            try:
                self._check_guard(action)
            except TaskRefused as exc:
                task_callback(status=TaskStatus.REJECTED, result=(ResultCode.REJECTED, str(exc)))
                return
            motion(task_callback=task_callback, abort_event=abort_event)

        run.__name__ = getattr(motion, "__name__", "motion")
        return run

    def _make_safe(self, done: Callable[[str, str], None]) -> None:
        """SafeShutdown for the guard; ``done(status name, message)`` when it ends."""

        def report(
            *, status: TaskStatus | None = None, progress: int | None = None, result: Any = None
        ) -> None:
            del progress
            if status is not None and status in TERMINAL_TASK_STATUSES:
                message = result[1] if isinstance(result, tuple | list) and result else ""
                done(status.name, str(message))

        self.submit_safe_shutdown(report)

    @property
    def safe(self) -> bool:
        """Whether the telescope is safe now (parked, enclosure closed if it has one)."""
        latest = self.monitor.latest
        return latest is not None and is_safe(latest)

    def submit_safe_shutdown(self, task_callback: TaskCallback) -> tuple[TaskStatus, str]:
        """Run SafeShutdown next, aborting the queue and stopping the running command.

        The shutdown is protected: no Abort removes it from the queue or stops it. A
        SafeShutdown asked for while another is queued or running joins it: both callers hear
        the same reports, nothing is aborted twice.
        """
        with self._lock:
            pending = self._pending_shutdown
            if pending is not None:
                pending.join(task_callback)
                return TaskStatus.QUEUED, "Joined the SafeShutdown already under way"
            fan_out = self._pending_shutdown = FanOut(task_callback, self._shutdown_ended)
        status, message = self.executor.preempt(self.motions.safe_shutdown, task_callback=fan_out)
        if status is TaskStatus.REJECTED:
            self._shutdown_ended(fan_out)
            return status, message
        # The motions start now, on their own thread (a driver may be slow to answer).
        spawn(self.clock, self.motions.begin_safe_shutdown, name="safe-shutdown-begin")
        return status, message

    def _shutdown_ended(self, fan_out: FanOut) -> None:
        with self._lock:
            if self._pending_shutdown is fan_out:
                self._pending_shutdown = None

    # -- assets, activity, faults ---------------------------------------------------------

    def _keep_asset(self, asset: Asset) -> None:
        with self._lock:
            self._assets.append(asset)
        if self._asset_cb is not None:
            self._asset_cb(asset)

    def assets(self, task_id: str | None = None) -> list[dict[str, Any]]:
        """The asset records kept (all, or those of ``task_id``), oldest first."""
        with self._lock:
            kept = list(self._assets)
        return [a.as_dict() for a in kept if task_id is None or a.task_info["task_id"] == task_id]

    def _set_activity(self, task_id: str, subtask: str, progress: int) -> None:
        activity = TaskActivity(task_id, subtask, progress)
        with self._lock:
            changed, self.activity = activity != self.activity, activity
        if changed and self._activity_cb is not None:
            self._activity_cb(activity)

    def inject_fault(self, fault: str, active: bool) -> None:
        """Activate or clear a simulator fault.

        Raises:
            ValueError: an unknown fault, or the driver is not the simulator.
        """
        if not isinstance(self.driver, TelescopeSimulator):
            raise ValueError("fault injection needs the simulator")
        try:
            kind = Fault(fault)
        except ValueError:
            known = ", ".join(f.value for f in Fault)
            raise ValueError(f"fault: unknown {fault!r}; expected one of {known}") from None
        self.driver.inject(kind, active)

    def close(self) -> None:
        """Stop monitoring and the executor, then let go of the hardware connection."""
        super().close()
        if isinstance(self.driver, Connected):
            self.driver.close()
