"""Operational constraints, pure: one typed model per constraint type, the gate, eligibility.

``build_constraint(type, min, max)`` gives a model whose one signature ``model(raw) ->
ThresholdCheck`` judges a reading (garbage never passes); :mod:`.gate` turns checked readings
and the passing of time into a :class:`GateStatus` (stability, data age, force-clear) whose JSON
is the status snapshot; :func:`check_eligibility` answers for a policy and a telescope;
:mod:`.interlock` holds the shutdown-interlock rules. No Tango, no I/O; time is passed in.
"""

from __future__ import annotations

from astrotango.domain.constraints.base import (
    ConstraintModel,
    ConstraintType,
    Scope,
    ThresholdCheck,
    ThresholdName,
    as_finite_number,
)
from astrotango.domain.constraints.battery import BatteryConstraint
from astrotango.domain.constraints.camera_temperature import CameraTemperatureConstraint
from astrotango.domain.constraints.eligibility import (
    ConstraintView,
    Eligibility,
    FailingConstraint,
    check_eligibility,
)
from astrotango.domain.constraints.gate import (
    apply_reading,
    apply_time,
    force_clear,
    set_active,
    unclear,
)
from astrotango.domain.constraints.gate_state import (
    GATE_TRANSITIONS,
    MAX_FORCE_CLEAR_S,
    OPEN_STATES,
    Crossing,
    ForceClear,
    GateCause,
    GateSettings,
    GateState,
    GateStatus,
)
from astrotango.domain.constraints.interlock import (
    InterlockWindow,
    SensorCondition,
    TriggerKind,
    TriggerState,
    judge_reading,
)
from astrotango.domain.constraints.mount_sun_separation import MountSunSeparationConstraint
from astrotango.domain.constraints.registry import CONSTRAINT_MODELS, build_constraint
from astrotango.domain.constraints.storage import StorageConstraint
from astrotango.domain.constraints.sun_altitude import SunAltitudeConstraint
from astrotango.domain.constraints.weather_sensor import (
    WEATHER_QUANTITIES,
    WeatherQuantity,
    WeatherSensorConstraint,
)

__all__ = [
    "CONSTRAINT_MODELS",
    "GATE_TRANSITIONS",
    "MAX_FORCE_CLEAR_S",
    "OPEN_STATES",
    "WEATHER_QUANTITIES",
    "BatteryConstraint",
    "CameraTemperatureConstraint",
    "ConstraintModel",
    "ConstraintType",
    "ConstraintView",
    "Crossing",
    "Eligibility",
    "FailingConstraint",
    "ForceClear",
    "GateCause",
    "GateSettings",
    "GateState",
    "GateStatus",
    "InterlockWindow",
    "MountSunSeparationConstraint",
    "Scope",
    "SensorCondition",
    "StorageConstraint",
    "SunAltitudeConstraint",
    "ThresholdCheck",
    "ThresholdName",
    "TriggerKind",
    "TriggerState",
    "WeatherQuantity",
    "WeatherSensorConstraint",
    "apply_reading",
    "apply_time",
    "as_finite_number",
    "build_constraint",
    "check_eligibility",
    "force_clear",
    "judge_reading",
    "set_active",
    "unclear",
]
