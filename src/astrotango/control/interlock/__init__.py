"""The ShutdownInterlock component: a trigger, a durable latch, a storm, retries until safe."""

from __future__ import annotations

from astrotango.control.interlock.component_manager import (
    InterlockComponentManager,
    Launch,
    ViewCallback,
)
from astrotango.control.interlock.config import (
    InterlockConfig,
    InterlockRefused,
    InterlockView,
    UnsafeTelescope,
)
from astrotango.control.interlock.latch import NO_STORE, LatchStore, open_latch_store
from astrotango.control.interlock.retry import Retrier, backoff_delays
from astrotango.control.interlock.shutdown import (
    RecordCallback,
    TelescopeCallback,
    make_safe,
    run_shutdown,
)

__all__ = [
    "NO_STORE",
    "InterlockComponentManager",
    "InterlockConfig",
    "InterlockRefused",
    "InterlockView",
    "LatchStore",
    "Launch",
    "RecordCallback",
    "Retrier",
    "TelescopeCallback",
    "UnsafeTelescope",
    "ViewCallback",
    "backoff_delays",
    "make_safe",
    "open_latch_store",
    "run_shutdown",
]
