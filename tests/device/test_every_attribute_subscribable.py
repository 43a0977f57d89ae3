"""Every attribute of every device class takes CHANGE and ARCHIVE subscriptions.

HDB++ subscribes to ARCHIVE events and web clients (TangoGQL, Taranta) to CHANGE events; an
attribute that refuses either (``API_AttributePollingNotStarted`` for a pushed attribute whose
events are not enabled in code, ``API_EventPropertiesNotSet`` for one without criteria) is
invisible to them. One server subprocess serves one device of each class in
``servers.SERVERS`` (the configuration ``test_init_fast`` uses), each ONLINE; a plain
``tango.DeviceProxy`` subscribes to both events on every attribute ``get_attribute_list()``
names, then unsubscribes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import tango
from tango.test_context import MultiDeviceTestContext
from test_init_fast import CLASSES, SETTLED, name_of, properties, wait_state

from astrotango.control_model import AdminMode

EVENTS = (tango.EventType.CHANGE_EVENT, tango.EventType.ARCHIVE_EVENT)


def _ignore(event: tango.EventData) -> None:
    """The subscriptions are the test; their events are not."""


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MultiDeviceTestContext]:
    url = f"sqlite:///{tmp_path_factory.mktemp('subscribable') / 'store.db'}"
    info = [
        {"class": c, "devices": [{"name": name_of(c), "properties": properties(c.__name__, url)}]}
        for c in CLASSES
    ]
    # Constraints subscribe to the weather station: start the server from a clean client.
    tango.ApiUtil.cleanup()
    with MultiDeviceTestContext(info, process=True, timeout=60) as ctx:
        for cls in CLASSES:
            ctx.get_device(name_of(cls)).adminMode = AdminMode.ONLINE
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
