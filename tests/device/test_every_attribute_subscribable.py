"""Every attribute of every device class takes CHANGE and ARCHIVE subscriptions.

HDB++ subscribes to ARCHIVE events and web clients (TangoGQL, Taranta) to CHANGE events; an
attribute that refuses either (``API_AttributePollingNotStarted`` for a pushed attribute whose
events are not enabled in code, ``API_EventPropertiesNotSet`` for one without criteria) is
invisible to them. One server subprocess serves one device of each class in
``servers.SERVERS`` (``every_device.one_of_each``), each ONLINE; a plain
``tango.DeviceProxy`` subscribes to both events on every attribute ``get_attribute_list()``
names, then unsubscribes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tango
from every_device import CLASSES, SETTLED, name_of, one_of_each, wait_state
from tango.test_context import MultiDeviceTestContext

EVENTS = (tango.EventType.CHANGE_EVENT, tango.EventType.ARCHIVE_EVENT)


def _ignore(event: tango.EventData) -> None:
    """The subscriptions are the test; their events are not."""


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MultiDeviceTestContext]:
    with one_of_each(tmp_path_factory.mktemp("subscribable")) as ctx:
        yield ctx


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_attribute_takes_change_and_archive_subscriptions(
    context: MultiDeviceTestContext, cls: type
) -> None:
    proxy = tango.DeviceProxy(context.get_device_access(name_of(cls)))
    wait_state(proxy, SETTLED)
    refused: list[str] = []
    for name in proxy.get_attribute_list():
        for kind in EVENTS:
            try:
                sub = proxy.subscribe_event(name, kind, _ignore)
            except tango.DevFailed as exc:
                refused.append(f"{name} {kind.name}: {exc.args[0].reason}")
                continue
            proxy.unsubscribe_event(sub)
    assert not refused, f"{cls.__name__} refuses {len(refused)}:\n" + "\n".join(refused)
