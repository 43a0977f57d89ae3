"""The interlock component manager: watch the trigger, fire once, make every telescope safe.

Firing is idempotent: while fired, further triggers and ``fire`` calls start nothing. A fire
first writes the latch to the injected :class:`LatchStore` (so a crash cannot forget it), then
shows ``fired`` and launches one long-running command (through the injected ``launch``, so it
shows in the device's LRC attributes) that runs :func:`run_shutdown`. A telescope the storm
could not make safe is named in ``view.unsafe`` and retried with backoff on the injected clock
(:class:`Retrier`) until it is safe or the interlock is reset. An interlock that finds its
latch fired when it starts is fired until reset, and runs the storm again when it starts
communicating, so telescopes restarted meanwhile are made safe.

While the trigger reads unsafe the interlock cannot be disabled or disarmed, nor reset
(:mod:`~astrotango.control.interlock.trigger` has the rules). A ticker on the injected clock
fires an armed interlock whose trigger is already TRIGGERED when its window opens, and treats
sensor data older than ``max_data_age_s`` as TRIGGERED when ``fail_safe``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from astrotango.clock import Clock, Wake, spawn
from astrotango.control.component_manager import BaseComponentManager, CommunicationCallback
from astrotango.control.interlock.config import (
    InterlockConfig,
    InterlockRefused,
    InterlockView,
    UnsafeTelescope,
)
from astrotango.control.interlock.latch import LatchStore
from astrotango.control.interlock.safing import Safing
from astrotango.control.interlock.shutdown import run_shutdown
from astrotango.control.interlock.trigger import judge_snapshot, reset_allowed, trigger_unsafe
from astrotango.control.proxies import AttributeEvent, ProxyError, ProxyFactory, Subscription
from astrotango.control_model import CommunicationStatus
from astrotango.domain.constraints import InterlockWindow, TriggerKind, TriggerState, judge_reading
from astrotango.lrc import TaskFunction

__all__ = ["InterlockComponentManager", "Launch", "ViewCallback"]

#: Starts a long-running command ``(name, task function)``; returns its id ('' if rejected).
Launch = Callable[[str, TaskFunction], str]
#: Told every new view; called with the manager's lock held, so it must not block.
ViewCallback = Callable[[InterlockView], None]
_TICK_S = 1.0


class InterlockComponentManager(BaseComponentManager):
    """One shutdown interlock's logic.

    Args:
        config: Scope, telescopes and trigger.
        window: Enabled flag and arming window.
        clock: The injected clock.
        proxies: Gives clients for the trigger device and the telescopes.
        launch: Starts the shutdown as a long-running command (default: this manager's
            executor, with the outcome in :attr:`reports`).
        view_callback: Told every new view.
        latches: Where the fired latch is kept across restarts (None: not kept).
        tick_s: Clock seconds between window and data-age checks.
        logger: Where to log.
        communication_callback: Told every change of communication status.
    """

    def __init__(
        self,
        config: InterlockConfig,
        window: InterlockWindow,
        clock: Clock,
        proxies: ProxyFactory,
        *,
        launch: Launch | None = None,
        view_callback: ViewCallback | None = None,
        latches: LatchStore | None = None,
        tick_s: float = _TICK_S,
        logger: logging.Logger | None = None,
        communication_callback: CommunicationCallback | None = None,
    ) -> None:
        super().__init__(logger=logger, communication_callback=communication_callback, clock=clock)
        self.config, self._window, self._clock, self._proxies = config, window, clock, proxies
        self._launch = launch or self._launch_here
        self._callback, self._tick_s = view_callback, tick_s
        self._lock = threading.RLock()
        manual = config.trigger is TriggerKind.MANUAL
        self._view = InterlockView(
            armed=window.armed(clock.now()),
            armed_reason=window.describe(clock.now()),
            trigger_state=TriggerState.CLEAR if manual else TriggerState.UNKNOWN,
            trigger_reason="manual trigger only" if manual else "no trigger data yet",
        )
        self._last_data_at: datetime | None = None
        self._judged = False  # the trigger has read CLEAR or TRIGGERED since start
        self._subscription: Subscription | None = None
        self._stop = Wake()
        self._ticker: threading.Thread | None = None
        self._safing = Safing(
            config, proxies, clock, self._lock, latches, self._on_unsafe, self.logger
        )
        #: Reports of shutdowns launched on this manager's own executor (no ``launch`` given).
        self.reports: list[dict[str, Any]] = []
        latch = self._safing.restored()
        if latch is not None:
            self._view = replace(
                self._view, fired=True, reason=latch.reason, fired_at=latch.fired_at
            )

    @property
    def view(self) -> InterlockView:
        """What the interlock shows now."""
        with self._lock:
            return self._view

    # -- communication ---------------------------------------------------------------------

    def start_communicating(self) -> None:
        """Follow the trigger, get the telescopes ready, start the ticker."""
        if self.communication_status == CommunicationStatus.ESTABLISHED:
            return
        self._stop.clear()
        if self.config.trigger is not TriggerKind.MANUAL:
            sensor = self.config.trigger is TriggerKind.SENSOR
            attribute = self.config.trigger_attribute if sensor else "snapshot"
            try:
                client = self._proxies.device(self.config.trigger_device)
                self._subscription = client.subscribe(attribute, self.on_trigger_event)
            except ProxyError as exc:
                self.logger.error("Cannot follow the trigger: %s", exc)
                self._set_trigger(TriggerState.UNKNOWN, f"cannot follow: {exc}", time.monotonic())
        self._ticker = spawn(self._clock, self._tick, name="interlock-ticker")
        spawn(self._clock, self._prepare, name="interlock-prepare")
        self._set_communication_status(CommunicationStatus.ESTABLISHED)
        with self._lock:
            view = self._view
            if view.fired:  # restored from the latch, or fired before going offline
                self.logger.warning(
                    "Interlock %s is fired (%s): making its telescopes safe again",
                    self.config.name,
                    view.reason,
                )
                self._storm_locked(
                    view.reason, view.fired_at or self._clock.now(), time.monotonic()
                )

    def stop_communicating(self) -> None:
        """Stop following the trigger, the ticker and the retries."""
        self._safing.stop_retries()
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(5.0)
            self._ticker = None
        self._set_communication_status(CommunicationStatus.DISABLED)

    def _prepare(self) -> None:
        for name in self.config.telescopes:
            try:
                self._proxies.device(name).prepare_lrc()
            except ProxyError as exc:
                self.logger.warning("Telescope %s not ready for SafeShutdown yet: %s", name, exc)

    # -- the trigger -------------------------------------------------------------------------

    def on_trigger_event(self, event: AttributeEvent) -> None:
        """Judge one event of the trigger device; fire when it says so."""
        received = time.monotonic()
        if event.error is not None:
            lost = f"trigger device unreachable: {event.error}"
            constraint = self.config.trigger is TriggerKind.CONSTRAINT
            if constraint and self.config.fail_safe and self._last_data_at is not None:
                self._set_trigger(TriggerState.TRIGGERED, lost, received)
            else:
                self._set_trigger(TriggerState.UNKNOWN, lost, received)
            return
        with self._lock:
            self._last_data_at = self._clock.now()
        if self.config.trigger is TriggerKind.SENSOR:
            assert self.config.condition is not None
            state, why = judge_reading(
                self.config.condition, event.value, fail_safe=self.config.fail_safe
            )
        else:
            state, why = judge_snapshot(event.value, fail_safe=self.config.fail_safe)
        self._set_trigger(state, f"{self.config.describe_trigger()}: {why}", received)

    def _set_trigger(self, state: TriggerState, reason: str, received: float) -> None:
        with self._lock:
            self._judged = self._judged or state is not TriggerState.UNKNOWN
            self._publish(replace(self._view, trigger_state=state, trigger_reason=reason))
            if state is TriggerState.TRIGGERED and self._view.armed and not self._view.fired:
                self._fire_locked(reason, received)

    # -- commands ------------------------------------------------------------------------

    def fire(self, reason: str) -> str:
        """Fire by hand; returns the shutdown command id.

        Raises:
            InterlockRefused: not armed, already fired, or no reason given.
        """
        received = time.monotonic()
        if not reason.strip():
            raise InterlockRefused("reason: Fire needs a reason")
        with self._lock:
            view = self._view
            if not view.armed:
                raise InterlockRefused(f"not armed ({view.armed_reason}); nothing fired")
            if view.fired:
                raise InterlockRefused(
                    f"already fired ({view.reason}); shutdown {view.command_id} is not repeated"
                )
            return self._fire_locked(f"manual: {reason.strip()}", received)

    def reset(self) -> None:
        """Clear ``fired`` (and the stored latch) once the trigger has cleared; stop retrying.

        Raises:
            InterlockRefused: the trigger is TRIGGERED, or not CLEAR while the interlock is
                fail safe or armed, or the cleared latch cannot be stored.
        """
        with self._lock:
            view = self._view
            state = view.trigger_state
            if not reset_allowed(state, fail_safe=self.config.fail_safe, armed=view.armed):
                raise InterlockRefused(f"trigger has not cleared ({state}: {view.trigger_reason})")
            if view.fired:
                self._safing.latch_reset()
            self._safing.forget()
            self._publish(replace(view, fired=False, reason="", fired_at=None, unsafe=()))

    def set_window(self, **changes: Any) -> None:
        """Change ``is_enabled``, ``starts_at`` or ``expires_at``; may fire at once.

        Raises:
            InterlockRefused: the change would disable or disarm the interlock while its trigger
                reads unsafe (nothing is changed).
        """
        with self._lock:
            old, new, now = self._window, replace(self._window, **changes), self._clock.now()
            disarms = (old.is_enabled and not new.is_enabled) or (
                old.armed(now) and not new.armed(now)
            )
            view = self._view
            fail_safe = self.config.fail_safe
            if disarms and trigger_unsafe(
                view.trigger_state, fail_safe=fail_safe, judged=self._judged
            ):
                raise InterlockRefused(
                    f"the trigger reads {view.trigger_state} ({view.trigger_reason}): "
                    "the interlock cannot be disabled or disarmed until it clears"
                )
            self._window = new
            self._check_window()

    @property
    def window(self) -> InterlockWindow:
        """The enabled flag and arming window."""
        return self._window

    # -- internals -----------------------------------------------------------------------

    def _fire_locked(self, reason: str, received: float) -> str:
        now = self._clock.now()
        self._safing.latch_fired(reason, now)  # before anyone sees fired
        self._publish(replace(self._view, fired=True, reason=reason, fired_at=now))
        command_id = self._storm_locked(reason, now, received)
        self.logger.warning("Interlock %s fired: %s (%s)", self.config.name, reason, command_id)
        return command_id

    def _storm_locked(self, reason: str, fired_at: datetime, received: float) -> str:
        task = functools.partial(
            run_shutdown,
            self.config.telescopes,
            self._proxies,
            reason=reason,
            fired_at=fired_at,
            triggered_monotonic=received,
            timeout_s=self.config.shutdown_timeout_s,
            clock=self._clock,
            on_record=self._on_record,
            on_telescope=self._safing.new_storm(),
        )
        command_id = self._launch("SafeShutdown", task)
        self._publish(replace(self._view, command_id=command_id))
        return command_id

    def _on_unsafe(self, unsafe: tuple[UnsafeTelescope, ...]) -> None:
        self._publish(replace(self._view, unsafe=unsafe))

    def _on_record(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._publish(replace(self._view, last_shutdown=record))

    def _publish(self, view: InterlockView) -> None:
        self._view = view
        if self._callback is not None:
            self._callback(view)

    def _launch_here(self, name: str, func: TaskFunction) -> str:
        report: dict[str, Any] = {"name": name, "updates": []}
        self.reports.append(report)

        def callback(**changes: Any) -> None:
            report["updates"].append({k: v for k, v in changes.items() if v is not None})

        status, _ = self.executor.preempt(func, task_callback=callback)
        return f"{name}-{len(self.reports)}" if status.name == "QUEUED" else ""

    def _check_window(self) -> None:
        now = self._clock.now()
        view = self._view
        if self.config.trigger is TriggerKind.SENSOR and self._last_data_at is not None:
            age_s = (now - self._last_data_at).total_seconds()
            if self.config.fail_safe and age_s > self.config.max_data_age_s:
                why = f"no sensor reading for {age_s:g} s (max {self.config.max_data_age_s:g} s)"
                view = replace(view, trigger_state=TriggerState.TRIGGERED, trigger_reason=why)
        armed, described = self._window.armed(now), self._window.describe(now)
        if (armed, described) != (view.armed, view.armed_reason) or view is not self._view:
            self._publish(replace(view, armed=armed, armed_reason=described))
        view = self._view
        if view.armed and view.trigger_state is TriggerState.TRIGGERED and not view.fired:
            self._fire_locked(view.trigger_reason, time.monotonic())

    def _tick(self) -> None:
        while not self._stop.is_set():
            if self._clock.sleep(self._tick_s, self._stop):
                return
            try:
                with self._lock:
                    self._check_window()
            except Exception:
                self.logger.exception("Interlock %s check failed", self.config.name)
