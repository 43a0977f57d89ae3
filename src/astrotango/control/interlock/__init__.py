"""The ShutdownInterlock component: a trigger, a latch, and a parallel shutdown storm."""

from __future__ import annotations

from astrotango.control.interlock.component_manager import (
    InterlockComponentManager,
    Launch,
    ViewCallback,
)
from astrotango.control.interlock.config import InterlockConfig, InterlockRefused, InterlockView
from astrotango.control.interlock.shutdown import RecordCallback, run_shutdown

__all__ = [
    "InterlockComponentManager",
    "InterlockConfig",
    "InterlockRefused",
    "InterlockView",
    "Launch",
    "RecordCallback",
    "ViewCallback",
    "run_shutdown",
]
