"""``Init`` on every served device class returns within a default client's 3 s timeout.

One server subprocess serves one device of each class in ``servers.SERVERS``, on simulators and
throwaway stores. Each device is ONLINE and settled, with memorized set-points written (its
``loggingLevel``; a constraint's ``maxValue``); ``Init`` through a proxy with Tango's default
3 s timeout must return, and the device must come back in the state it was in, ONLINE, with
the set-points it had. The "under 1 s" figure comes from ``bench/init_time.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tango
from every_device import CLASSES, SETTLED, name_of, one_of_each, wait_state
from tango.test_context import MultiDeviceTestContext

from astrotango.control_model import AdminMode, LoggingLevel

DEFAULT_TIMEOUT_MS = 3000


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MultiDeviceTestContext]:
    with one_of_each(tmp_path_factory.mktemp("init")) as ctx:
        yield ctx


def test_every_served_class_is_served_here() -> None:
    assert {c.__name__ for c in CLASSES} >= {
        "Telescope",
        "Scheduler",
        "ObservationController",
        "WeatherStation",
        "HostTelemetry",
        "OperationalConstraint",
        "ShutdownInterlock",
        "LrcReference",
    }


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_init_returns_within_the_default_timeout_and_restores_the_device(
    context: MultiDeviceTestContext, cls: type
) -> None:
    proxy = tango.DeviceProxy(context.get_device_access(name_of(cls)))
    proxy.set_timeout_millis(DEFAULT_TIMEOUT_MS)
    before = wait_state(proxy, SETTLED)
    proxy.loggingLevel = LoggingLevel.WARNING  # a memorized set-point every device has
    if cls.__name__ == "OperationalConstraint":
        proxy.maxValue = 12.5
    proxy.Init()  # raises DevFailed (API_DeviceTimedOut) past the 3 s timeout
    assert wait_state(proxy, {before}) == before
    assert proxy.adminMode == AdminMode.ONLINE
    assert proxy.loggingLevel == LoggingLevel.WARNING
    assert proxy.get_logging_level() == LoggingLevel.WARNING
    if cls.__name__ == "OperationalConstraint":
        assert proxy.maxValue == 12.5
    proxy.loggingLevel = LoggingLevel.INFO
