"""A telescope link the tests drive by hand: it records calls and lets a test finish tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from astrotango.control.observation.links import OnDone, OnProgress, TaskRefusedError
from astrotango.control_model import ResultCode, TaskStatus


@dataclass
class FakeLink:
    name: str
    refuse: str = ""
    executed: list[str] = field(default_factory=list)
    specs: list[dict[str, Any]] = field(default_factory=list)
    stops: int = 0
    callbacks: dict[str, tuple[OnProgress, OnDone]] = field(default_factory=dict)
    captured: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    heartbeat: float | None = 0.0
    reported: bool = True  # False: currentTaskId not heard yet (a controller just restarted)
    answers: bool = False  # True: a direct read reaches it, whatever its events have said
    refreshes: int = 0

    def execute(self, spec_json: str, on_progress: OnProgress, on_done: OnDone) -> str:
        import json

        spec = json.loads(spec_json)
        task_id = spec["id"]
        if self.refuse:
            raise TaskRefusedError(self.refuse)
        self.executed.append(task_id)
        self.specs.append(spec)
        self.callbacks[task_id] = (on_progress, on_done)
        return f"cmd-{len(self.executed)}"

    def stop(self) -> None:
        self.stops += 1

    def assets(self, task_id: str) -> list[dict[str, Any]]:
        return self.captured.get(task_id, [])

    def heartbeat_age_s(self) -> float | None:
        return self.heartbeat

    def current_task(self) -> str | None:
        if not self.reported:
            return None
        return self.executed[-1] if self.executed else ""

    def refresh(self) -> None:
        self.refreshes += 1
        if self.answers:
            self.heartbeat, self.reported = 0.0, True

    # -- test controls ---------------------------------------------------------------------

    def progress(self, task_id: str, percent: int) -> None:
        self.callbacks[task_id][0](percent)

    def finish(
        self,
        task_id: str,
        *,
        partial: bool = False,
        status: TaskStatus = TaskStatus.COMPLETED,
        result: Any = None,
    ) -> None:
        self.captured.setdefault(task_id, []).append(
            {
                "id": f"{task_id}-a{len(self.captured.get(task_id, []))}",
                "kind": "fits",
                "partial": partial,
                "task_info": {"task_id": task_id, "telescope": self.name},
            }
        )
        self.callbacks[task_id][1](
            status, result if result is not None else [ResultCode.OK, "done"]
        )
