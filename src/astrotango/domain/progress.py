"""How far an observation is: one number from its tasks' states and reported progress.

mission/000 gives each task a progress, the executor's reported fraction (0 -> 1) while it
is active; mission/001 says an observation is done when all its planned exposures are
captured, and that an aborted one may have captured some. An observation's progress is the
share of its tasks captured, each task counting:

==============================  ===========================================================
completed                       1
running                         its reported progress (clamped to 0..1)
pending, scheduled              0: a re-queued or retried task starts again from nothing,
                                whatever its earlier attempt reported
failed                          0: it captured nothing that counts
canceled                        0, and it stays in the count: planned work that was not
                                done (an observation aborted after one task of three
                                reads 1/3, not 100 %)
==============================  ===========================================================

An observation without tasks is at 0. A monitoring series reports its current run: every
run resets the tasks to pending, so each run starts at 0; the series history counts the runs.

The store writes this number to the observation's row with every task change; every reader
(GetObservation, ListObservations, activeObservations, the CLI, the night report) reads that.

What a run captured decides two ends (mission/001):

- A task cut short (interrupted by weather or safety) has captured enough when its whole
  frames hold its request's ``acceptability_threshold`` of the acquisition time it planned
  (:func:`task_capture`, LCO's convention, as the telescope judges a task cut at its window's
  end): it completes with what it captured.
- An observation's acquisition is done when every task that was to be done is
  (:func:`acquisition_done`): none open, none failed, at least one completed; a canceled task
  (dropped: it could not fit its window) is not waited for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from astrotango.domain.expansion import icrs_center
from astrotango.domain.geometry import daisy_elements, raster_elements
from astrotango.domain.lifecycle import TaskState
from astrotango.domain.requests import (
    CalibrationKind,
    CalibrationRequest,
    OpticalImagingRequest,
    RadioMappingRequest,
    RadioTrackingRequest,
)
from astrotango.domain.settings import DaisyPattern
from astrotango.domain.targets import GalacticTarget, IcrsTarget
from astrotango.domain.tasks import TaskSpec

__all__ = [
    "Capture",
    "acquisition_done",
    "observation_progress",
    "planned_acquisition_s",
    "task_capture",
]

_OPEN = frozenset({TaskState.PENDING, TaskState.SCHEDULED, TaskState.RUNNING})


def observation_progress(tasks: Iterable[tuple[str, float]]) -> float:
    """The observation's progress, a fraction in 0..1.

    Args:
        tasks: Each task's state (a :class:`TaskState` value) and its reported progress,
            a fraction (outside 0..1 it is clamped).

    Raises:
        ValueError: a state that is not a task state.
    """
    shares = [_share(TaskState(state), progress) for state, progress in tasks]
    return sum(shares) / len(shares) if shares else 0.0


def _share(state: TaskState, progress: float) -> float:
    """What one task counts for (the table above)."""
    if state is TaskState.COMPLETED:
        return 1.0
    if state is TaskState.RUNNING:
        return min(1.0, max(0.0, progress))
    return 0.0


def acquisition_done(states: Iterable[TaskState | str]) -> bool:
    """Whether an observation's tasks are done: none open or failed, one completed at least.

    Canceled tasks were dropped (they could not fit their window) and are not waited for;
    an observation whose tasks were all dropped captured nothing, and is not done.

    Raises:
        ValueError: a state that is not a task state.
    """
    seen = {TaskState(s) for s in states}
    return TaskState.COMPLETED in seen and not seen & (_OPEN | {TaskState.FAILED})


@dataclass(frozen=True, slots=True)
class Capture:
    """What one run of a task captured, against what it planned.

    Attributes:
        captured_s: Acquisition time of the frames captured whole, in seconds.
        planned_s: Acquisition time of every frame the task planned, in seconds.
        threshold: The request's acceptability threshold, a fraction.
    """

    captured_s: float
    planned_s: float
    threshold: float

    @property
    def share(self) -> float:
        """The captured fraction of the planned acquisition time (0..1)."""
        return min(1.0, self.captured_s / self.planned_s) if self.planned_s > 0 else 0.0

    @property
    def enough(self) -> bool:
        """Whether the share meets the threshold (and something was captured)."""
        return self.captured_s > 0 and self.share >= self.threshold

    def describe(self) -> str:
        """E.g. ``510 s of 630 s (81 %, acceptability 80 %)``."""
        return (
            f"{self.captured_s:g} s of {self.planned_s:g} s ({self.share:.0%},"
            f" acceptability {self.threshold:.0%})"
        )


def planned_acquisition_s(spec: TaskSpec) -> float | None:
    """The acquisition time a task plans (exposures or integrations), in seconds.

    None when it plans no timed acquisition (bias frames, calibrations without an exposure
    time): their share cannot be judged by time.
    """
    request = spec.request
    if isinstance(request, OpticalImagingRequest):
        return spec.passes * sum(e.exposure_s * e.count for e in request.exposures)
    if isinstance(request, RadioTrackingRequest):
        return request.duration_s
    if isinstance(request, RadioMappingRequest):
        assert isinstance(request.target, IcrsTarget | GalacticTarget)  # the model ensures it
        centre, pattern = icrs_center(request.target), request.pattern
        elements = (
            daisy_elements(centre, pattern)
            if isinstance(pattern, DaisyPattern)
            else raster_elements(centre, pattern)
        )
        if spec.element_index >= len(elements):
            return None
        return request.duration_s * elements[spec.element_index].duration_fraction
    assert isinstance(request, CalibrationRequest)
    if request.kind is CalibrationKind.BIAS or not request.exposure_s:
        return None
    return request.exposure_s * request.count


def task_capture(spec: TaskSpec, whole_frames_s: Iterable[float]) -> Capture | None:
    """What a run of ``spec`` captured, from the acquisition times of its whole frames.

    None when the task's share cannot be judged (:func:`planned_acquisition_s`).
    """
    planned = planned_acquisition_s(spec)
    if planned is None or planned <= 0:
        return None
    return Capture(sum(whole_frames_s), planned, spec.request.acceptability_threshold)
