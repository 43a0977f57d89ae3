"""The launcher: the embedded Tango database, dsconfig loading and device-server processes."""

from __future__ import annotations

from astrotango.launcher.config import (
    ConfigError,
    ServerSpec,
    check_safety_scopes,
    load_servers,
    validate_dsconfig,
)
from astrotango.launcher.processes import pid_alive, stop_group
from astrotango.launcher.system import STATE_FILE, LaunchError, System

__all__ = [
    "STATE_FILE",
    "ConfigError",
    "LaunchError",
    "ServerSpec",
    "System",
    "check_safety_scopes",
    "load_servers",
    "pid_alive",
    "stop_group",
    "validate_dsconfig",
]
