"""Client-side access to a running observatory through Tango (any host with TANGO_HOST set).

Device names follow the default observatory (``astro/controller/1``, ``astro/scheduler/1``);
every call goes through Tango, so the CLI works against any deployment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import tango

from astrotango.hardware import EnclosureState

__all__ = ["CONTROLLER", "SCHEDULER", "Observatory", "SafetyView", "TelescopeView"]

CONTROLLER = "astro/controller/1"
SCHEDULER = "astro/scheduler/1"
_COUNTS = (
    "pendingCount",
    "assignedCount",
    "inProgressCount",
    "acquisitionCompleteCount",
    "suspendedCount",
    "completedCount",
    "failedCount",
    "abortedCount",
)


@dataclass(frozen=True, slots=True)
class TelescopeView:
    """What the live view shows of one telescope."""

    name: str
    state: str
    task: str
    progress: int
    enclosure: str
    alt_deg: float | None


@dataclass(frozen=True, slots=True)
class SafetyView:
    """The safety devices at one moment: each constraint's gate, each interlock's state.

    Keys are the devices' short names (``clouds`` for ``astro/constraint/clouds``).
    """

    gates: dict[str, str]
    interlocks: dict[str, bool]
    triggers: dict[str, str]


def _short(device: str) -> str:
    return device.rsplit("/", 1)[-1]


class Observatory:
    """The devices of one observatory, found through the Tango database."""

    def __init__(self, controller: str = CONTROLLER, scheduler: str = SCHEDULER) -> None:
        self.controller = tango.DeviceProxy(controller)
        self.scheduler = tango.DeviceProxy(scheduler)
        self._db = tango.Database()

    def devices_of_class(self, tango_class: str) -> list[str]:
        """Exported devices of one Tango class, sorted."""
        names = self._db.get_device_exported_for_class(tango_class)
        return sorted(str(n) for n in names)

    def submit(self, document: str) -> str:
        """SubmitObservation; returns the new id."""
        return str(self.controller.SubmitObservation(document))

    def observation(self, observation_id: str) -> dict[str, Any]:
        """GetObservation."""
        return json.loads(self.controller.GetObservation(observation_id))

    def observations(self, **query: Any) -> list[dict[str, Any]]:
        """ListObservations."""
        return json.loads(self.controller.ListObservations(json.dumps(query)))

    def abort(self, observation_id: str) -> None:
        """AbortObservation."""
        self.controller.AbortObservation(observation_id)

    def explain(self, observation_id: str) -> list[dict[str, Any]]:
        """The Scheduler's Explain."""
        return json.loads(self.scheduler.Explain(observation_id))

    def counts(self) -> dict[str, int]:
        """Observations per status."""
        values = self.controller.read_attributes(list(_COUNTS))
        return {
            name.removesuffix("Count"): int(v.value)
            for name, v in zip(_COUNTS, values, strict=True)
        }

    def telescopes(self) -> list[TelescopeView]:
        """Every telescope's state, task and progress."""
        views = []
        for name in self.devices_of_class("Telescope"):
            proxy = tango.DeviceProxy(name)
            try:
                values = proxy.read_attributes(
                    ["State", "currentTaskId", "taskProgress", "enclosureState", "alt"]
                )
                state, task, progress, enclosure, alt = (v.value for v in values)
                views.append(
                    TelescopeView(
                        name,
                        str(state),
                        task or "",
                        int(progress or 0),
                        EnclosureState(int(enclosure)).name,
                        None if alt is None else float(alt),
                    )
                )
            except tango.DevFailed:
                views.append(TelescopeView(name, "UNREACHABLE", "", 0, "", None))
        return views

    def safety(self) -> SafetyView:
        """Every constraint's gate state and every interlock's fired / trigger state."""
        gates, fired, triggers = {}, {}, {}
        for name in self.devices_of_class("OperationalConstraint"):
            try:
                gates[_short(name)] = str(tango.DeviceProxy(name).read_attribute("gateState").value)
            except tango.DevFailed:
                gates[_short(name)] = "UNREACHABLE"
        for name in self.devices_of_class("ShutdownInterlock"):
            try:
                values = tango.DeviceProxy(name).read_attributes(["fired", "triggerState"])
                fired[_short(name)] = bool(values[0].value)
                triggers[_short(name)] = str(values[1].value)
            except tango.DevFailed:
                triggers[_short(name)] = "UNREACHABLE"
        return SafetyView(gates, fired, triggers)

    def reset_interlock(self, name: str) -> None:
        """Reset a fired interlock (refused by the device while its trigger holds)."""
        [device] = [d for d in self.devices_of_class("ShutdownInterlock") if _short(d) == name]
        tango.DeviceProxy(device).Reset()

    def sites(self) -> dict[str, tuple[str, float, float, float]]:
        """Each telescope's site from the Tango database: name, latitude, longitude, height."""
        keys = ["SiteName", "SiteLatitude", "SiteLongitude", "SiteElevation"]
        out = {}
        for name in self.devices_of_class("Telescope"):
            props = self._db.get_device_property(name, keys)
            if not all(props[k] for k in keys[1:]):
                continue
            out[name] = (
                str(props["SiteName"][0]) if props["SiteName"] else name,
                float(props["SiteLatitude"][0]),
                float(props["SiteLongitude"][0]),
                float(props["SiteElevation"][0]),
            )
        return out
