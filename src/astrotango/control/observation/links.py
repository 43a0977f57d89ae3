"""What the controller needs of a telescope, whatever carries it (Tango, or a test double)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from astrotango.control_model import TaskStatus

__all__ = ["OnDone", "OnProgress", "TaskRefusedError", "TaskUnconfirmedError", "TelescopeLink"]

#: Progress of a running task, 0..100.
OnProgress = Callable[[int], None]
#: The final status of a task's command and its result (conventionally ``[code, message]``).
OnDone = Callable[[TaskStatus, Any], None]


class TaskRefusedError(RuntimeError):
    """The telescope refused the task at once (target below the horizon, not ready, ...)."""


class TaskUnconfirmedError(RuntimeError):
    """The telescope did not answer in time: it may be executing the task, or may not."""


class TelescopeLink(Protocol):
    """One telescope as the dispatcher sees it."""

    @property
    def name(self) -> str:
        """The telescope's device name."""
        ...

    def execute(self, spec_json: str, on_progress: OnProgress, on_done: OnDone) -> str:
        """Start ExecuteTask; return the command id.

        Raises:
            TaskRefusedError: refused at once, with the telescope's reason.
            TaskUnconfirmedError: no answer in time; whether it runs is not known.
        """
        ...

    def stop(self) -> None:
        """Abort what the telescope is doing (it keeps what it captured)."""
        ...

    def assets(self, task_id: str) -> list[dict[str, Any]]:
        """The assets the telescope captured for a task (``task_info`` included)."""
        ...

    def heartbeat_age_s(self) -> float | None:
        """Clock seconds since the last heartbeat event, None before the first."""
        ...

    def current_task(self) -> str | None:
        """The task id the telescope reports executing.

        '' when idle, None before the telescope's first report.
        """
        ...

    def refresh(self) -> None:
        """Ask the telescope directly for what its events report (heartbeat, current task).

        Called before a decision rests on them: an event may be lost or not yet delivered.
        """
        ...
