"""One run of ExecuteTask: its subtasks in order, aggregated by a TaskTracker.

Every subtask waits for monitored telemetry, never for a command's return. Abort is checked
inside every wait: an exposure cut short is still read out and kept as a partial asset.

No acquisition starts that could not finish before the task's deadline (the window end) or
before its tracked target reaches the mount's horizon limit; the task is then cut, and
completes with what it captured when that meets its acceptability threshold, else fails
(and is re-queued by the controller).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from astrotango.clock import Clock
from astrotango.control.telescope.plan import Step, StepKind, TaskPlan
from astrotango.control.telescope.waiting import (
    ExecutionTimeouts,
    StepAborted,
    StepFailed,
    Waiter,
    check_enclosure,
    check_mount,
    instrument_status,
)
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import (
    Asset,
    Camera,
    EnclosureState,
    EquatorialPointing,
    HardwareError,
    Instrument,
    InstrumentState,
    MountState,
    Receiver,
    Telemetry,
    TelescopeDriver,
    angular_separation_deg,
    pointing_altaz,
)
from astrotango.lrc import TaskCallback, TaskTracker

__all__ = ["TaskRun"]

_OPEN = (EnclosureState.OPEN, EnclosureState.NONE)
_SHUT = (InstrumentState.READING, InstrumentState.READY)


@dataclass(frozen=True)
class _Cut:
    """Why a task stopped starting acquisitions.

    Attributes:
        headline: What the final result says first (``cut at the window end``).
        skipped: The result of each acquisition not started.
    """

    headline: str
    skipped: str


class TaskRun:
    """Runs one task plan, reporting through ``task_callback`` (the LRC convention)."""

    def __init__(
        self,
        plan: TaskPlan,
        driver: TelescopeDriver,
        waiter: Waiter,
        clock: Clock,
        timeouts: ExecutionTimeouts,
        *,
        keep_asset: Callable[[Asset], None],
        activity: Callable[[str, int], None],
        logger: logging.Logger,
    ) -> None:
        self.plan, self._driver, self._waiter, self._clock = plan, driver, waiter, clock
        self._timeouts, self._keep = timeouts, keep_asset
        self._activity, self._logger = activity, logger
        self.assets: list[Asset] = []
        self._subtask = ""
        self._progress = 0
        self._acquired_s = 0.0  # acquisition time captured in full
        self._overhead_s = 0.0  # what the last acquisition took beyond its own time
        self._done: set[str] = set()

    def run(self, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Run every subtask; report one final status and result."""

        def on_tracker(**payload: Any) -> None:
            if "status" not in payload:
                self._progress = int(payload["progress"])
                self._activity(self._subtask, self._progress)
                task_callback(progress=self._progress)

        tracker = TaskTracker(
            "ExecuteTask",
            len(self.plan.steps),
            completed_callback=on_tracker,
            logger=self._logger,
            progress_updates=True,
            progress_step=1,
        )
        cut: _Cut | None = None
        for step in self.plan.steps:
            self._subtask = step.name
            if cut is None and step.acquisition_s > 0:
                cut = self._cut_before(step)
            if cut is not None and step.acquisition_s > 0:
                tracker.update_task(
                    task_name=step.name,
                    status=TaskStatus.COMPLETED,
                    result=(ResultCode.OK, cut.skipped),
                )
                continue
            self._activity(step.name, self._progress)
            tracker.update_task(task_name=step.name, status=TaskStatus.IN_PROGRESS, progress=0)
            began = self._clock.now()

            def progress(percent: float, name: str = step.name) -> None:
                tracker.update_task(task_name=name, progress=int(min(99.0, max(0.0, percent))))

            try:
                self._run_step(step, progress, abort_event)
            except StepAborted:
                tracker.update_task(task_name=step.name, status=TaskStatus.ABORTED)
                self._stop_after_abort(step)
                self._finish(task_callback, TaskStatus.ABORTED, ResultCode.ABORTED, "aborted")
                return
            except (StepFailed, HardwareError) as exc:
                message = f"{step.name}: {exc}"
                tracker.update_task(
                    task_name=step.name,
                    status=TaskStatus.FAILED,
                    result=(ResultCode.FAILED, message),
                    critical=True,
                )
                self._finish(task_callback, TaskStatus.FAILED, ResultCode.FAILED, message)
                return
            if step.acquisition_s > 0:
                self._done.add(step.name)
                self._acquired_s += step.acquisition_s
                took = (self._clock.now() - began).total_seconds()
                self._overhead_s = max(0.0, took - step.acquisition_s)
            tracker.update_task(
                task_name=step.name, status=TaskStatus.COMPLETED, result=(ResultCode.OK, "done")
            )
        self._activity("", 100)
        task_callback(progress=100)
        if cut is not None:
            self._finish_cut(task_callback, cut)
            return
        self._finish(task_callback, TaskStatus.COMPLETED, ResultCode.OK, "completed")

    def _cut_before(self, step: Step) -> _Cut | None:
        """Why ``step`` may not start, or None if it may.

        It may not when it would end after the deadline, or after its tracked target
        reaches the mount's horizon limit. Its end is its acquisition time plus what the
        previous acquisition took beyond its own (readout, filter change) after now; the
        altitude is evaluated a few times per acquisition (the cheap sky model the mount's
        limits use), never per telemetry poll.
        """
        now = self._clock.now()
        ends = now + timedelta(seconds=step.acquisition_s + self._overhead_s)
        deadline = self.plan.deadline
        if deadline is not None and ends > deadline:
            return _Cut(
                "cut at the window end",
                f"not started: it would end after the window ({deadline.isoformat()})",
            )
        target = self.plan.pointing
        if not isinstance(target, EquatorialPointing):  # untracked: it stays where it was
            return None
        limits = self._driver.mount.limits
        sets = limits.horizon_reached(target, now, ends, self._driver.site)
        if sets is None:
            return None
        stamp = sets.astimezone(UTC)
        return _Cut(
            f"cut before the horizon limit at {stamp:%H:%M} UTC",
            f"not started: {target.name} reaches the horizon limit "
            f"({limits.min_altitude_deg:g} deg) at {stamp:%H:%M:%S} UTC, before it would end",
        )

    def _finish_cut(self, task_callback: TaskCallback, cut: _Cut) -> None:
        """A task cut short: completed when it captured enough, else failed."""
        total = sum(s.acquisition_s for s in self.plan.steps)
        share = self._acquired_s / total if total > 0 else 0.0
        done = sum(1 for s in self.plan.steps if s.acquisition_s > 0 and s.name in self._done)
        frames = sum(1 for s in self.plan.steps if s.acquisition_s > 0)
        what = (
            f"{cut.headline}: {done} of {frames} acquisitions, {share:.0%} of its time"
            f" (acceptability {self.plan.acceptability:.0%})"
        )
        if share >= self.plan.acceptability:
            self._finish(task_callback, TaskStatus.COMPLETED, ResultCode.OK, f"completed, {what}")
        else:
            self._finish(task_callback, TaskStatus.FAILED, ResultCode.FAILED, what)

    def _finish(
        self, task_callback: TaskCallback, status: TaskStatus, code: ResultCode, what: str
    ) -> None:
        partial = sum(1 for a in self.assets if a.partial)
        kept = f"{len(self.assets)} assets" + (f" ({partial} partial)" if partial else "")
        ids = ", ".join(a.asset_id for a in self.assets)
        where = f" during {self._subtask}" if status is TaskStatus.ABORTED else ""
        message = f"Task {self.plan.task_id} {what}{where}; kept {kept}"
        if status is TaskStatus.FAILED:
            message = f"Task {self.plan.task_id} failed in {what}; kept {kept}"
        message += f": {ids}" if ids else ""
        task_callback(status=status, result=(code, message))

    # -- subtasks -------------------------------------------------------------------------

    def _run_step(
        self, step: Step, progress: Callable[[float], None], abort: threading.Event
    ) -> None:
        if step.kind is StepKind.SLEW:
            self._slew(progress, abort)
        elif step.kind is StepKind.SETTLE:
            self._settle(abort)
        elif step.kind is StepKind.EXPOSE or step.kind is StepKind.INTEGRATE:
            self._acquire(step, progress, abort)
        else:
            self._upload(progress, abort)

    def _slew(self, progress: Callable[[float], None], abort: threading.Event) -> None:
        mount, enclosure, target = self._driver.mount, self._driver.enclosure, self.plan.pointing
        assert target is not None  # plans only slew when they point
        now = self._clock.now()
        state = mount.position().state
        if state in (MountState.PARKED, MountState.PARKING, MountState.UNPARKING):
            if state is MountState.PARKING:
                self._waiter.until(
                    "park before unpark",
                    lambda t: t.mount.parked,
                    since=now,
                    timeout_s=self._timeouts.slew_s,
                    abort_event=abort,
                    check=check_mount,
                )
            mount.unpark()
            self._waiter.until(
                "unpark",
                lambda t: t.mount.state is MountState.IDLE,
                since=self._clock.now(),
                timeout_s=self._timeouts.unpark_s,
                abort_event=abort,
                check=check_mount,
            )
        if self.plan.needs_sky and enclosure is not None:
            status = enclosure.state()
            if status.state not in (EnclosureState.OPEN, EnclosureState.OPENING):
                enclosure.open()  # opens while the mount slews
        start = mount.position()
        issued = self._clock.now()
        mount.slew(target)
        goal_alt, goal_az = pointing_altaz(target, issued, self._driver.site)
        total = max(1e-6, angular_separation_deg(start.az_deg, start.alt_deg, goal_az, goal_alt))

        def check(t: Telemetry) -> None:
            check_mount(t)
            if t.mount.state is MountState.IDLE and not t.mount.on_target:
                raise StepFailed(f"mount stopped before reaching {target.name} {t.mount.fault}")
            left = angular_separation_deg(t.mount.az_deg, t.mount.alt_deg, goal_az, goal_alt)
            progress(100.0 * (1.0 - left / total))

        self._waiter.until(
            f"slew to {target.name}",
            lambda t: (
                t.mount.state in (MountState.SETTLING, MountState.TRACKING) or t.mount.on_target
            ),
            since=issued,
            timeout_s=self._timeouts.slew_s,
            abort_event=abort,
            check=check,
        )

    def _settle(self, abort: threading.Event) -> None:
        def check(t: Telemetry) -> None:
            check_mount(t)
            if self.plan.needs_sky:
                check_enclosure(t)

        self._waiter.until(
            "settle",
            lambda t: t.mount.on_target and (not self.plan.needs_sky or t.enclosure.state in _OPEN),
            since=self._clock.now(),
            timeout_s=self._timeouts.settle_s,
            abort_event=abort,
            check=check,
        )

    def _acquire(
        self, step: Step, progress: Callable[[float], None], abort: threading.Event
    ) -> None:
        name = self.plan.instrument
        instrument = self._driver.instruments[name]
        if (leftover := self._recover(instrument)) is not None:
            self._keep(leftover)
        issued = self._clock.now()
        if step.exposure is not None:
            assert isinstance(instrument, Camera)
            instrument.expose(step.exposure)
            length = step.exposure.exposure_s
        else:
            assert step.integration is not None and isinstance(instrument, Receiver)
            assert self.plan.frequency_ghz is not None
            instrument.tune(self.plan.frequency_ghz)
            instrument.integrate(step.integration)
            length = step.integration.duration_s
        tracked = isinstance(self.plan.pointing, EquatorialPointing)
        limit = self._timeouts.readout_s

        def check(t: Telemetry) -> None:
            status = instrument_status(t, name)
            if self.plan.pointing is not None:
                check_mount(t)
                # once the shutter closed the frame holds its light: a mount that stops
                # tracking then (at the horizon limit) does not spoil it
                if tracked and not t.mount.on_target and status.state not in _SHUT:
                    raise StepFailed(f"mount lost the target {t.mount.fault}".strip())
            if self.plan.needs_sky:
                check_enclosure(t)
                if t.enclosure.state not in _OPEN:
                    raise StepFailed(f"enclosure {t.enclosure.state.name} during the exposure")
            if status.state is InstrumentState.FAULT:
                raise StepFailed(f"{name} fault: {status.fault}")
            if status.duration_s > 0:
                progress(95.0 * status.elapsed_s / status.duration_s)

        def timed_out(t: Telemetry | None) -> str:
            state = instrument_status(t, name).state.name if t is not None else "unknown"
            return f"{name} timeout: no data {limit:g} s after the exposure ended (still {state})"

        ready = lambda t: instrument_status(t, name).state is InstrumentState.READY  # noqa: E731
        try:
            self._waiter.until(
                step.name,
                ready,
                since=issued,
                timeout_s=length + limit + 30.0,
                abort_event=abort,
                check=check,
                timeout_message=timed_out,
            )
        except StepAborted:
            self._keep_partial(step, ready)
            raise
        self._store(instrument.readout())

    def _keep_partial(self, step: Step, ready: Callable[[Telemetry], bool]) -> None:
        instrument = self._driver.instruments[self.plan.instrument]
        try:
            instrument.abort()
            self._waiter.until(
                f"{step.name} readout after abort",
                ready,
                since=self._clock.now(),
                timeout_s=self._timeouts.readout_s,
                abort_event=None,
            )
            self._store(instrument.readout())
        except StepFailed:  # telemetry slower than the readout: ask the instrument directly
            if (asset := self._recover(instrument)) is not None:
                self._store(asset)
        except HardwareError as exc:
            self._logger.warning("Could not keep the partial data of %s: %s", step.name, exc)

    def _recover(self, instrument: Instrument) -> Asset | None:
        """Free an instrument an acquisition left busy; returns the frame it held, if any.

        A task that failed mid-exposure (the enclosure closed, the mount lost its target)
        leaves the instrument exposing or holding an unread frame; it is read out so that it
        can be kept, as a partial asset of the task that took it.
        """
        try:
            state = instrument.status().state
            if state is InstrumentState.EXPOSING:
                instrument.abort()
            deadline = self._clock.now() + timedelta(seconds=3 * self._timeouts.readout_s)
            while state in (InstrumentState.EXPOSING, InstrumentState.READING):
                if self._clock.now() >= deadline:
                    return None
                self._clock.sleep(1.0)
                state = instrument.status().state
            if state is InstrumentState.READY:
                return instrument.readout()
        except HardwareError as exc:
            self._logger.warning("Could not free the instrument: %s", exc)
        return None

    def _upload(self, progress: Callable[[float], None], abort: threading.Event) -> None:
        count = len(self.assets)
        for index in range(count):
            if self._clock.sleep(self._timeouts.upload_per_asset_s, wake=abort):
                raise StepAborted("upload")
            progress(100.0 * (index + 1) / count)

    def _store(self, asset: Asset) -> None:
        self.assets.append(asset)
        self._keep(asset)

    def _stop_after_abort(self, step: Step) -> None:
        if step.kind in (StepKind.SLEW, StepKind.SETTLE):
            try:
                self._driver.mount.stop()
            except HardwareError as exc:
                self._logger.warning("Could not stop the mount after abort: %s", exc)
