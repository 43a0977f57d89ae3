"""The reference component manager: a self-test of the long-running-command machinery.

``exercise`` runs a number of timed steps as the subtasks of a :class:`TaskTracker`, so one
command shows the whole path a real one takes: QUEUED, IN_PROGRESS, progress rising in steps,
a result aggregated from subtasks, abort between and inside steps, and a failing step turned
into a FAILED result rather than an exception. Operators use it to check that a client sees
every event; the test suite uses it to prove the protocol.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from astrotango.control.component_manager import BaseComponentManager
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.lrc import TaskCallback, TaskTracker

__all__ = ["ExerciseSpec", "ReferenceComponentManager"]


@dataclass(frozen=True, slots=True)
class ExerciseSpec:
    """What one exercise does.

    Attributes:
        steps: Number of subtasks (1 to 1000).
        step_s: Seconds each step takes (0 to 60).
        fail_step: 1-based step that fails, or None.
    """

    steps: int = 5
    step_s: float = 0.1
    fail_step: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> ExerciseSpec:
        """Build a spec from decoded JSON.

        Raises:
            ValueError: naming the field and the reason, for any bad value.
        """
        if not isinstance(data, dict):
            raise ValueError("argument: expected a JSON object")
        unknown = set(data) - {"steps", "step_s", "fail_step"}
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]}: unknown field")
        steps = data.get("steps", 5)
        step_s = data.get("step_s", 0.1)
        fail_step = data.get("fail_step")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 1000:
            raise ValueError("steps: must be an integer from 1 to 1000")
        if isinstance(step_s, bool) or not isinstance(step_s, int | float):
            raise ValueError("step_s: must be a number of seconds")
        if not 0 <= step_s <= 60:
            raise ValueError("step_s: must be from 0 to 60 seconds")
        if fail_step is not None and (
            isinstance(fail_step, bool)
            or not isinstance(fail_step, int)
            or not 1 <= fail_step <= steps
        ):
            raise ValueError("fail_step: must be null or a step number from 1 to steps")
        return cls(steps, float(step_s), fail_step)


class ReferenceComponentManager(BaseComponentManager):
    """Runs exercises on the executor; the component is the machinery itself."""

    def exercise(
        self, spec: ExerciseSpec, *, task_callback: TaskCallback, abort_event: threading.Event
    ) -> None:
        """Run ``spec.steps`` timed subtasks, reporting aggregated progress and one result."""

        def on_tracker(**payload: Any) -> None:
            if "status" in payload:
                return  # the final outcome is reported below, after the loop
            task_callback(progress=payload["progress"])

        tracker = TaskTracker(
            "Exercise",
            spec.steps,
            completed_callback=on_tracker,
            logger=self.logger,
            progress_updates=True,
            progress_step=1,
        )
        for step in range(1, spec.steps + 1):
            name = f"step_{step}"
            tracker.update_task(task_name=name, status=TaskStatus.IN_PROGRESS, progress=0)
            if abort_event.wait(spec.step_s / 2):
                break
            tracker.update_task(task_name=name, progress=50)
            if abort_event.wait(spec.step_s / 2):
                break
            if step == spec.fail_step:
                tracker.update_task(
                    task_name=name,
                    status=TaskStatus.FAILED,
                    result=(ResultCode.FAILED, f"step {step} failed as asked"),
                    critical=True,
                )
                break
            tracker.update_task(
                task_name=name, status=TaskStatus.COMPLETED, result=(ResultCode.OK, "done")
            )
        if abort_event.is_set():
            task_callback(
                status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "Command has been aborted")
            )
        elif tracker.get_result() == ResultCode.OK and tracker.get_status() == TaskStatus.COMPLETED:
            task_callback(progress=100)
            task_callback(
                status=TaskStatus.COMPLETED,
                result=(ResultCode.OK, f"Exercise of {spec.steps} steps completed"),
            )
        else:
            message = tracker.overall_resultcode[1] or "Exercise failed"
            task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.FAILED, message))
