"""OperationalConstraint: one gate (weather, storage, battery, camera, sun, mount-sun), thin.

The type, scope and inputs come from device properties; the limits, stability threshold,
maximum data age and activity are writable, memorized attributes. Readings come from another
device's change events (``SensorDevice``/``SensorAttribute``; the telescope's ``ra``/``dec``
for ``mount_sun_separation``), from the ephemeris on the injected clock (``sun_altitude``), or
from ``PushReading``. All logic lives in :mod:`astrotango.control.constraint`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from tango import AttrWriteType, DevState
from tango.server import attribute, command, device_property

from astrotango.clock import Clock, make_clock
from astrotango.control.constraint import (
    AttributeSource,
    ComputedSource,
    ConstraintComponentManager,
    ConstraintIdentity,
    MountSunSource,
    ReadingSource,
    SiteLocation,
    open_snapshot_sink,
    sun_altitude_deg,
    sun_separation_deg,
)
from astrotango.control.proxies import TangoProxyFactory
from astrotango.control_model import HealthState
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import (
    NO_ARGUMENT_DOC,
    NO_REPLY_DOC,
    decode_json_argument,
    raise_dev_failed,
)
from astrotango.devices.event_config import enable_events, push_constants
from astrotango.domain.constraints import ConstraintType as Kind
from astrotango.domain.constraints import GateSettings, GateState, GateStatus, build_constraint
from astrotango.domain.constraints import Scope as ScopeKind

__all__ = ["OperationalConstraint"]

_RW = AttrWriteType.READ_WRITE
_PUSHED: tuple[str, ...] = ("isOk", "value", "lastUpdate", "forceCleared", "gateState", "snapshot")
_PUSHED += ("minValue", "maxValue", "stabilityThreshold", "maxDataAge", "isActive")
_HOST_ATTRIBUTES = {
    Kind.BATTERY: "batteryCharge",
    Kind.STORAGE: "freeStorage",
    Kind.CAMERA_TEMPERATURE: "cameraTemperature",
}
_DEGRADED = (GateState.NO_DATA, GateState.STALE)
#: What an operator sees for each gate state (an open or force-cleared gate is ON). ALARM is
#: kept for a judged violation (BAD) and for data that stopped arriving (STALE); a gate with
#: no reading yet or settling on good readings is not yet judged: STANDBY, not red.
_DEV_STATES = {
    GateState.OK: DevState.ON,
    GateState.INACTIVE: DevState.ON,
    GateState.SETTLING: DevState.STANDBY,
    GateState.NO_DATA: DevState.STANDBY,
    GateState.BAD: DevState.ALARM,
    GateState.STALE: DevState.ALARM,
}
#: Attributes in the unit of the constraint's quantity (the model's, set at init).
_IN_UNIT = ("value", "minValue", "maxValue")
_NOT_SPECIFIED = "Not specified"


def _limit(value: float | None) -> float:
    return math.nan if value is None else value


def _last_update(cm: ConstraintComponentManager) -> str:
    last = cm.status.last_update
    return "" if last is None else last.isoformat()


def _snapshot_json(cm: ConstraintComponentManager, status: GateStatus | None = None) -> str:
    status = cm.status if status is None else status
    identity, model = cm.identity, cm.model
    data: dict[str, Any] = {
        "constraint": identity.name,
        "constraint_type": str(model.constraint_type),
    }
    data |= {"scope": str(identity.scope), "telescope": identity.telescope}
    data |= {"min_value": model.min_value, "max_value": model.max_value}
    return json.dumps({**data, **status.to_json()})


def _read(
    name: str, dtype: type, get: Callable[[ConstraintComponentManager], Any], doc: str
) -> Any:
    def read(self: OperationalConstraint) -> Any:
        return get(self.component_manager)

    return attribute(name=name, dtype=dtype, doc=doc, fget=read)


def _memorized(name: str, dtype: type, read: Any, apply: Any, doc: str, **options: Any) -> Any:
    def write(self: OperationalConstraint, value: Any) -> None:
        try:
            apply(self.component_manager, value)
        except ValueError as exc:
            raise_dev_failed("API_AttrValueNotAllowed", f"{name}: {exc}")
        if name in _IN_UNIT:
            self._show_limits()
        self._push(name, value)

    return attribute(
        name=name,
        dtype=dtype,
        access=_RW,
        memorized=True,
        hw_memorized=True,
        doc=doc,
        fget=lambda self: read(self.component_manager),
        fset=write,
        **options,
    )


def _limit_attribute(name: str, field: str) -> Any:
    def apply(cm: ConstraintComponentManager, value: float) -> None:
        limits = {"min_value": cm.model.min_value, "max_value": cm.model.max_value}
        limits[field] = None if math.isnan(value) else value
        cm.set_limits(limits["min_value"], limits["max_value"])

    read = lambda cm: _limit(getattr(cm.model, field))  # noqa: E731
    return _memorized(name, float, read, apply, f"{field} (NaN: no limit); memorized")


def _gate_attribute(name: str, field: str, dtype: type) -> Any:
    def apply(cm: ConstraintComponentManager, value: Any) -> None:
        cm.set_gate(**{field: value})

    read = lambda cm: getattr(cm.gate, field)  # noqa: E731
    unit = {"unit": "s"} if field.endswith("_s") else {}
    return _memorized(name, dtype, read, apply, f"{field}; memorized", **unit)


class OperationalConstraint(AstroDevice):
    """One operational constraint: ``isOk`` gates observations (mission/004)."""

    component_manager: ConstraintComponentManager

    ConstraintType = device_property(dtype=str, default_value="weather_sensor")
    Scope = device_property(dtype=str, default_value="observatory", doc="observatory|telescope")
    Telescope = device_property(dtype=str, default_value="", doc="Telescope device in scope")
    SensorDevice = device_property(dtype=str, default_value="", doc="Followed sensor device")
    SensorAttribute = device_property(dtype=str, default_value="", doc="Followed attribute")
    MinValue = device_property(dtype=float, default_value=math.nan, doc="NaN: type default")
    MaxValue = device_property(dtype=float, default_value=math.nan, doc="NaN: type default")
    StabilityThreshold = device_property(dtype=float, default_value=0.0, doc="clock seconds")
    MaxDataAge = device_property(dtype=float, default_value=300.0, doc="clock seconds")
    IsActive = device_property(dtype=bool, default_value=True)
    SamplePeriod = device_property(dtype=float, default_value=60.0, doc="computed, clock s")
    SnapshotPeriod = device_property(dtype=float, default_value=300.0, doc="clock seconds")
    StoreUrl = device_property(
        dtype=str, default_value="", doc="'' the system's store ($ASTROTANGO_STORE_URL); 'none'"
    )
    ClockScale = device_property(dtype=float, default_value=1.0, doc="Simulated s per real s")
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")
    SiteLatitude = device_property(dtype=float, default_value=28.7606, doc="deg, north +")
    SiteLongitude = device_property(dtype=float, default_value=-17.8816, doc="deg, east +")
    SiteElevation = device_property(dtype=float, default_value=2396.0, doc="metres")

    def init_device(self) -> None:
        """Build the component manager, then set up events."""
        self._pushed: dict[str, Any] = {}
        super().init_device()
        self._show_unit()
        self._show_limits()
        enable_events(self, _PUSHED)
        cm = self.component_manager
        constants = {"constraintType": str(cm.model.constraint_type)}
        constants |= {"scope": str(cm.identity.scope), "telescope": cm.identity.telescope}
        push_constants(self, constants, self._publisher.push)

    def _show_unit(self) -> None:
        """Give the value and its limits the unit of the quantity the model judges."""
        unit = self.component_manager.model.unit_name()
        for name in _IN_UNIT:
            config = self.get_device_attr().get_attr_by_name(name)
            properties = config.get_properties()
            if properties.unit != unit:
                properties.unit = unit
                config.set_properties(properties)

    def _show_limits(self) -> None:
        """Make ``value``'s alarm limits the gate's limits (one source: the model).

        Called on a Tango thread (init, a limit written). Tango then flags a reading beyond
        them ATTR_ALARM, and shows ALARM on a device that is ON (a force-cleared gate).
        """
        model = self.component_manager.model
        config = self.get_device_attr().get_attr_by_name("value")
        properties = config.get_properties()
        low, high = (
            _NOT_SPECIFIED if v is None else repr(v) for v in (model.min_value, model.max_value)
        )
        if (properties.min_alarm, properties.max_alarm) != (low, high):
            properties.min_alarm, properties.max_alarm = low, high
            config.set_properties(properties)

    def create_component_manager(self) -> ConstraintComponentManager:
        """Build the model, the reading source and the component manager from properties."""
        try:
            kind = Kind(self.ConstraintType)
            scope = ScopeKind(self.Scope)
            model = build_constraint(
                kind, self.MinValue, self.MaxValue, sensor_attribute=self.SensorAttribute
            )
            gate = GateSettings(
                stability_threshold_s=self.StabilityThreshold,
                max_data_age_s=self.MaxDataAge,
                is_active=self.IsActive,
            )
        except ValueError as exc:
            raise ValueError(f"{self.get_name()} properties: {exc}") from exc
        clock = make_clock(self.ClockScale, self.SimulationStart)
        identity = ConstraintIdentity(self.get_name(), scope, self.Telescope)
        return ConstraintComponentManager(
            identity,
            model,
            gate,
            clock,
            source=self._make_source(kind, clock),
            store=open_snapshot_sink(self.StoreUrl, self.logger),
            status_callback=self._on_status,
            snapshot_period_s=self.SnapshotPeriod,
            logger=self.logger,
            communication_callback=self._communication_changed,
        )

    def _make_source(self, kind: Kind, clock: Clock) -> ReadingSource | None:
        proxies = TangoProxyFactory(clock=clock)
        if kind is Kind.SUN_ALTITUDE:
            site = SiteLocation(self.SiteLatitude, self.SiteLongitude, self.SiteElevation)
            return ComputedSource(lambda t: sun_altitude_deg(t, site), clock, self.SamplePeriod)
        if kind is Kind.MOUNT_SUN_SEPARATION:
            if not self.Telescope:
                raise ValueError(f"{self.get_name()} properties: Telescope is required")
            client = proxies.device(self.Telescope)
            return MountSunSource(client, clock, self.SamplePeriod, sun_separation_deg)
        attribute_name = self.SensorAttribute or _HOST_ATTRIBUTES.get(kind, "")
        if not self.SensorDevice or not attribute_name:
            return None  # readings come through PushReading only
        return AttributeSource(proxies.device(self.SensorDevice), attribute_name, self.logger)

    # -- status --------------------------------------------------------------------------

    def _push(self, name: str, value: Any) -> None:
        if self._pushed.get(name, object()) != value or name == "value":
            self._pushed[name] = value
            self._publisher.push(name, value)

    def _on_status(self, status: GateStatus, significant: bool) -> None:
        self._push("isOk", status.is_ok)
        self._push("value", _limit(status.value))
        self._push(
            "lastUpdate", "" if status.last_update is None else status.last_update.isoformat()
        )
        self._push("forceCleared", status.forced is not None)
        self._push("gateState", status.state.value)
        if significant:
            self._publisher.push("snapshot", _snapshot_json(self.component_manager, status))
        if self.get_state() not in (DevState.DISABLE, DevState.INIT):
            self._show(status)

    def _show(self, status: GateStatus) -> None:
        state = DevState.ON if status.is_ok else _DEV_STATES[status.state]
        garbage = status.crossing is not None and status.crossing.threshold == "garbage"
        health = HealthState.DEGRADED if status.state in _DEGRADED or garbage else HealthState.OK
        self._set_state(state, f"{status.state.value}: {status.reason}")
        self._set_health(health)

    def _component_connected(self) -> None:
        self._show(self.component_manager.status)

    # -- commands ------------------------------------------------------------------------

    def _allowed(self) -> bool:
        return self.get_state() != DevState.DISABLE

    is_PushReading_allowed = is_ForceClear_allowed = is_Unclear_allowed = _allowed

    @command(
        dtype_in=float,
        doc_in="One reading in the constraint's unit (see the value attribute); NaN or inf "
        "counts as garbage",
        doc_out=NO_REPLY_DOC,
    )
    def PushReading(self, value: float) -> None:
        """Hand in one reading (for sensors that push); garbage (NaN, inf) closes the gate."""
        self.component_manager.push_reading(value)

    @command(
        dtype_in=str,
        doc_in='JSON object {"reason": text, "duration_s": seconds > 0, at most one week}',
        doc_out=NO_REPLY_DOC,
    )
    def ForceClear(self, argument: str) -> None:
        """Open the gate for a while whatever the data: ``{"reason", "duration_s"}`` JSON."""
        data = decode_json_argument(argument, what="ForceClear argument")
        if not isinstance(data, dict) or set(data) - {"reason", "duration_s"}:
            raise_dev_failed("API_InvalidArgument", "ForceClear argument: {reason, duration_s}")
        duration = data.get("duration_s")
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise_dev_failed("API_InvalidArgument", "duration_s: must be a number of seconds")
        try:
            self.component_manager.force_clear(str(data.get("reason", "")), float(duration))
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"ForceClear argument: {exc}")

    @command(doc_in=NO_ARGUMENT_DOC, doc_out=NO_REPLY_DOC)
    def Unclear(self) -> None:
        """Withdraw a force-clear at once."""
        self.component_manager.unclear()

    # -- attributes ----------------------------------------------------------------------

    isOk = _read("isOk", bool, lambda cm: cm.status.is_ok, "Gate open (by data or force-clear)")
    value = _read("value", float, lambda cm: _limit(cm.status.value), "Last usable reading")
    lastUpdate = _read("lastUpdate", str, _last_update, "When the last reading arrived (ISO)")
    snapshot = _read("snapshot", str, _snapshot_json, "Snapshot JSON: threshold crossed, when")
    forceCleared = _read("forceCleared", bool, lambda cm: cm.status.forced is not None, "")
    gateState = _read("gateState", str, lambda cm: cm.status.state.value, "Gate state name")
    constraintType = _read("constraintType", str, lambda cm: str(cm.model.constraint_type), "")
    scope = _read("scope", str, lambda cm: str(cm.identity.scope), "observatory or telescope")
    telescope = _read("telescope", str, lambda cm: cm.identity.telescope, "Telescope in scope")

    minValue = _limit_attribute("minValue", "min_value")
    maxValue = _limit_attribute("maxValue", "max_value")
    stabilityThreshold = _gate_attribute("stabilityThreshold", "stability_threshold_s", float)
    maxDataAge = _gate_attribute("maxDataAge", "max_data_age_s", float)
    isActive = _gate_attribute("isActive", "is_active", bool)
