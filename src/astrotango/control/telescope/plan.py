"""The plan of one ExecuteTask: which instrument, where to point, and the subtasks in order.

Subtasks, by name: ``slew`` (unpark, open the enclosure, slew) and ``settle`` when the task
points somewhere; ``expose_1..N`` (camera) or ``integrate_1..N`` (receiver); ``upload``.
Anything this telescope cannot do is refused here, before the task is queued.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from astrotango.domain import (
    CalibrationKind,
    CalibrationRequest,
    DaisyPattern,
    GalacticTarget,
    IcrsTarget,
    OpticalImagingRequest,
    RadioMappingRequest,
    RadioTrackingRequest,
    TaskSpec,
)
from astrotango.domain.expansion import icrs_center
from astrotango.domain.geometry import daisy_elements, raster_elements
from astrotango.hardware import (
    CameraInfo,
    ExposureRequest,
    HorizontalPointing,
    IntegrationRequest,
    Pointing,
    ReceiverInfo,
    TaskInfo,
)

__all__ = ["MAX_FRAMES", "SKY_FIELD", "Step", "StepKind", "TaskPlan", "TaskRefused", "plan_task"]

#: Most exposures or integrations one task may take.
MAX_FRAMES = 10_000
#: Where untargeted sky calibrations (sky flats, focus) point.
SKY_FIELD = HorizontalPointing(80.0, 0.0, "sky field near zenith")
_SKY_CALIBRATIONS = {CalibrationKind.SKY_FLAT, CalibrationKind.FOCUS}
_DEFAULT_FRAME_S = 1.0
_DEFAULT_RADIO_S = 10.0
_I = TypeVar("_I", CameraInfo, ReceiverInfo)


class TaskRefused(Exception):
    """This telescope cannot run the task (now); ``reason`` is a short code for DevFailed.

    Attributes:
        reason: ``TargetBelowHorizon``, ``TargetTooCloseToSun``, ``InstrumentUnavailable``,
            ``TelescopeNotReady``, ``TaskNotSupported`` or (MoveFocuser) ``FocuserNotFitted``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class StepKind(enum.StrEnum):
    """What a subtask does."""

    SLEW = "slew"
    SETTLE = "settle"
    EXPOSE = "expose"
    INTEGRATE = "integrate"
    UPLOAD = "upload"


@dataclass(frozen=True)
class Step:
    """One subtask; ``exposure`` or ``integration`` for the acquisition kinds."""

    name: str
    kind: StepKind
    exposure: ExposureRequest | None = None
    integration: IntegrationRequest | None = None

    @property
    def acquisition_s(self) -> float:
        """The exposure or integration time of an acquisition step (0 for the others)."""
        if self.exposure is not None:
            return self.exposure.exposure_s
        return self.integration.duration_s if self.integration is not None else 0.0


@dataclass(frozen=True)
class TaskPlan:
    """Everything ExecuteTask needs, decided before the task is queued.

    Attributes:
        needs_sky: The enclosure must be open (sky frames); False for bias, dark, dome flats.
        frequency_ghz: Where to tune the receiver (radio tasks).
        deadline: No acquisition may end after it (the window's end), or ``None``.
        acceptability: Fraction of the acquisition time a task cut short (at the deadline,
            or before its target reaches the horizon limit) needs to count as completed.
    """

    task_id: str
    observation_id: str
    target_name: str
    pointing: Pointing | None
    instrument: str
    needs_sky: bool
    frequency_ghz: float | None
    steps: tuple[Step, ...]
    deadline: datetime | None = None
    acceptability: float = 0.9

    @property
    def subtask_names(self) -> tuple[str, ...]:
        """The subtask names, in order."""
        return tuple(s.name for s in self.steps)


