"""Device logs reach Tango's logging: a file target set through ``loggingTargets`` receives them.

A Telescope on the simulator in a server subprocess. The client adds a Tango file logging
target and sets ``loggingLevel`` DEBUG through the SKA attributes, checks that Tango itself
reports both (the admin device's view, through ``DeviceProxy.get_logging_*``), runs Unpark and
Park, and finds their log lines in the file, which Tango writes as log4j XML records.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tango
from tango.test_context import DeviceTestContext

from astrotango.control_model import AdminMode, LoggingLevel, ResultCode, TaskStatus
from astrotango.devices.telescope import Telescope

FINAL = {int(s) for s in (TaskStatus.ABORTED, TaskStatus.COMPLETED, TaskStatus.FAILED)}
PROPERTIES = {
    "TelescopeId": "t1",
    "ClockScale": 50.0,
    "SimulationStart": "2026-12-15T23:00:00Z",
    "MonitorPeriod": 0.05,
    "HeartbeatPeriod": 0.2,
}


@pytest.fixture(scope="module")
def device() -> Iterator[tango.DeviceProxy]:
    with DeviceTestContext(Telescope, properties=PROPERTIES, process=True, timeout=30) as proxy:
        proxy.adminMode = AdminMode.ONLINE
        yield proxy


def wait_file(path: Path, pattern: str, timeout_s: float = 15.0) -> str:
    """Poll ``path`` until a log4j message matching ``pattern`` is in it; return the file."""
    deadline = time.monotonic() + timeout_s
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if re.search(pattern, text):
            return text
        time.sleep(0.02)
    raise AssertionError(
        f"no {pattern!r} in {path} within {timeout_s} s; it holds:\n{text[-2000:]}"
    )


def run(device: tango.DeviceProxy, command: str, events: Any) -> str:
    """Run a long-running command to its end; return its id."""
    log = events(device, "_lrcEvent")
    [code], [command_id] = device.command_inout(command)
    assert code == ResultCode.QUEUED, command_id

    def final(name: str, value: Any) -> bool:
        return value[0] == command_id and json.loads(value[1]).get("status") in FINAL

    log.wait_for(final, timeout_s=30)
    return str(command_id)


def record(level: str, message: str) -> str:
    """A log4j XML event of ``level`` whose message starts with ``message`` (a regex)."""
    return rf'level="{level}"[^>]*>\s*<log4j:message><!\[CDATA\[{message}'


def test_unpark_and_park_reach_a_tango_file_target(
    device: tango.DeviceProxy, events: Any, tmp_path: Path
) -> None:
    path = tmp_path / "telescope.log"
    device.loggingTargets = [f"file::{path}"]
    device.loggingLevel = LoggingLevel.DEBUG
    assert f"file::{path}" in device.get_logging_target()
    assert device.get_logging_level() == LoggingLevel.DEBUG
    assert list(device.loggingTargets) == [f"file::{path}"]

    unpark = run(device, "Unpark", events)
    text = wait_file(path, record("INFO", rf"Unpark COMPLETED: OK [^\]]*\({unpark}\)"))
    assert re.search(record("DEBUG", f"Unpark queued as {unpark}"), text)
    park = run(device, "Park", events)
    text = wait_file(path, record("INFO", rf"Park COMPLETED: OK [^\]]*\({park}\)"))
    assert len(re.findall(rf"\({unpark}\)", text)) == 1  # the outcome is logged once
    assert 'logger="test/nodb/telescope"' in text


def test_logging_level_filters_both_python_and_tango(
    device: tango.DeviceProxy, events: Any, tmp_path: Path
) -> None:
    path = tmp_path / "quiet.log"
    device.loggingTargets = [f"file::{path}"]
    device.loggingLevel = LoggingLevel.WARNING
    assert device.get_logging_level() == LoggingLevel.WARNING
    run(device, "Park", events)
    device.loggingLevel = LoggingLevel.INFO  # logged at INFO: the first line the file gets
    text = wait_file(path, record("INFO", "loggingLevel -> INFO"))
    assert "Park COMPLETED" not in text and "queued as" not in text


def test_logging_targets_are_validated_and_removed(
    device: tango.DeviceProxy, tmp_path: Path
) -> None:
    path = tmp_path / "gone.log"
    device.loggingTargets = [f"file::{path}", "console"]
    assert list(device.loggingTargets) == [f"file::{path}", "console::cout"]
    device.loggingTargets = ["console::cout"]
    assert f"file::{path}" not in device.get_logging_target()
    with pytest.raises(tango.DevFailed) as info:
        device.loggingTargets = ["syslog::local0"]
    assert info.value.args[0].reason == "API_AttrValueNotAllowed"
    assert list(device.loggingTargets) == ["console::cout"]
