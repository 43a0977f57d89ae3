"""The SKA control-model enumerations, with the exact names and values SKA clients expect.

astrotango cannot depend on ``ska-control-model`` (not on the package index it uses), so it
carries the same public interface here. Every member name and value matches the published
package; Tango ``DevEnum`` labels are the member names in value order.
"""

from __future__ import annotations

import enum

__all__ = [
    "TASK_STATUS_TRANSITIONS",
    "TERMINAL_TASK_STATUSES",
    "AdminMode",
    "CommunicationStatus",
    "ControlMode",
    "HealthState",
    "LoggingLevel",
    "ObsState",
    "PowerState",
    "ResultCode",
    "SimulationMode",
    "TaskStatus",
    "TestMode",
]


class AdminMode(enum.IntEnum):
    """Administrative mode of a device; initial value OFFLINE."""

    ONLINE = 0
    OFFLINE = 1
    ENGINEERING = 2
    NOT_FITTED = 3
    RESERVED = 4


class HealthState(enum.IntEnum):
    """Health of a device or of the component it controls."""

    OK = 0
    DEGRADED = 1
    FAILED = 2
    UNKNOWN = 3


class ControlMode(enum.IntEnum):
    """Whether a device accepts remote control."""

    REMOTE = 0
    LOCAL = 1


class SimulationMode(enum.IntEnum):
    """Whether the device talks to a simulator instead of hardware."""

    FALSE = 0
    TRUE = 1


class TestMode(enum.IntEnum):
    """Whether the device runs in a test mode."""

    __test__ = False  # not a pytest test class

    NONE = 0
    TEST = 1


class LoggingLevel(enum.IntEnum):
    """Device logging level."""

    OFF = 0
    FATAL = 1
    ERROR = 2
    WARNING = 3
    INFO = 4
    DEBUG = 5


class ObsState(enum.IntEnum):
    """Observing state of an observing device."""

    EMPTY = 0
    RESOURCING = 1
    IDLE = 2
    CONFIGURING = 3
    READY = 4
    SCANNING = 5
    ABORTING = 6
    ABORTED = 7
    RESETTING = 8
    FAULT = 9
    RESTARTING = 10


class PowerState(enum.IntEnum):
    """Power state of a component."""

    UNKNOWN = 0
    NO_SUPPLY = 1
    OFF = 2
    STANDBY = 3
    ON = 4


class CommunicationStatus(enum.IntEnum):
    """State of a component manager's communication with its component."""

    DISABLED = 0
    NOT_ESTABLISHED = 1
    ESTABLISHED = 2


class ResultCode(enum.IntEnum):
    """Result of a command; a long-running command's first answer is QUEUED, STARTED or REJECTED."""

    OK = 0
    STARTED = 1
    QUEUED = 2
    FAILED = 3
    UNKNOWN = 4
    REJECTED = 5
    NOT_ALLOWED = 6
    ABORTED = 7


class TaskStatus(enum.IntEnum):
    """Status of a long-running command (task)."""

    STAGING = 0
    QUEUED = 1
    IN_PROGRESS = 2
    ABORTED = 3
    NOT_FOUND = 4
    COMPLETED = 5
    REJECTED = 6
    FAILED = 7


#: Statuses after which no update is accepted.
TERMINAL_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.REJECTED, TaskStatus.FAILED}
)

#: The allowed TaskStatus transitions (the state machine, as data).
TASK_STATUS_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.STAGING: frozenset({TaskStatus.QUEUED, TaskStatus.IN_PROGRESS, TaskStatus.REJECTED}),
    TaskStatus.QUEUED: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.ABORTED, TaskStatus.REJECTED}),
    TaskStatus.IN_PROGRESS: frozenset(
        {TaskStatus.ABORTED, TaskStatus.FAILED, TaskStatus.COMPLETED}
    ),
}
