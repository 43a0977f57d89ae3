"""Telescope hardware, as the component managers see it: driver Protocols and value types.

Pure (no Tango, no simulator): a real hardware adapter and the simulator in
``astrotango.simulation.telescope`` both implement :class:`TelescopeDriver`.
"""

from __future__ import annotations

from astrotango.hardware.errors import (
    HardwareError,
    HardwareFault,
    HardwareTimeout,
    LimitViolation,
)
from astrotango.hardware.instruments import (
    CameraInfo,
    InstrumentInfo,
    ReceiverInfo,
    parse_instruments,
)
from astrotango.hardware.limits import MountLimits, pointing_altaz
from astrotango.hardware.protocols import (
    Camera,
    Enclosure,
    Focuser,
    Instrument,
    Mount,
    Receiver,
    TelescopeDriver,
)
from astrotango.hardware.sky import (
    altaz_to_radec,
    angular_separation_deg,
    radec_to_altaz,
    sun_radec,
)
from astrotango.hardware.types import (
    Asset,
    EnclosureState,
    EnclosureStatus,
    EquatorialPointing,
    ExposureRequest,
    FocuserInfo,
    FocuserStatus,
    HorizontalPointing,
    InstrumentState,
    InstrumentStatus,
    IntegrationRequest,
    MountState,
    MountStatus,
    Pointing,
    Site,
    TaskInfo,
    Telemetry,
)

__all__ = [
    "Asset",
    "Camera",
    "CameraInfo",
    "Enclosure",
    "EnclosureState",
    "EnclosureStatus",
    "EquatorialPointing",
    "ExposureRequest",
    "Focuser",
    "FocuserInfo",
    "FocuserStatus",
    "HardwareError",
    "HardwareFault",
    "HardwareTimeout",
    "HorizontalPointing",
    "Instrument",
    "InstrumentInfo",
    "InstrumentState",
    "InstrumentStatus",
    "IntegrationRequest",
    "LimitViolation",
    "Mount",
    "MountLimits",
    "MountState",
    "MountStatus",
    "Pointing",
    "Receiver",
    "ReceiverInfo",
    "Site",
    "TaskInfo",
    "Telemetry",
    "TelescopeDriver",
    "altaz_to_radec",
    "angular_separation_deg",
    "parse_instruments",
    "pointing_altaz",
    "radec_to_altaz",
    "sun_radec",
]