def plan_task(
    spec: TaskSpec,
    pointing: Pointing | None,
    instruments: Sequence[CameraInfo | ReceiverInfo],
    *,
    max_integration_s: float = 60.0,
) -> TaskPlan:
    """Plan ``spec`` on a telescope with ``instruments``.

    Args:
        spec: The task.
        pointing: Where its target is (None for untargeted tasks).
        instruments: The telescope's instruments.
        max_integration_s: Longest single radio integration; longer ones are split.

    Raises:
        TaskRefused: no suitable instrument, a filter or frequency it does not have, or too
            many frames.
    """
    request = spec.request
    radio = isinstance(request, RadioTrackingRequest | RadioMappingRequest) or (
        isinstance(request, CalibrationRequest)
        and request.frequency_ghz is not None
        and any(isinstance(i, ReceiverInfo) for i in instruments)
    )
    name = spec.target.label if spec.target is not None else "none"
    if radio:
        receiver = _pick(instruments, ReceiverInfo, "radio receiver")
        frequency = spec.frequency_ghz
        assert frequency is not None  # radio requests carry one
        low, high = receiver.band_ghz
        if not low <= frequency <= high:
            raise TaskRefused(
                "InstrumentUnavailable",
                f"{frequency:g} GHz is outside the band of {receiver.name} ({low:g}-{high:g} GHz)",
            )
        total_s, frames = _radio_time(spec)
        chunk = min(max_integration_s, total_s) if frames is None else total_s / frames
        count = frames or max(1, -int(-total_s // chunk))
        _check_count(count)
        steps = [
            Step(
                f"integrate_{k}",
                StepKind.INTEGRATE,
                integration=IntegrationRequest(
                    total_s / count, TaskInfo(spec.id, spec.observation_id, f"integrate_{k}", name)
                ),
            )
            for k in range(1, count + 1)
        ]
        return _plan(spec, pointing, receiver.name, True, frequency, steps, name)
    camera = _pick(instruments, CameraInfo, "optical camera")
    sequence = _frames(spec)
    _check_count(len(sequence))
    steps = []
    for k, (filt, seconds, binning, image_type) in enumerate(sequence, start=1):
        if filt is not None and filt not in camera.filters:
            raise TaskRefused(
                "InstrumentUnavailable",
                f"filter {filt!r} is not on {camera.name} (has {', '.join(camera.filters)})",
            )
        info = TaskInfo(spec.id, spec.observation_id, f"expose_{k}", name)
        exposure = ExposureRequest(seconds, info, filt, binning, image_type)
        steps.append(Step(f"expose_{k}", StepKind.EXPOSE, exposure=exposure))
    needs_sky = not (
        isinstance(request, CalibrationRequest)
        and request.kind in (CalibrationKind.BIAS, CalibrationKind.DARK, CalibrationKind.FLAT)
    )
    if isinstance(request, CalibrationRequest):
        if request.kind in (CalibrationKind.BIAS, CalibrationKind.DARK):
            pointing = None
        elif request.kind in _SKY_CALIBRATIONS and pointing is None:
            pointing = SKY_FIELD
    return _plan(spec, pointing, camera.name, needs_sky, None, steps, name)


def _plan(
    spec: TaskSpec,
    pointing: Pointing | None,
    instrument: str,
    needs_sky: bool,
    frequency: float | None,
    acquisitions: list[Step],
    name: str,
) -> TaskPlan:
    head = [Step("slew", StepKind.SLEW), Step("settle", StepKind.SETTLE)] if pointing else []
    steps = (*head, *acquisitions, Step("upload", StepKind.UPLOAD))
    return TaskPlan(
        spec.id,
        spec.observation_id,
        name,
        pointing,
        instrument,
        needs_sky,
        frequency,
        steps,
        spec.deadline,
        spec.request.acceptability_threshold,
    )


def _pick(instruments: Sequence[CameraInfo | ReceiverInfo], kind: type[_I], what: str) -> _I:
    for instrument in instruments:
        if isinstance(instrument, kind):
            return instrument
    raise TaskRefused("InstrumentUnavailable", f"this telescope has no {what}")


def _check_count(count: int) -> None:
    if count > MAX_FRAMES:
        raise TaskRefused("TaskNotSupported", f"{count} frames exceed the limit of {MAX_FRAMES}")


def _frames(spec: TaskSpec) -> list[tuple[str | None, float, int, str]]:
    """(filter, exposure_s, binning, image type) of every camera frame, in order."""
    request = spec.request
    if isinstance(request, OpticalImagingRequest):
        sequence = [
            (e.filter, e.exposure_s, e.binning, "object")
            for e in request.exposures
            for _ in range(e.count)
        ]
        # the passes a time-based duration takes, as the estimate counted them
        return sequence * min(spec.passes, MAX_FRAMES // max(1, len(sequence)) + 1)
    assert isinstance(request, CalibrationRequest)  # radio requests never get here
    seconds = request.exposure_s if request.exposure_s is not None else _DEFAULT_FRAME_S
    if request.kind is CalibrationKind.BIAS:
        seconds = 0.0
    image_type = request.kind.value.replace("_", " ")
    return [(request.filter, seconds, 1, image_type)] * request.count


def _radio_time(spec: TaskSpec) -> tuple[float, int | None]:
    """Total integration time, and the number of integrations when the request fixes it."""
    request = spec.request
    if isinstance(request, RadioTrackingRequest):
        return request.duration_s, None
    if isinstance(request, RadioMappingRequest):
        assert isinstance(request.target, IcrsTarget | GalacticTarget)  # the model ensures it
        centre = icrs_center(request.target)
        pattern = request.pattern
        elements = (
            daisy_elements(centre, pattern)
            if isinstance(pattern, DaisyPattern)
            else raster_elements(centre, pattern)
        )
        if spec.element_index >= len(elements):
            raise TaskRefused("TaskNotSupported", f"no sweep element {spec.element_index}")
        return request.duration_s * elements[spec.element_index].duration_fraction, None
    assert isinstance(request, CalibrationRequest)
    seconds = request.exposure_s or _DEFAULT_RADIO_S
    return seconds * request.count, request.count
