"""The OperationalConstraint component: readings from sources, the gate, snapshots."""

from __future__ import annotations

from astrotango.control.constraint.component_manager import (
    ConstraintComponentManager,
    ConstraintIdentity,
    StatusCallback,
)
from astrotango.control.constraint.ephemeris import (
    SiteLocation,
    sun_altitude_deg,
    sun_separation_deg,
)
from astrotango.control.constraint.snapshots import (
    NO_STORE,
    SnapshotSink,
    default_store_url,
    open_snapshot_sink,
)
from astrotango.control.constraint.sources import (
    AttributeSource,
    ComputedSource,
    Deliver,
    MountSunSource,
    ReadingSource,
)

__all__ = [
    "NO_STORE",
    "AttributeSource",
    "ComputedSource",
    "ConstraintComponentManager",
    "ConstraintIdentity",
    "Deliver",
    "MountSunSource",
    "ReadingSource",
    "SiteLocation",
    "SnapshotSink",
    "StatusCallback",
    "default_store_url",
    "open_snapshot_sink",
    "sun_altitude_deg",
    "sun_separation_deg",
]
