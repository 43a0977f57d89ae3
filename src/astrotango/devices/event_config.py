"""Turn on change and archive events for the attributes a device pushes from code.

Change events are pushed unfiltered (``detect=False``): a device pushes when a value changes,
or on every sample where a follower must tell a quiet sensor from a stopped one. Archive
events are filtered by Tango (``detect=True``) when the attribute has archive criteria
(``archive_abs_change``, ``archive_rel_change`` or ``archive_period``, set per site in
``tango-db/``), so HDB++ stores what the site asked for and not every sample; without criteria
every push is archived, as Tango refuses a filtered archive subscription that has none
(``API_EventPropertiesNotSet``). The choice is made when the device initialises: criteria
changed at run time take effect at the next ``Init``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tango.server import Device

__all__ = ["enable_events", "push_constants"]

_UNSET = ("", "Not specified")
_CRITERIA = ("archive_abs_change", "archive_rel_change", "archive_period")


def has_archive_criteria(device: Device, name: str) -> bool:
    """Whether attribute ``name`` of ``device`` has any archive criterion configured."""
    properties = device.get_device_attr().get_attr_by_name(name).get_properties()
    return any(str(getattr(properties, c)) not in _UNSET for c in _CRITERIA)


def enable_events(device: Device, names: Iterable[str]) -> None:
    """Declare that ``device`` pushes change and archive events for ``names`` itself."""
    for name in names:
        device.set_change_event(name, True, False)
        device.set_archive_event(name, True, has_archive_criteria(device, name))


def push_constants(device: Device, values: dict[str, Any], push: Any) -> None:
    """Enable events for attributes that never change after init, and push them once.

    A subscriber gets the value on subscribing; the one push puts it in the archive when the
    device starts.
    """
    enable_events(device, values)
    for name, value in values.items():
        push(name, value)
