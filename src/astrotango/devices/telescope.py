"""Telescope: one telescope's device (simulator by default), thin over its component manager.

Commands convert and validate their argument, hand it to the component manager and return;
attributes return the state the monitor last pushed. ``ExecuteTask``, ``SafeShutdown`` and the
motions (``MoveFocuser`` among them) are long-running commands; SafeShutdown preempts whatever
runs.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from tango import AttrWriteType, DevState, DevVarLongStringArray
from tango.server import attribute, command, device_property

from astrotango.clock import Clock, make_clock
from astrotango.control.proxies import TangoProxyFactory
from astrotango.control.telescope import (
    Action,
    GuardSettings,
    SafingRecord,
    TaskActivity,
    TaskRefused,
    TelescopeComponentManager,
    TelescopeSettings,
    TelescopeState,
    derive_state,
    is_safe,
)
from astrotango.control.telescope.drivers import DriverKind, build_driver, driver_kind
from astrotango.control.telescope.guard import names, sun_limit
from astrotango.control_model import (
    CommunicationStatus,
    HealthState,
    ResultCode,
    SimulationMode,
    TaskStatus,
)
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import (
    LRC_REPLY_DOC,
    NO_ARGUMENT_DOC,
    NO_REPLY_DOC,
    decode_json_argument,
    lrc_reply,
    raise_dev_failed,
)
from astrotango.devices.event_config import enable_events, push_constants
from astrotango.domain import TaskSpec
from astrotango.domain.base import field_errors_from_pydantic
from astrotango.hardware import (
    Asset,
    EnclosureState,
    MountState,
    Site,
    Telemetry,
    parse_instruments,
)
from astrotango.hardware.fits import data_directory

__all__ = ["Telescope"]

#: Change (and archive) thresholds of the pointing attributes, degrees.
ANGLE_CHANGE_DEG = 0.01
_ANGLES = ("ra", "dec", "alt", "az")
_FOCUS = ("focusPosition", "focusMaxPosition", "focuserMoving", "focuserTemperature")
_PUSHED = (
    *_ANGLES,
    "tracking",
    "enclosureOpen",
    "enclosureState",
    "mountState",
    "parked",
    "currentTaskId",
    "currentSubtask",
    "taskProgress",
    "heartbeat",
    "instruments",
    "site",
    "assets",
    "safe",
    "lastSafing",
    *_FOCUS,
)
_DEFAULT_INSTRUMENTS = (
    '[{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": ["g", "r", "i"]}]'
)
_R = AttrWriteType.READ


def _angle(name: str, doc: str) -> Any:
    def read(self: Telescope) -> float:
        return float(self._values[name])

    return attribute(
        name=name,
        dtype=float,
        unit="deg",
        doc=doc,
        fget=read,
        format="%.4f",
        abs_change=ANGLE_CHANGE_DEG,
        archive_abs_change=ANGLE_CHANGE_DEG,
    )


def _cached(name: str, dtype: Any, doc: str, **options: Any) -> Any:
    def read(self: Telescope) -> Any:
        return self._values[name]

    return attribute(name=name, dtype=dtype, access=_R, doc=doc, fget=read, **options)


class Telescope(AstroDevice):
    """One telescope: mount, enclosure and instruments behind a driver (the simulator)."""

    component_manager: TelescopeComponentManager

    TelescopeId = device_property(dtype=str, default_value="", doc="Defaults to the member")
    SiteName = device_property(dtype=str, default_value="Roque de los Muchachos")
    SiteLatitude = device_property(dtype=float, default_value=28.7606, doc="deg, north +")
    SiteLongitude = device_property(dtype=float, default_value=-17.8816, doc="deg, east +")
    SiteElevation = device_property(dtype=float, default_value=2396.0, doc="metres")
    Instruments = device_property(dtype=str, default_value=_DEFAULT_INSTRUMENTS, doc="JSON list")
    Driver = device_property(dtype=str, default_value="simulator", doc="simulator | indi | alpaca")
    DriverParameters = device_property(
        dtype=str,
        default_value="",
        doc="JSON object: the driver's configuration (server, device names or numbers, "
        "timeouts); '' = SimulatorParameters for the simulator, the defaults otherwise",
    )
    DataDirectory = device_property(
        dtype=str, default_value="", doc="Where FITS files go; '' = $ASTROTANGO_DATA_DIR"
    )
    SimulatorParameters = device_property(dtype=str, default_value="{}", doc="JSON object")
    ClockScale = device_property(dtype=float, default_value=1.0, doc="Simulated s per real s")
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")
    HeartbeatPeriod = device_property(dtype=float, default_value=10.0, doc="clock seconds")
    MonitorPeriod = device_property(
        dtype=float, default_value=2.0, doc="clock seconds between polls while a command runs"
    )
    MonitorIdlePeriod = device_property(
        dtype=float, default_value=10.0, doc="clock seconds between polls otherwise"
    )
    MaxIntegration = device_property(dtype=float, default_value=60.0, doc="seconds")
    Interlocks = device_property(
        dtype=(str,), default_value=[], doc="Interlock devices covering this telescope"
    )
    SafingGates = device_property(
        dtype=(str,), default_value=[], doc="Constraint devices whose bad gate closes it"
    )
    SunLimit = device_property(
        dtype=float, default_value=float("nan"), doc="deg: closes and parks above; NaN = none"
    )
    IdleSafeAfter = device_property(
        dtype=float, default_value=0.0, doc="clock s without work before closing; 0 = never"
    )
    GuardPeriod = device_property(dtype=float, default_value=30.0, doc="clock s between checks")

    def init_device(self) -> None:
        """Set up cached values, then the base (which builds the component manager)."""
        self._values: dict[str, Any] = {
            **dict.fromkeys(_ANGLES, 0.0),
            "tracking": False,
            "enclosureOpen": False,
            "enclosureState": EnclosureState.CLOSED,
            "mountState": MountState.PARKED,
            "parked": True,
            "currentTaskId": "",
            "currentSubtask": "",
            "taskProgress": 0,
            "heartbeat": 0.0,
            "instruments": "[]",
            "site": "{}",
            "assets": "[]",
            "safe": True,
            "lastSafing": "{}",
            **dict(zip(_FOCUS, (0, 0, False, float("nan")), strict=True)),
        }
        self._focus_bound = 0  # the upper bound focusPosition's configuration shows
        super().init_device()
        enable_events(self, _PUSHED)
        cm = self.component_manager
        self._update("instruments", json.dumps([i.model_dump() for i in cm.instruments]))
        site = cm.driver.site
        self._update("site", json.dumps({**vars(site), "telescope_id": self._telescope_id}))
        guard = cm.settings.guard
        constants: dict[str, Any] = {"kind": self._kind(), "interlocks": guard.interlocks}
        constants |= {"safingGates": guard.safing_gates, "sunLimit": self._sun_limit()}
        push_constants(self, constants, self._publisher.push)

    def create_component_manager(self) -> TelescopeComponentManager:
        """Build the driver the properties name and the component manager over it."""
        self._telescope_id = self.TelescopeId or self.get_name().rsplit("/", 1)[-1]
        try:
            instruments = parse_instruments(self.Instruments)
        except ValueError as exc:
            raise ValueError(f"Instruments property: {exc}") from exc
        kind = driver_kind(self.Driver)
        site = Site(self.SiteName, self.SiteLatitude, self.SiteLongitude, self.SiteElevation)
        clock = self._make_clock()
        driver = build_driver(
            kind,
            self.DriverParameters or (self.SimulatorParameters if kind == "simulator" else ""),
            telescope_id=self._telescope_id,
            site=site,
            instruments=instruments,
            clock=clock,
            data_dir=data_directory(self.DataDirectory),
            logger=self.logger,
        )
        self._modes["simulationMode"] = (
            SimulationMode.TRUE if kind is DriverKind.SIMULATOR else SimulationMode.FALSE
        )
        try:
            guard = GuardSettings(
                interlocks=names(self.Interlocks),
                safing_gates=names(self.SafingGates),
                sun_limit_deg=sun_limit(self.SunLimit),
                idle_safe_after_s=self.IdleSafeAfter,
                tick_s=self.GuardPeriod,
            )
        except ValueError as exc:
            raise ValueError(f"guard properties: {exc}") from exc
        settings = TelescopeSettings(
            monitor_period_s=self.MonitorPeriod,
            monitor_idle_period_s=self.MonitorIdlePeriod,
            heartbeat_period_s=self.HeartbeatPeriod,
            max_integration_s=self.MaxIntegration,
            max_assets=100,
            guard=guard,
        )
        return TelescopeComponentManager(
            driver,
            clock,
            settings,
            logger=self.logger,
            communication_callback=self._communication_changed,
            state_callback=self._on_state,
            heartbeat_callback=lambda value: self._update("heartbeat", value, always=True),
            activity_callback=self._on_activity,
            asset_callback=self._on_asset,
            proxies=TangoProxyFactory(clock=clock),
            safing_callback=self._on_safing,
            fault_callback=self._on_fault,
        )

    def _make_clock(self) -> Clock:
        return make_clock(self.ClockScale, self.SimulationStart)

    # -- monitored state ------------------------------------------------------------------

    def _update(self, name: str, value: Any, *, always: bool = False) -> None:
        old = self._values.get(name)
        if name in _ANGLES:
            changed = old is None or abs(float(value) - float(old)) >= ANGLE_CHANGE_DEG
        else:
            changed = value != old
        if changed or always:
            self._values[name] = value
            self._publisher.push(name, value)

    def _on_state(
        self, t: Telemetry, state: TelescopeState, health: HealthState, status: str
    ) -> None:
        mount = t.mount
        angles = (mount.ra_deg, mount.dec_deg, mount.alt_deg, mount.az_deg)
        for name, value in zip(_ANGLES, angles, strict=True):
            self._update(name, value)
        self._update("tracking", t.mount.tracking)
        self._update("mountState", t.mount.state)
        self._update("parked", t.mount.parked)
        self._update("enclosureState", t.enclosure.state)
        self._update("enclosureOpen", t.enclosure.state is EnclosureState.OPEN)
        self._update("safe", is_safe(t))
        focus = self.component_manager.focusing.view(t.focuser)
        for name, value in zip(_FOCUS, focus, strict=True):
            self._update(name, value)
        if self.get_state() not in (DevState.DISABLE, DevState.UNKNOWN, DevState.INIT):
            self._set_state(getattr(DevState, state.name), status)
            self._set_health(health)

    def always_executed_hook(self) -> None:
        """Bound focusPosition by the focuser's travel once it is known (on a Tango thread)."""
        top = self._values["focusMaxPosition"]
        if top != self._focus_bound:
            config = self.get_device_attr().get_attr_by_name("focusPosition")
            properties = config.get_properties()
            properties.max_value = str(top)
            config.set_properties(properties)
            self._focus_bound = top

    def _communication_changed(self, status: CommunicationStatus) -> None:
        """A driver that says why it cannot be read is a FAULT (it keeps reconnecting).

        Telemetry that only stopped arriving (nothing says why) is UNKNOWN, as on every
        device; once readings return the state is derived from them again.
        """
        error = self.component_manager.monitor.last_error
        if status is CommunicationStatus.NOT_ESTABLISHED and error:
            self._on_fault(error)
            return
        super()._communication_changed(status)

    def _on_fault(self, error: str) -> None:
        if self.component_manager.communication_status is CommunicationStatus.NOT_ESTABLISHED:
            self._set_state(DevState.FAULT, f"Hardware fault: {error}; reconnecting")
            self._set_health(HealthState.FAILED)

    def _component_connected(self) -> None:
        latest = self.component_manager.monitor.latest
        if latest is None:
            super()._component_connected()
            return
        state, health, status = derive_state(latest)
        self._set_state(getattr(DevState, state.name), status)
        self._set_health(health)

    def _on_activity(self, activity: TaskActivity) -> None:
        self._update("currentTaskId", activity.task_id)
        self._update("currentSubtask", activity.subtask)
        self._update("taskProgress", activity.progress)

    def _on_safing(self, record: SafingRecord) -> None:
        self._update("lastSafing", json.dumps(record.as_dict()))

    def _on_asset(self, asset: Asset) -> None:
        del asset  # the attribute carries every kept asset
        self._update("assets", json.dumps(self.component_manager.assets()))

    # -- commands -------------------------------------------------------------------------

    def _allowed(self) -> bool:
        return self.get_state() != DevState.DISABLE

    is_ExecuteTask_allowed = is_SafeShutdown_allowed = is_Park_allowed = _allowed
    is_Unpark_allowed = is_OpenEnclosure_allowed = is_CloseEnclosure_allowed = _allowed
    is_MoveFocuser_allowed = _allowed

    @command(
        dtype_in=str,
        doc_in="TaskSpec JSON (id, target, instrument, exposures...), as the controller "
        "dispatches it",
        dtype_out=DevVarLongStringArray,
        doc_out=LRC_REPLY_DOC,
    )
    def ExecuteTask(self, argument: str) -> Any:
        """Execute a task (TaskSpec JSON): slew, settle, expose/integrate, upload; an LRC.

        Raises DevFailed at once when the task is malformed (API_InvalidArgument) or cannot
        run now (TargetBelowHorizon, TargetTooCloseToSun, InstrumentUnavailable, ...).
        """
        try:
            spec = TaskSpec.model_validate_json(argument)
        except pydantic.ValidationError as exc:
            errors = "; ".join(str(e) for e in field_errors_from_pydantic(exc))
            raise_dev_failed("API_InvalidArgument", f"ExecuteTask argument: {errors}")
        try:
            plan = self.component_manager.prepare_task(spec)
        except TaskRefused as exc:
            raise_dev_failed(exc.reason, f"ExecuteTask {spec.id} refused: {exc}")
        return self.submit_lrc("ExecuteTask", self.component_manager.execute_task, plan)

    @command(doc_in=NO_ARGUMENT_DOC, dtype_out=DevVarLongStringArray, doc_out=LRC_REPLY_DOC)
    def SafeShutdown(self) -> Any:
        """Close the enclosure and park the mount in parallel, ahead of anything else; an LRC."""
        uid = self._commands.new_command("SafeShutdown")

        def report(**changes: Any) -> None:
            self._commands.update(uid, **changes)

        status, message = self.component_manager.submit_safe_shutdown(report)
        if status == TaskStatus.REJECTED:
            return lrc_reply(ResultCode.REJECTED, message)
        return lrc_reply(ResultCode.QUEUED, uid)

    @command(doc_in=NO_ARGUMENT_DOC, dtype_out=DevVarLongStringArray, doc_out=LRC_REPLY_DOC)
    def Park(self) -> Any:
        """Park the mount; an LRC."""
        return self.submit_lrc("Park", self.component_manager.motions.park)

    @command(doc_in=NO_ARGUMENT_DOC, dtype_out=DevVarLongStringArray, doc_out=LRC_REPLY_DOC)
    def Unpark(self) -> Any:
        """Unpark the mount; an LRC."""
        return self.submit_lrc("Unpark", self._guarded(Action.UNPARK, "unpark"))

    @command(doc_in=NO_ARGUMENT_DOC, dtype_out=DevVarLongStringArray, doc_out=LRC_REPLY_DOC)
    def OpenEnclosure(self) -> Any:
        """Open the enclosure; an LRC."""
        self._need_enclosure()
        motion = self._guarded(Action.OPEN, "open_enclosure")
        return self.submit_lrc("OpenEnclosure", motion)

    @command(doc_in=NO_ARGUMENT_DOC, dtype_out=DevVarLongStringArray, doc_out=LRC_REPLY_DOC)
    def CloseEnclosure(self) -> Any:
        """Close the enclosure; an LRC."""
        self._need_enclosure()
        return self.submit_lrc("CloseEnclosure", self.component_manager.motions.close_enclosure)

    @command(
        dtype_in=int,
        doc_in="Target position, focuser steps, 0..focusMaxPosition",
        dtype_out=DevVarLongStringArray,
        doc_out=LRC_REPLY_DOC,
    )
    def MoveFocuser(self, position_steps: int) -> Any:
        """Move the focuser to ``position_steps`` (0..focusMaxPosition); an LRC Abort stops.

        DevFailed at once without a focuser (FocuserNotFitted), outside its travel
        (API_InvalidArgument, naming ``position_steps`` and the bound), or before its travel
        is known (TelescopeNotReady).
        """
        try:
            move = self.component_manager.prepare_focus_move(position_steps)
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"MoveFocuser argument: {exc}")
        except TaskRefused as exc:
            raise_dev_failed(exc.reason, f"MoveFocuser refused: {exc}")
        return self.submit_lrc("MoveFocuser", move)

    def _guarded(self, action: Action, motion: str) -> Any:
        cm = self.component_manager
        try:
            return cm.guarded(action, getattr(cm.motions, motion))
        except TaskRefused as exc:
            raise_dev_failed(exc.reason, f"{motion} refused: {exc}")

    def _need_enclosure(self) -> None:
        if not self.component_manager.has_enclosure:
            raise_dev_failed("API_CommandNotAllowed", "this telescope has no enclosure")

    def is_InjectFault_allowed(self) -> bool:
        """Only in simulation mode."""
        return self._modes["simulationMode"] == SimulationMode.TRUE

    @command(
        dtype_in=str,
        doc_in='JSON object {"fault": "enclosure_stuck", "mount_fault", "camera_timeout" or '
        '"hang", "active": true or false}; simulation mode only',
        doc_out=NO_REPLY_DOC,
    )
    def InjectFault(self, argument: str) -> None:
        """Simulation only: activate or clear a simulator fault.

        The argument is ``{"fault": "enclosure_stuck|mount_fault|camera_timeout|hang",
        "active": true|false}``.
        """
        data = decode_json_argument(argument, what="InjectFault argument")
        if not isinstance(data, dict) or not isinstance(data.get("active", True), bool):
            raise_dev_failed(
                "API_InvalidArgument", "InjectFault argument: expected {fault, active}"
            )
        try:
            self.component_manager.inject_fault(str(data.get("fault")), data.get("active", True))
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"InjectFault argument: {exc}")

    @command(
        dtype_in=str,
        doc_in="A task id, or '' for every task",
        dtype_out=str,
        doc_out="JSON list of asset records (path, kind, task_info...)",
    )
    def GetAssets(self, task_id: str) -> str:
        """The asset records (JSON list) of one task, or of every task when empty."""
        return json.dumps(self.component_manager.assets(task_id or None))

    # -- attributes -----------------------------------------------------------------------

    ra = _angle("ra", "Right ascension (ICRS) the mount points at")
    dec = _angle("dec", "Declination (ICRS) the mount points at")
    alt = _angle("alt", "Altitude the mount points at")
    az = _angle("az", "Azimuth (east of north) the mount points at")
    tracking = _cached("tracking", bool, "Whether the mount tracks the sky")
    parked = _cached("parked", bool, "Whether the mount is parked")
    mountState = _cached("mountState", MountState, "What the mount is doing")
    enclosureOpen = _cached("enclosureOpen", bool, "Whether the enclosure is fully open")
    enclosureState = _cached("enclosureState", EnclosureState, "What the enclosure is doing")
    currentTaskId = _cached("currentTaskId", str, "The task being executed ('' when idle)")
    currentSubtask = _cached("currentSubtask", str, "The subtask being executed")
    taskProgress = _cached("taskProgress", int, "Progress of the current task, 0..100", unit="%")
    heartbeat = _cached(
        "heartbeat", float, "Telemetry time (unix s), beaten while healthy", unit="s"
    )
    instruments = _cached("instruments", str, "The instruments (JSON list)")
    site = _cached("site", str, "The site and telescope id (JSON)")
    assets = _cached("assets", str, "Asset records kept, with task_info (JSON list)")
    safe = _cached("safe", bool, "Parked, and the enclosure (if any) closed")
    lastSafing = _cached(
        "lastSafing", str, "The last time the telescope made itself safe: at, reason (JSON)"
    )

    focusPosition = _cached(
        "focusPosition", int, "Focuser position (0..focusMaxPosition)", unit="steps", min_value=0
    )
    focusMaxPosition = _cached(
        "focusMaxPosition", int, "Focuser travel (0: no focuser, or not known yet)", unit="steps"
    )
    focuserMoving = _cached("focuserMoving", bool, "Whether the focuser is moving")
    focuserTemperature = _cached(
        "focuserTemperature", float, "Focuser sensor (NaN: none)", unit="degC"
    )

    @attribute(dtype=str, doc="optical (with an enclosure) or radio")
    def kind(self) -> str:
        """What kind of telescope this is, for what "safe" means."""
        return self._kind()

    def _kind(self) -> str:
        return "optical" if self.component_manager.has_enclosure else "radio"

    @attribute(dtype=(str,), max_dim_x=64, doc="Interlock devices covering this telescope")
    def interlocks(self) -> tuple[str, ...]:
        """The interlocks the telescope enforces."""
        return self.component_manager.settings.guard.interlocks

    @attribute(dtype=(str,), max_dim_x=64, doc="Constraint devices whose bad gate closes it")
    def safingGates(self) -> tuple[str, ...]:
        """The gates that make the telescope safe when they go bad."""
        return self.component_manager.settings.guard.safing_gates

    @attribute(dtype=float, unit="deg", doc="Sun altitude above which it closes (NaN: none)")
    def sunLimit(self) -> float:
        """The sun limit."""
        return self._sun_limit()

    def _sun_limit(self) -> float:
        limit = self.component_manager.settings.guard.sun_limit_deg
        return float("nan") if limit is None else limit

    # Polled, not pushed: the guard's view changes on its own ticks, with nothing to push it.
    @attribute(dtype=str, doc="What the telescope's guard knows (JSON)", polling_period=10_000)
    def guard(self) -> str:
        """Interlocks, safing gates, the sun, the safing under way."""
        return json.dumps(self.component_manager.guard.view())
