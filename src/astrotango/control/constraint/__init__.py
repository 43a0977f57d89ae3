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
    open_snapshot_sink,
    snapshot_store_url,
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
    "open_snapshot_sink",
    "snapshot_store_url",
    "sun_altitude_deg",
    "sun_separation_deg",
]
