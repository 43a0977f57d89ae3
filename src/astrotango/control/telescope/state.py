"""The telescope's operating state, derived from monitored telemetry by a table of rules.

The table is the state machine's single copy: the first rule whose condition holds gives the
state (named as Tango's DevState, which the device maps by name), the health and the status
text. DISABLE is not in the table: it means admin mode OFFLINE, decided by the device.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from astrotango.control_model import HealthState
from astrotango.hardware import EnclosureState, InstrumentState, MountState, Telemetry

__all__ = ["STATE_RULES", "StateRule", "TelescopeState", "derive_state"]


class TelescopeState(enum.Enum):
    """Operating states; names are Tango DevState names."""

    ON = "ON"
    MOVING = "MOVING"
    STANDBY = "STANDBY"
    FAULT = "FAULT"
    ALARM = "ALARM"
    DISABLE = "DISABLE"


@dataclass(frozen=True)
class StateRule:
    """One row: when ``applies``, the telescope is in ``state`` with ``health``."""

    name: str
    applies: Callable[[Telemetry], bool]
    state: TelescopeState
    health: HealthState
    status: Callable[[Telemetry], str]


_MOUNT_MOVING = {MountState.SLEWING, MountState.SETTLING, MountState.PARKING, MountState.UNPARKING}
_ENCLOSURE_MOVING = {EnclosureState.OPENING, EnclosureState.CLOSING}
_SKY_EXPOSED = {EnclosureState.OPEN, EnclosureState.OPENING}


def _summary(t: Telemetry) -> str:
    parts = [f"mount {t.mount.state.name}"]
    if t.enclosure.state is not EnclosureState.NONE:
        parts.append(f"enclosure {t.enclosure.state.name}")
    if _focuser_moving(t):
        parts.append("focuser MOVING")
    busy = [
        f"{i.name} {i.state.name}" for i in t.instruments if i.state is not InstrumentState.IDLE
    ]
    return ", ".join(parts + busy)


def _instrument_faults(t: Telemetry) -> list[str]:
    return [i.fault or i.name for i in t.instruments if i.state is InstrumentState.FAULT]


def _focuser_fault(t: Telemetry) -> str:
    return t.focuser.fault if t.focuser is not None else ""


def _focuser_moving(t: Telemetry) -> bool:
    return t.focuser is not None and t.focuser.moving


#: The rules, in priority order; the last always applies.
STATE_RULES: tuple[StateRule, ...] = (
    StateRule(
        "mount fault",
        lambda t: t.mount.state is MountState.FAULT,
        TelescopeState.FAULT,
        HealthState.FAILED,
        lambda t: f"Mount fault: {t.mount.fault}",
    ),
    StateRule(
        "enclosure fault",
        lambda t: t.enclosure.state is EnclosureState.FAULT,
        TelescopeState.FAULT,
        HealthState.FAILED,
        lambda t: f"Enclosure fault: {t.enclosure.fault}",
    ),
    StateRule(
        "instrument fault",
        lambda t: bool(_instrument_faults(t)),
        TelescopeState.ALARM,
        HealthState.DEGRADED,
        lambda t: f"Instrument fault: {'; '.join(_instrument_faults(t))}",
    ),
    StateRule(
        "focuser fault",
        lambda t: bool(_focuser_fault(t)),
        TelescopeState.ALARM,
        HealthState.DEGRADED,
        lambda t: f"Focuser fault: {_focuser_fault(t)}",
    ),
    StateRule(
        "open in daylight",
        lambda t: t.sun_alt_deg > 0.0 and t.enclosure.state in _SKY_EXPOSED,
        TelescopeState.ALARM,
        HealthState.DEGRADED,
        lambda t: f"Enclosure open with the sun {t.sun_alt_deg:.1f} deg above the horizon",
    ),
    StateRule(
        "moving",
        lambda t: (
            t.mount.state in _MOUNT_MOVING
            or t.enclosure.state in _ENCLOSURE_MOVING
            or _focuser_moving(t)
        ),
        TelescopeState.MOVING,
        HealthState.OK,
        lambda t: f"Moving: {_summary(t)}",
    ),
    StateRule(
        "parked and closed",
        lambda t: (
            t.mount.parked and t.enclosure.state in (EnclosureState.CLOSED, EnclosureState.NONE)
        ),
        TelescopeState.STANDBY,
        HealthState.OK,
        lambda t: f"Safe: {_summary(t)}",
    ),
    StateRule(
        "operating",
        lambda t: True,
        TelescopeState.ON,
        HealthState.OK,
        lambda t: f"Ready: {_summary(t)}" + (f" ({t.mount.fault})" if t.mount.fault else ""),
    ),
)


def derive_state(telemetry: Telemetry) -> tuple[TelescopeState, HealthState, str]:
    """The state, health and status text the first matching rule gives."""
    for rule in STATE_RULES:
        if rule.applies(telemetry):
            return rule.state, rule.health, rule.status(telemetry)
    raise AssertionError("the last rule always applies")  # pragma: no cover
