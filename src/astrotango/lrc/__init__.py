"""Long-running commands, free of Tango.

The queued executor, the command registry behind the LRC attributes, and the TaskTracker that
aggregates subtasks into one outcome (mission/002).
"""

from __future__ import annotations

from astrotango.lrc.aggregation import TaskAggregationPolicy
from astrotango.lrc.commands import (
    LRC_PROTOCOL_VERSIONS,
    MAX_FINISHED_COMMANDS,
    CommandRecord,
    CommandRegistry,
    new_command_id,
)
from astrotango.lrc.executor import MAX_QUEUED_COMMANDS, TaskCallback, TaskExecutor, TaskFunction
from astrotango.lrc.task_tracker import SubtaskResult, TaskTracker

__all__ = [
    "LRC_PROTOCOL_VERSIONS",
    "MAX_FINISHED_COMMANDS",
    "MAX_QUEUED_COMMANDS",
    "CommandRecord",
    "CommandRegistry",
    "SubtaskResult",
    "TaskAggregationPolicy",
    "TaskCallback",
    "TaskExecutor",
    "TaskFunction",
    "TaskTracker",
    "new_command_id",
]
