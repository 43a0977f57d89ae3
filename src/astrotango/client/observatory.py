"""Client-side access to a running observatory through Tango.

Device names follow the default observatory (``astro/controller/1``, ``astro/scheduler/1``);
every call goes through Tango, so the CLI works against any deployment. An
:class:`Observatory` talks to one Tango database: the one given as ``host:port`` (every name
then fully qualified, ``tango://host:port/dom/fam/mem``), or, without one, the environment's
default (TANGO_HOST, else a Tango host file), as the stand-alone client commands do.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import tango

from astrotango.client.report.efficiency import Conditions
from astrotango.domain import DEFAULT_POLICIES
from astrotango.hardware import EnclosureState

__all__ = [
    "CONTROLLER",
    "SCHEDULER",
    "Observatory",
    "SafetyView",
    "TelescopeView",
    "device_url",
]

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
    ``safings`` is each telescope's last safing by itself (its ``lastSafing``: at, reason,
    outcome; empty if none yet).
    """

    gates: dict[str, str]
    interlocks: dict[str, bool]
    triggers: dict[str, str]
    safings: dict[str, dict[str, str]] = field(default_factory=dict)


#: How long a batched read waits for each device's reply (a device proxy's own default).
_REPLY_MS = 3000


def _failed(value: Any) -> bool:
    return isinstance(value, tango.DevFailed)


def _short(device: str) -> str:
    return device.rsplit("/", 1)[-1]


def device_url(device: str, tango_host: str | None) -> str:
    """``device`` in the database at ``tango_host`` (``host:port``); None: the default one.

    A process that has talked to one Tango database keeps it as its default whatever
    TANGO_HOST says later, so a client of a given database names every device in full.
    """
    return device if tango_host is None else f"tango://{tango_host}/{device}"


def _database(tango_host: str | None) -> tango.Database:
    if tango_host is None:
        return tango.Database()
    host, _, port = tango_host.rpartition(":")
    return tango.Database(host, int(port))


class Observatory:
    """The devices of one observatory, found through one Tango database.

    Args:
        tango_host: That database, ``host:port``; None for the environment's default.
        controller: The ObservationController's device name.
        scheduler: The Scheduler's device name.
    """

    def __init__(
        self,
        tango_host: str | None = None,
        *,
        controller: str = CONTROLLER,
        scheduler: str = SCHEDULER,
    ) -> None:
        self.tango_host = tango_host
        self._db = _database(tango_host)
        self._proxies: dict[str, tango.DeviceProxy] = {}
        self._classes: dict[str, list[str]] = {}
        self.controller = self.proxy(controller)
        self.scheduler = self.proxy(scheduler)

    def proxy(self, device: str) -> tango.DeviceProxy:
        """A client of ``device`` (a name the database knows), made once and kept."""
        if device not in self._proxies:
            self._proxies[device] = tango.DeviceProxy(device_url(device, self.tango_host))
        return self._proxies[device]

    def devices_of_class(self, tango_class: str) -> list[str]:
        """Exported devices of one Tango class, sorted.

        Asked once: a device that stops later stays listed, and shows as unreachable.
        """
        if tango_class not in self._classes:
            names = self._db.get_device_exported_for_class(tango_class)
            self._classes[tango_class] = sorted(str(n) for n in names)
        return list(self._classes[tango_class])

    def read_many(self, wanted: Sequence[tuple[str, Sequence[str]]]) -> dict[str, Any]:
        """Read attributes of many devices at once (each request sent before any reply).

        Returns:
            Per device, the values in the order asked, or the DevFailed.
        """
        asked: dict[str, tuple[tango.DeviceProxy, int]] = {}
        out: dict[str, Any] = {}
        for device, names in wanted:
            try:
                proxy = self.proxy(device)
                asked[device] = (proxy, proxy.read_attributes_asynch(list(names)))
            except tango.DevFailed as exc:
                out[device] = exc
        for device, (proxy, ident) in asked.items():
            try:
                replies = proxy.read_attributes_reply(ident, _REPLY_MS)
                failed = [stack for r in replies if (stack := r.get_err_stack())]
                if failed:
                    raise tango.DevFailed(*failed[0])
                out[device] = [r.value for r in replies]
            except tango.DevFailed as exc:
                out[device] = exc
        return out

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
        attributes = ["State", "currentTaskId", "taskProgress", "enclosureState", "alt"]
        names = self.devices_of_class("Telescope")
        read = self.read_many([(name, attributes) for name in names])
        for name in names:
            try:
                if isinstance(read[name], tango.DevFailed):
                    raise read[name]
                state, task, progress, enclosure, alt = read[name]
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
        constraints = self.devices_of_class("OperationalConstraint")
        interlocks = self.devices_of_class("ShutdownInterlock")
        telescopes = self.devices_of_class("Telescope")
        read = self.read_many(
            [
                *((name, ["gateState"]) for name in constraints),
                *((name, ["fired", "triggerState"]) for name in interlocks),
                *((name, ["lastSafing"]) for name in telescopes),
            ]
        )
        gates, fired, triggers, safings = {}, {}, {}, {}
        for name in constraints:
            value = read[name]
            gates[_short(name)] = "UNREACHABLE" if _failed(value) else str(value[0])
        for name in interlocks:
            value = read[name]
            if _failed(value):
                triggers[_short(name)] = "UNREACHABLE"
            else:
                fired[_short(name)], triggers[_short(name)] = bool(value[0]), str(value[1])
        for name in telescopes:
            value = read[name]
            with contextlib.suppress(ValueError, TypeError):
                if not _failed(value):
                    safings[_short(name)] = json.loads(value[0])
        return SafetyView(gates, fired, triggers, safings)

    def reset_interlock(self, name: str) -> None:
        """Reset a fired interlock (refused by the device while its trigger holds)."""
        [device] = [d for d in self.devices_of_class("ShutdownInterlock") if _short(d) == name]
        self.proxy(device).Reset()

    def science_conditions(self, policy: str = "research") -> dict[str, Conditions]:
        """Per telescope, what must hold for it to observe under ``policy``.

        The policy's observatory and telescope gates, and the interlocks the telescope follows.
        """
        rules = DEFAULT_POLICIES[policy]
        out = {}
        for name in self.devices_of_class("Telescope"):
            gates = (*rules.observatory_constraints, *rules.telescope_constraints.get(name, ()))
            try:
                interlocks = self.proxy(name).read_attribute("interlocks").value or ()
            except tango.DevFailed:
                interlocks = ()
            out[name] = Conditions(
                tuple(_short(g) for g in gates), tuple(_short(str(i)) for i in interlocks)
            )
        return out

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
