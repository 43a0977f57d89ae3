"""What the driver knows of an INDI device property: an immutable copy, read without locks."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from indipyclient import getfloat

__all__ = ["Prop", "PropState"]


class PropState(enum.Enum):
    """An INDI property state (``IPS_IDLE``, ``IPS_OK``, ``IPS_BUSY``, ``IPS_ALERT``)."""

    IDLE = "Idle"
    OK = "Ok"
    BUSY = "Busy"
    ALERT = "Alert"


@dataclass(frozen=True)
class Prop:
    """One property vector of one device, as last sent by the server.

    Attributes:
        kind: ``"Switch"``, ``"Number"``, ``"Text"``, ``"Light"`` or ``"BLOB"``.
        values: Member name to its value as sent (numbers stay text: INDI allows
            sexagesimal); BLOB members are left out.
        message: The last message the device sent with this property ("" if none).
    """

    device: str
    name: str
    kind: str
    state: PropState
    values: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    def on(self, member: str) -> bool:
        """Whether switch ``member`` is On."""
        return self.values.get(member) == "On"

    def number(self, member: str) -> float:
        """Number ``member`` as a float.

        Raises:
            KeyError: no such member.
            TypeError: the value is not an INDI number.
        """
        return float(getfloat(self.values[member]))

    @property
    def alert(self) -> bool:
        """Whether the property is in Alert (the device reports a failure)."""
        return self.state is PropState.ALERT

    @property
    def busy(self) -> bool:
        """Whether the property is Busy (the device is acting on it)."""
        return self.state is PropState.BUSY

    def reason(self) -> str:
        """Why the property is in Alert: its message, or a generic text naming it."""
        return self.message or f"{self.device} {self.name}: alert"

    def sent(self, members: Mapping[str, str]) -> Prop:
        """This property as it will be once a new value is accepted.

        Busy, and for a switch the members sent (a single On turns the others Off).
        """
        if self.kind != "Switch":
            return replace(self, state=PropState.BUSY)
        values = dict(self.values)
        if any(v == "On" for v in members.values()) and len(members) == 1:
            values = dict.fromkeys(values, "Off")
        values.update(members)
        return replace(self, state=PropState.BUSY, values=values)
