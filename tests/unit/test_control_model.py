"""The control-model enums carry exactly the SKA names and values (clients depend on them)."""

from __future__ import annotations

import enum

import pytest

from astrotango import control_model as cm

EXPECTED = {
    "AdminMode": "ONLINE OFFLINE ENGINEERING NOT_FITTED RESERVED",
    "HealthState": "OK DEGRADED FAILED UNKNOWN",
    "ControlMode": "REMOTE LOCAL",
    "SimulationMode": "FALSE TRUE",
    "TestMode": "NONE TEST",
    "LoggingLevel": "OFF FATAL ERROR WARNING INFO DEBUG",
    "ObsState": "EMPTY RESOURCING IDLE CONFIGURING READY SCANNING ABORTING ABORTED RESETTING "
    "FAULT RESTARTING",
    "PowerState": "UNKNOWN NO_SUPPLY OFF STANDBY ON",
    "CommunicationStatus": "DISABLED NOT_ESTABLISHED ESTABLISHED",
    "ResultCode": "OK STARTED QUEUED FAILED UNKNOWN REJECTED NOT_ALLOWED ABORTED",
    "TaskStatus": "STAGING QUEUED IN_PROGRESS ABORTED NOT_FOUND COMPLETED REJECTED FAILED",
}


@pytest.mark.parametrize(("name", "members"), EXPECTED.items())
def test_names_and_values_match_ska(name: str, members: str) -> None:
    enum_cls = getattr(cm, name)
    assert issubclass(enum_cls, enum.IntEnum)
    assert [(m.name, m.value) for m in enum_cls] == list(
        zip(members.split(), range(len(members.split())), strict=True)
    )


def test_terminal_statuses_have_no_way_out() -> None:
    for status in cm.TERMINAL_TASK_STATUSES:
        assert status not in cm.TASK_STATUS_TRANSITIONS
    assert cm.TaskStatus.QUEUED in cm.TASK_STATUS_TRANSITIONS[cm.TaskStatus.STAGING]


def test_astropy_never_downloads() -> None:
    from astropy.coordinates import solar_system_ephemeris
    from astropy.utils import iers

    import astrotango.astro  # noqa: F401 - configures on import

    assert iers.conf.auto_download is False
    assert solar_system_ephemeris.get() == "builtin"
