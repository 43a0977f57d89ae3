"""ShutdownInterlock: one "stop now" trigger for a telescope or an observatory, thin.

When fired (its trigger holds, or ``Fire(reason)``) it commands SafeShutdown on every telescope
in scope at once; the storm is one long-running command on this device (``_lrcEvent``
progress, a result naming any telescope that failed). A telescope not made safe is named in
``unsafeTelescopes`` and retried with backoff; meanwhile the device is FAULT (ALARM once every
telescope is safe). Firing is idempotent; ``Reset()`` is refused until the trigger has cleared,
and ``isEnabled`` (or the window) cannot disarm it while the trigger reads unsafe. The fired
latch is kept in the store (``StoreUrl``), so a restarted interlock is still fired. Logic
lives in :mod:`astrotango.control.interlock`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tango import AttrWriteType, DevState, DevVarLongStringArray
from tango.server import attribute, command, device_property

from astrotango.clock import make_clock
from astrotango.control.interlock import (
    InterlockComponentManager,
    InterlockConfig,
    InterlockRefused,
    InterlockView,
    open_latch_store,
)
from astrotango.control.proxies import TangoProxyFactory
from astrotango.control_model import HealthState, ResultCode, TaskStatus
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import NO_ARGUMENT_DOC, lrc_reply, raise_dev_failed
from astrotango.devices.event_config import enable_events, push_constants
from astrotango.domain.constraints import InterlockWindow, SensorCondition, TriggerKind
from astrotango.domain.constraints import Scope as ScopeKind
from astrotango.lrc import TaskFunction

__all__ = ["ShutdownInterlock"]

_RW = AttrWriteType.READ_WRITE
_PUSHED: tuple[str, ...] = (
    "fired",
    "reason",
    "firedAt",
    "lastShutdown",
    "triggerState",
    "triggerReason",
    "armed",
    "unsafeTelescopes",
)
_PUSHED += ("isEnabled", "startsAt", "expiresAt")


def _parse_time(name: str, text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise_dev_failed("API_AttrValueNotAllowed", f"{name}: {text!r} is not an ISO date-time")
    if when.tzinfo is None:
        raise_dev_failed("API_AttrValueNotAllowed", f"{name}: needs a time zone (e.g. Z)")
    return when.astimezone(UTC)


def _iso(when: datetime | None) -> str:
    return "" if when is None else when.isoformat()


def _view_attribute(name: str, dtype: type, get: Any, doc: str) -> Any:
    def read(self: ShutdownInterlock) -> Any:
        return get(self.component_manager.view)

    return attribute(name=name, dtype=dtype, doc=doc, fget=read)


def _window_attribute(name: str, field: str, dtype: type, doc: str) -> Any:
    def read(self: ShutdownInterlock) -> Any:
        value = getattr(self.component_manager.window, field)
        return value if dtype is bool else ("" if value is None else value.isoformat())

    def write(self: ShutdownInterlock, value: Any) -> None:
        parsed = value if dtype is bool else _parse_time(name, value)
        try:
            self.component_manager.set_window(**{field: parsed})
        except InterlockRefused as exc:
            raise_dev_failed("API_AttrNotAllowed", f"{name} refused: {exc}")
        self._publisher.push(name, value)

    return attribute(
        name=name,
        dtype=dtype,
        access=_RW,
        memorized=True,
        hw_memorized=True,
        doc=doc,
        fget=read,
        fset=write,
    )


class ShutdownInterlock(AstroDevice):
    """One shutdown interlock (mission/004): fired, it makes every telescope in scope safe."""

    component_manager: InterlockComponentManager

    Scope = device_property(dtype=str, default_value="observatory", doc="observatory|telescope")
    Telescopes = device_property(dtype=(str,), default_value=[], doc="Telescope devices")
    TriggerKind = device_property(dtype=str, default_value="manual", doc="manual|sensor|constraint")
    TriggerDevice = device_property(dtype=str, default_value="", doc="Sensor/constraint device")
    TriggerAttribute = device_property(dtype=str, default_value="", doc="Sensor attribute")
    TriggerCondition = device_property(dtype=str, default_value="", doc="e.g. '> 0'")
    FailSafe = device_property(dtype=bool, default_value=True, doc="Garbage/stale/lost fires")
    MaxDataAge = device_property(dtype=float, default_value=120.0, doc="clock seconds")
    ShutdownTimeout = device_property(dtype=float, default_value=300.0, doc="clock seconds")
    RetryDelay = device_property(
        dtype=float, default_value=5.0, doc="Clock s before retrying an unsafe telescope; doubles"
    )
    MaxRetryDelay = device_property(dtype=float, default_value=120.0, doc="clock seconds")
    StoreUrl = device_property(
        dtype=str, default_value="", doc="Fired latch: '' = $ASTROTANGO_STORE_URL; 'none'"
    )
    TickPeriod = device_property(dtype=float, default_value=10.0, doc="clock seconds")
    ClockScale = device_property(dtype=float, default_value=1.0, doc="Simulated s per real s")
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")

    def init_device(self) -> None:
        """Build the component manager, then set up events."""
        self._pushed: dict[str, Any] = {}
        super().init_device()
        enable_events(self, _PUSHED)
        config = self.component_manager.config
        constants = {"scope": str(config.scope), "telescopes": config.telescopes}
        push_constants(self, constants, self._publisher.push)

    def create_component_manager(self) -> InterlockComponentManager:
        """Build the configuration and the component manager from the properties."""
        try:
            kind = TriggerKind(self.TriggerKind)
            condition = (
                SensorCondition.parse(self.TriggerCondition) if self.TriggerCondition else None
            )
            config = InterlockConfig(
                name=self.get_name(),
                scope=ScopeKind(self.Scope),
                telescopes=tuple(self.Telescopes or ()),
                trigger=kind,
                trigger_device=self.TriggerDevice,
                trigger_attribute=self.TriggerAttribute,
                condition=condition,
                fail_safe=self.FailSafe,
                max_data_age_s=self.MaxDataAge,
                shutdown_timeout_s=self.ShutdownTimeout,
                retry_delay_s=self.RetryDelay,
                max_retry_delay_s=self.MaxRetryDelay,
            )
        except ValueError as exc:
            raise ValueError(f"{self.get_name()} properties: {exc}") from exc
        clock = make_clock(self.ClockScale, self.SimulationStart)
        return InterlockComponentManager(
            config,
            InterlockWindow(),
            clock,
            TangoProxyFactory(clock=clock),
            launch=self._launch,
            view_callback=self._on_view,
            latches=open_latch_store(self.StoreUrl, self.logger),
            tick_s=self.TickPeriod,
            logger=self.logger,
            communication_callback=self._communication_changed,
        )

    def _launch(self, name: str, func: TaskFunction) -> str:
        uid = self._commands.new_command(name)

        def report(**changes: Any) -> None:
            self._commands.update(uid, **changes)

        status, _ = self.component_manager.executor.preempt(func, task_callback=report)
        return uid if status == TaskStatus.QUEUED else ""

    # -- view ----------------------------------------------------------------------------

    def _push(self, name: str, value: Any) -> None:
        if self._pushed.get(name) != value:
            self._pushed[name] = value
            self._publisher.push(name, value)

    def _on_view(self, view: InterlockView) -> None:
        self._push("fired", view.fired)
        self._push("reason", view.reason)
        self._push("firedAt", _iso(view.fired_at))
        self._push("armed", view.armed)
        self._push("triggerState", view.trigger_state.value)
        self._push("triggerReason", view.trigger_reason)
        self._push("lastShutdown", json.dumps(view.last_shutdown))
        self._push("unsafeTelescopes", view.unsafe_telescopes)
        if self.get_state() not in (DevState.DISABLE, DevState.INIT, DevState.UNKNOWN):
            self._show(view)

    def _show(self, view: InterlockView) -> None:
        if view.fired and view.unsafe:
            unsafe = "; ".join(u.describe() for u in view.unsafe)
            self._set_state(DevState.FAULT, f"Fired: {view.reason}. NOT SAFE: {unsafe}")
            self._set_health(HealthState.FAILED)
            return
        if view.fired:
            self._set_state(DevState.ALARM, f"Fired: {view.reason}")
        elif not view.armed:
            self._set_state(DevState.STANDBY, f"Not armed: {view.armed_reason}")
        else:
            self._set_state(DevState.ON, f"Armed; trigger {view.trigger_state.value}")
        blind = view.armed and view.trigger_state.value == "UNKNOWN"
        self._set_health(HealthState.DEGRADED if blind else HealthState.OK)

    def _component_connected(self) -> None:
        self._show(self.component_manager.view)

    # -- commands ------------------------------------------------------------------------

    def _allowed(self) -> bool:
        return self.get_state() != DevState.DISABLE

    is_Fire_allowed = is_Reset_allowed = _allowed

    @command(
        dtype_in=str,
        doc_in="Why, for the record (a non-empty sentence)",
        dtype_out=DevVarLongStringArray,
        doc_out="[[ResultCode], [text]]: QUEUED (2) and the shutdown storm's command id, or "
        "REJECTED (5) when already fired or not armed",
    )
    def Fire(self, reason: str) -> Any:
        """Fire by hand: SafeShutdown on every telescope in scope; QUEUED and the storm's id.

        Answers REJECTED (no second storm) when already fired or not armed.
        """
        try:
            return lrc_reply(ResultCode.QUEUED, self.component_manager.fire(reason))
        except InterlockRefused as exc:
            if str(exc).startswith("reason:"):
                raise_dev_failed("API_InvalidArgument", f"Fire argument: {exc}")
            return lrc_reply(ResultCode.REJECTED, str(exc))

    @command(
        doc_in=NO_ARGUMENT_DOC,
        doc_out="Nothing; DevFailed API_CommandNotAllowed while the trigger has not cleared",
    )
    def Reset(self) -> None:
        """Clear ``fired`` and stop retrying; refused (API_CommandNotAllowed) until cleared.

        A fail-safe interlock's UNKNOWN trigger has not cleared.
        """
        try:
            self.component_manager.reset()
        except InterlockRefused as exc:
            raise_dev_failed("API_CommandNotAllowed", f"Reset refused: {exc}")

    # -- attributes ----------------------------------------------------------------------

    fired = _view_attribute("fired", bool, lambda v: v.fired, "Whether the interlock has fired")
    reason = _view_attribute("reason", str, lambda v: v.reason, "Why it fired ('' if not)")
    firedAt = _view_attribute(
        "firedAt", str, lambda v: _iso(v.fired_at), "When it fired (ISO UTC; '' if not)"
    )
    armed = _view_attribute("armed", bool, lambda v: v.armed, "Enabled and inside its window")
    triggerState = _view_attribute(
        "triggerState", str, lambda v: v.trigger_state.value, "CLEAR, TRIGGERED or UNKNOWN"
    )
    triggerReason = _view_attribute("triggerReason", str, lambda v: v.trigger_reason, "")
    lastShutdown = _view_attribute(
        "lastShutdown", str, lambda v: json.dumps(v.last_shutdown), "The last storm (JSON)"
    )
    isEnabled = _window_attribute("isEnabled", "is_enabled", bool, "Out of service when False")
    startsAt = _window_attribute("startsAt", "starts_at", str, "Armed from (ISO UTC; '' none)")
    expiresAt = _window_attribute("expiresAt", "expires_at", str, "Armed until (ISO; '' none)")

    @attribute(dtype=(str,), max_dim_x=256, doc="Telescopes in scope not confirmed safe")
    def unsafeTelescopes(self) -> tuple[str, ...]:
        """The telescopes whose SafeShutdown failed and that are not safe since (retried)."""
        return self.component_manager.view.unsafe_telescopes

    @attribute(dtype=str, doc="observatory or telescope")
    def scope(self) -> str:
        """The interlock's scope."""
        return str(self.component_manager.config.scope)

    @attribute(dtype=(str,), max_dim_x=256, doc="Telescope devices in scope")
    def telescopes(self) -> tuple[str, ...]:
        """The telescopes it shuts down."""
        return self.component_manager.config.telescopes
