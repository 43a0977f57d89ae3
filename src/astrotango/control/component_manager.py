"""The component-manager base: communication state and the long-running-command executor.

A device hands every command to its component manager; the component manager owns the
component (hardware driver, simulator, store, other devices through proxies) and reports what
it monitors through callbacks. Nothing here imports Tango.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from astrotango.clock import Clock
from astrotango.control_model import CommunicationStatus, TaskStatus
from astrotango.lrc import TaskCallback, TaskExecutor, TaskFunction

__all__ = ["BaseComponentManager", "CommunicationCallback"]

CommunicationCallback = Callable[[CommunicationStatus], None]


class BaseComponentManager:
    """Owns one component and runs its long-running commands.

    Args:
        logger: Where to log; defaults to this module's logger.
        executor: The long-running-command executor; a new one when left out.
        communication_callback: Told every change of communication status.
        clock: The clock of a new executor (its worker is a participant of virtual time).
    """

    def __init__(
        self,
        *,
        logger: logging.Logger | None = None,
        executor: TaskExecutor | None = None,
        communication_callback: CommunicationCallback | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.logger = logger or logging.getLogger(__name__)
        self.executor = executor or TaskExecutor(name=type(self).__name__, clock=clock)
        self._communication_callback = communication_callback
        self._communication_status = CommunicationStatus.DISABLED

    @property
    def communication_status(self) -> CommunicationStatus:
        """How communication with the component stands."""
        return self._communication_status

    def _set_communication_status(self, status: CommunicationStatus) -> None:
        if status == self._communication_status:
            return
        self._communication_status = status
        if self._communication_callback is not None:
            self._communication_callback(status)

    def start_communicating(self) -> None:
        """Establish communication with the component (admin mode ONLINE or ENGINEERING)."""
        self._set_communication_status(CommunicationStatus.ESTABLISHED)

    def stop_communicating(self) -> None:
        """Stop talking to the component (admin mode OFFLINE and beyond)."""
        self._set_communication_status(CommunicationStatus.DISABLED)

    def submit(
        self,
        func: TaskFunction,
        *args: Any,
        task_callback: TaskCallback,
        **kwargs: Any,
    ) -> tuple[TaskStatus, str]:
        """Queue ``func`` on the executor (see :class:`~astrotango.lrc.TaskExecutor`)."""
        return self.executor.submit(func, args=args, kwargs=kwargs, task_callback=task_callback)

    def abort_commands(self, task_callback: TaskCallback) -> tuple[TaskStatus, str]:
        """Abort every queued command and stop the running one."""
        return self.executor.abort(task_callback)

    def close(self) -> None:
        """Stop communicating and shut the executor down."""
        self.stop_communicating()
        self.executor.shutdown()
