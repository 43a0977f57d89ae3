"""Tasks: the immutable spec expansion produces, its mutable state, ids, duration estimates."""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from astrotango.domain.base import UtcDatetime
from astrotango.domain.lifecycle import TaskState
from astrotango.domain.observation import Window
from astrotango.domain.requests import OpticalImagingRequest, Request, RequestType
from astrotango.domain.settings import AssignmentMode, Constraints, Exposure, FixedTimeTiming
from astrotango.domain.targets import Target

__all__ = [
    "Overheads",
    "RequestSetup",
    "TaskPosition",
    "TaskRuntime",
    "TaskSpec",
    "fixed_time_of",
    "parse_task_id",
    "sync_group_id",
    "task_id",
]


class Overheads(BaseModel):
    """Fixed costs added to a task's exposure time to estimate its duration, seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slew_s: float = Field(default=60.0, ge=0.0, le=3_600.0)
    settle_s: float = Field(default=10.0, ge=0.0, le=3_600.0)
    readout_s: float = Field(default=5.0, ge=0.0, le=600.0, description="Per exposure.")
    filter_change_s: float = Field(default=5.0, ge=0.0, le=600.0, description="Per change.")


class RequestSetup(NamedTuple):
    """What the telescopes that can take one request mean for its expansion.

    Attributes:
        fov_deg: Field of view its field is tiled with (``None``: the default).
        overheads: Costs its duration estimate uses (``None``: the default); the slowest of
            those telescopes, so a task fits its block on any of them.
    """

    fov_deg: float | None = None
    overheads: Overheads | None = None


class TaskPosition(NamedTuple):
    """Where a task sits in its observation's expansion (all indices 0-based)."""

    request: int
    iteration: int
    request_iteration: int
    tile: int
    element: int
    instrument: int


_ID_SUFFIX = "-r{0}-i{1}-j{2}-t{3}-e{4}-n{5}"
_ID_RE = re.compile(r"^(?P<obs>.+)-r(\d+)-i(\d+)-j(\d+)-t(\d+)-e(\d+)-n(\d+)$")


def task_id(observation_id: str, position: TaskPosition) -> str:
    """``{obs}-r{request}-i{iteration}-j{request_iteration}-t{tile}-e{element}-n{instrument}``.

    E.g. ``obs-3f9a1c0b2d4e-r0-i0-j0-t3-e0-n1``: request 0, first iterations, tile 3, second
    instrument. Indices not used by a request type are 0.
    """
    return observation_id + _ID_SUFFIX.format(*position)


def parse_task_id(value: str) -> tuple[str, TaskPosition]:
    """Split a task id into its observation id and position.

    Raises:
        ValueError: not a task id.
    """
    match = _ID_RE.match(value)
    if match is None:
        raise ValueError(f"not a task id: {value!r}")
    numbers = (int(g) for g in match.groups()[1:])
    return match["obs"], TaskPosition(*numbers)


def sync_group_id(observation_id: str, position: TaskPosition) -> str:
    """The group of ``parallel_synchronized`` tasks: the task id with ``-sync`` for ``-n{k}``."""
    return task_id(observation_id, position._replace(instrument=0)).rsplit("-n", 1)[0] + "-sync"


class TaskSpec(BaseModel):
    """What one task is to do; fixed at expansion, never changed afterwards.

    ``target`` is where to point: the tile or sweep-element centre (ICRS) for sidereal
    targets, the request's own target otherwise, ``None`` for untargeted calibrations.
    ``request`` is the request as submitted (exposures, pattern, calibration kind, ...).
    ``tile_fov_deg`` is the field of view a tile was cut for: a telescope needs at least it.
    ``passes`` is how often the exposure sequence runs (a time-based request's passes that
    fit its duration, as the estimate counted them; 1 otherwise). ``deadline`` is the end of
    the window this run of the task is in, set when it is dispatched: no exposure may end
    after it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    observation_id: str
    request_index: int = Field(ge=0)
    type: RequestType
    target: Target | None
    iteration: int = Field(ge=0)
    request_iteration: int = Field(ge=0)
    tile_index: int = Field(ge=0)
    element_index: int = Field(ge=0)
    instrument_index: int = Field(ge=0)
    assignment_mode: AssignmentMode
    sync_group: str | None
    duration_s: float = Field(gt=0.0)
    window: Window
    cancel_on: UtcDatetime | None
    priority: int = Field(ge=1, le=10)
    allow_reassignment: bool
    request: Request
    tile_fov_deg: float | None = Field(default=None, gt=0.0)
    passes: int = Field(default=1, ge=1)
    deadline: UtcDatetime | None = None

    @property
    def position(self) -> TaskPosition:
        """The task's position in the expansion."""
        return TaskPosition(
            self.request_index,
            self.iteration,
            self.request_iteration,
            self.tile_index,
            self.element_index,
            self.instrument_index,
        )

    @property
    def constraints(self) -> Constraints:
        """The request's astronomical constraints."""
        return self.request.constraints

    @property
    def exposures(self) -> tuple[Exposure, ...]:
        """The exposure sequence (optical imaging), else empty."""
        return self.request.exposures if isinstance(self.request, OpticalImagingRequest) else ()

    @property
    def frequency_ghz(self) -> float | None:
        """The observing frequency (radio, radio calibrations), else ``None``."""
        return (
            None if isinstance(self.request, OpticalImagingRequest) else self.request.frequency_ghz
        )


class TaskRuntime(BaseModel):
    """A task's mutable state (the mission/000 columns); replace it with ``model_copy``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: TaskState = TaskState.PENDING
    telescope: str | None = None
    instrument: str | None = None
    planned_start: UtcDatetime | None = None
    progress: float = Field(default=0.0, ge=0.0, le=1.0)
    started_at: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None
    attempts: int = Field(default=0, ge=0, description="Times the task has been started.")
    error: str | None = None
    reason: str | None = None

    def is_due(self, now: datetime) -> bool:
        """Whether it is scheduled and its planned start has come."""
        return (
            self.status is TaskState.SCHEDULED
            and self.planned_start is not None
            and self.planned_start <= now
        )


def fixed_time_of(spec: TaskSpec, window_start: datetime) -> tuple[datetime, float] | None:
    """A fixed-time task's start and tolerance (s) in the run whose window opens then.

    A monitoring series moves its window from run to run; the fixed time moves with it (as
    Resubmit moves it with a new window). ``None`` for flexible and time-based timing.
    """
    timing = spec.request.timing
    if not isinstance(timing, FixedTimeTiming):
        return None
    return timing.start_at + (window_start - spec.window.start), timing.tolerance_s
