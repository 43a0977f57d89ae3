"""The state table: telemetry to operating state, health and status, first matching rule."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tel_rig import NIGHT

from astrotango.control.telescope import STATE_RULES, TelescopeState, derive_state
from astrotango.control_model import HealthState
from astrotango.hardware import (
    EnclosureState,
    EnclosureStatus,
    FocuserStatus,
    InstrumentState,
    InstrumentStatus,
    MountState,
    MountStatus,
    Telemetry,
)

BASE = Telemetry(
    NIGHT,
    MountStatus(MountState.PARKED, 0.0, 0.0, 89.0, 0.0, False, False),
    EnclosureStatus(EnclosureState.CLOSED, 0.0),
    (InstrumentStatus("cam", InstrumentState.IDLE),),
    -60.0,
)


STANDBY = (TelescopeState.STANDBY, HealthState.OK)
ON = (TelescopeState.ON, HealthState.OK)
MOVING = (TelescopeState.MOVING, HealthState.OK)
FAULT = (TelescopeState.FAULT, HealthState.FAILED)
ALARM = (TelescopeState.ALARM, HealthState.DEGRADED)


def telemetry(
    mount: MountState = MountState.PARKED,
    enclosure: EnclosureState = EnclosureState.CLOSED,
    camera: InstrumentState = InstrumentState.IDLE,
    sun_alt_deg: float = -60.0,
) -> Telemetry:
    return replace(
        BASE,
        mount=replace(BASE.mount, state=mount, fault="servo" if mount is MountState.FAULT else ""),
        enclosure=EnclosureStatus(
            enclosure, 1.0, "stalled" if enclosure is EnclosureState.FAULT else ""
        ),
        instruments=(InstrumentStatus("cam", camera),),
        sun_alt_deg=sun_alt_deg,
    )


def focused(focuser: FocuserStatus) -> Telemetry:
    return replace(BASE, focuser=focuser)


@pytest.mark.parametrize(
    ("t", "expected", "status"),
    [
        (telemetry(), STANDBY, "Safe: mount PARKED, enclosure CLOSED"),
        (telemetry(MountState.TRACKING, EnclosureState.OPEN), ON, "Ready"),
        (telemetry(MountState.SLEWING, EnclosureState.OPEN), MOVING, "Moving"),
        (telemetry(enclosure=EnclosureState.OPENING), MOVING, "Moving"),
        (telemetry(MountState.FAULT, EnclosureState.FAULT), FAULT, "Mount fault: servo"),
        (telemetry(enclosure=EnclosureState.FAULT), FAULT, "Enclosure fault: stalled"),
        (telemetry(camera=InstrumentState.FAULT), ALARM, "Instrument fault"),
        (telemetry(MountState.IDLE, EnclosureState.OPEN, sun_alt_deg=5.0), ALARM, "sun"),
        (telemetry(MountState.PARKED, EnclosureState.NONE), STANDBY, "Safe: mount PARKED"),
        (telemetry(MountState.IDLE, EnclosureState.CLOSED), ON, "Ready"),
        (focused(FocuserStatus(10, moving=True)), MOVING, "Moving: mount PARKED, enclosure "),
        (focused(FocuserStatus(10, moving=False)), STANDBY, "Safe"),
        (focused(FocuserStatus(10, fault="stall")), ALARM, "Focuser fault: stall"),
    ],
)
def test_the_first_matching_rule_decides(
    t: Telemetry, expected: tuple[TelescopeState, HealthState], status: str
) -> None:
    assert derive_state(t)[:2] == expected
    assert status in derive_state(t)[2]


def test_every_state_but_disable_is_reachable_from_the_table() -> None:
    reachable = {rule.state for rule in STATE_RULES}
    assert reachable == set(TelescopeState) - {TelescopeState.DISABLE}
