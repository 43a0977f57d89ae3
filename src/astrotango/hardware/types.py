"""Value types a telescope driver speaks: site, pointings, component states, telemetry, assets.

All immutable. Angles are degrees, times timezone-aware UTC datetimes, durations seconds.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "Asset",
    "EnclosureState",
    "EnclosureStatus",
    "EquatorialPointing",
    "ExposureRequest",
    "FocuserInfo",
    "FocuserStatus",
    "HorizontalPointing",
    "InstrumentState",
    "InstrumentStatus",
    "IntegrationRequest",
    "MountState",
    "MountStatus",
    "Pointing",
    "Site",
    "TaskInfo",
    "Telemetry",
]

#: A FITS-header-like mapping: keyword to a scalar value.
HeaderValue = str | int | float | bool
#: The farthest a focuser can travel, steps (a Tango DevLong holds the position).
MAX_FOCUSER_STEPS = 2**31 - 1


@dataclass(frozen=True)
class Site:
    """Where a telescope stands (WGS84; longitude east-positive)."""

    name: str
    latitude_deg: float
    longitude_deg: float
    elevation_m: float


@dataclass(frozen=True)
class EquatorialPointing:
    """A sidereal position (ICRS / J2000), tracked once reached."""

    ra_deg: float
    dec_deg: float
    name: str = "target"


@dataclass(frozen=True)
class HorizontalPointing:
    """A fixed horizontal position (flat screen, zenith stare); not tracked."""

    alt_deg: float
    az_deg: float
    name: str = "fixed"


Pointing = EquatorialPointing | HorizontalPointing


class MountState(enum.IntEnum):
    """What the mount is doing (a Tango DevEnum: labels in value order)."""

    PARKED = 0
    UNPARKING = 1
    IDLE = 2
    SLEWING = 3
    SETTLING = 4
    TRACKING = 5
    PARKING = 6
    FAULT = 7


class EnclosureState(enum.IntEnum):
    """What the enclosure (dome, roll-off roof) is doing; NONE when there is none."""

    CLOSED = 0
    OPENING = 1
    OPEN = 2
    CLOSING = 3
    FAULT = 4
    NONE = 5


class InstrumentState(enum.IntEnum):
    """What an instrument is doing; READY means data wait to be read out."""

    IDLE = 0
    EXPOSING = 1
    READING = 2
    READY = 3
    FAULT = 4


@dataclass(frozen=True)
class MountStatus:
    """The mount as last measured.

    Attributes:
        on_target: The commanded pointing is reached and settled.
        fault: Why the mount is in FAULT (or stopped at a limit); empty otherwise.
    """

    state: MountState
    ra_deg: float
    dec_deg: float
    alt_deg: float
    az_deg: float
    tracking: bool
    on_target: bool
    fault: str = ""

    @property
    def parked(self) -> bool:
        """Whether the mount is parked."""
        return self.state is MountState.PARKED


@dataclass(frozen=True)
class EnclosureStatus:
    """The enclosure as last measured; ``open_fraction`` 0 (closed) to 1 (open)."""

    state: EnclosureState
    open_fraction: float
    fault: str = ""


@dataclass(frozen=True)
class InstrumentStatus:
    """One instrument as last measured; ``elapsed_s`` of the current exposure or integration."""

    name: str
    state: InstrumentState
    elapsed_s: float = 0.0
    duration_s: float = 0.0
    fault: str = ""


@dataclass(frozen=True)
class FocuserInfo:
    """What a focuser can do: its travel, in motor steps.

    Attributes:
        max_steps: The far end of the travel, steps (1..2**31 - 1); positions run from 0
            to it.
        step_size_um: One step along the optical axis, micrometres (None: not known).

    Raises:
        ValueError: ``max_steps`` or ``step_size_um`` out of bounds (naming the field).
    """

    max_steps: int
    step_size_um: float | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.max_steps <= MAX_FOCUSER_STEPS:
            raise ValueError(
                f"max_steps: must lie in 1..{MAX_FOCUSER_STEPS} steps, got {self.max_steps}"
            )
        if self.step_size_um is not None and not self.step_size_um > 0.0:
            raise ValueError(f"step_size_um: must be > 0 micrometres, got {self.step_size_um}")

    def range_error(self, position_steps: int) -> str:
        """Why the focuser cannot go to ``position_steps`` ('' when it can: 0..max_steps)."""
        if 0 <= position_steps <= self.max_steps:
            return ""
        return (
            f"position_steps: {position_steps} is outside the focuser's travel "
            f"0..{self.max_steps} steps"
        )


@dataclass(frozen=True)
class FocuserStatus:
    """The focuser as last measured.

    Attributes:
        position_steps: Where it is, steps (0..``FocuserInfo.max_steps``).
        moving: A move is under way.
        temperature_c: Its temperature sensor, degrees Celsius (None: it has none).
        fault: Why the focuser is in fault (a move refused or not answered); empty otherwise.
    """

    position_steps: int
    moving: bool = False
    temperature_c: float | None = None
    fault: str = ""


@dataclass(frozen=True)
class Telemetry:
    """Everything the device publishes, measured at ``time``.

    ``next_change`` is when the driver knows this telemetry will next change by itself (a
    slew, settle, park or enclosure travel ends, an exposure ends or is read out, a focuser
    move ends), or None when it cannot tell (real hardware: the monitor then polls while a
    command waits). ``focuser`` is None on a telescope without one.
    """

    time: datetime
    mount: MountStatus
    enclosure: EnclosureStatus
    instruments: tuple[InstrumentStatus, ...]
    sun_alt_deg: float
    next_change: datetime | None = None
    focuser: FocuserStatus | None = None


@dataclass(frozen=True)
class TaskInfo:
    """Names the task an exposure belongs to; copied into every asset."""

    task_id: str
    observation_id: str
    subtask: str
    target: str = ""

    def as_dict(self) -> dict[str, str]:
        """The task info as a JSON-ready mapping."""
        return {
            "task_id": self.task_id,
            "observation_id": self.observation_id,
            "subtask": self.subtask,
            "target": self.target,
        }


@dataclass(frozen=True)
class ExposureRequest:
    """One camera exposure; ``image_type`` is a FITS IMAGETYP (object, bias, dark, flat)."""

    exposure_s: float
    task: TaskInfo
    filter: str | None = None
    binning: int = 1
    image_type: str = "object"


@dataclass(frozen=True)
class IntegrationRequest:
    """One receiver integration at the tuned frequency."""

    duration_s: float
    task: TaskInfo


@dataclass(frozen=True)
class Asset:
    """A data product: a FITS image (its header) or a radio spectrum (its metadata).

    Attributes:
        asset_id: Unique id of the data product.
        kind: ``"fits_image"`` or ``"radio_spectrum"``.
        partial: True when the exposure or integration was cut short (aborted).
        header: FITS header keywords / spectrum metadata.
        task_info: The task that made it.
        path: The file the data were written to ("" when none was written).
        size_bytes: The file's size.
        sha256: The file's checksum (hex).
    """

    asset_id: str
    kind: str
    instrument: str
    start_time: datetime
    duration_s: float
    partial: bool
    header: Mapping[str, HeaderValue] = field(default_factory=dict)
    task_info: Mapping[str, str] = field(default_factory=dict)
    path: str = ""
    size_bytes: int = 0
    sha256: str = ""

    def as_dict(self) -> dict[str, object]:
        """The asset as a JSON-ready mapping."""
        return {
            "asset_id": self.asset_id,
            "kind": self.kind,
            "instrument": self.instrument,
            "start_time": self.start_time.isoformat(),
            "duration_s": round(self.duration_s, 3),
            "partial": self.partial,
            "header": dict(self.header),
            "task_info": dict(self.task_info),
            "path": self.path,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
        }
