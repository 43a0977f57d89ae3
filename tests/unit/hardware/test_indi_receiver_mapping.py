"""The INDI receiver's pure parts: GHz to and from the device's Hz, the header, the config."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pydantic
import pytest

from astrotango.hardware import (
    HardwareError,
    IntegrationRequest,
    MountState,
    MountStatus,
    ReceiverInfo,
    TaskInfo,
)
from astrotango.hardware.indi import IndiConfig, Prop, PropState
from astrotango.hardware.indi.receiver import (
    integration_header,
    reported_ghz,
    tuned,
    tuning_hz,
)

LBAND = ReceiverInfo(name="lband", beam_deg=1.2, band_ghz=(1.0, 2.0), channels=4096)
WIDE = ReceiverInfo(name="wide", beam_deg=1.2, band_ghz=(1.0, 3.0))
SIMULATOR = (0.024, 2.0)
DEVICE = "INDI device 'Receiver Simulator' on INDI server 127.0.0.1:7624"
WHEN = datetime(2025, 3, 20, 22, 30, 0, 123_000, tzinfo=UTC)
S = PropState


@pytest.mark.parametrize(
    ("info", "ghz", "hz"),
    [(LBAND, 1.42, 1.42e9), (LBAND, 1.0, 1e9), (LBAND, 2.0, 2e9), (WIDE, 1.5, 1.5e9)],
)
def test_a_frequency_in_the_band_and_the_range_goes_out_in_hz(
    info: ReceiverInfo, ghz: float, hz: float
) -> None:
    assert tuning_hz(ghz, info, SIMULATOR, DEVICE) == pytest.approx(hz, rel=1e-12)


@pytest.mark.parametrize("ghz", [0.9, 2.01, math.nan, -1.0])
def test_a_frequency_outside_the_band_is_refused_naming_the_band(ghz: float) -> None:
    with pytest.raises(HardwareError, match=r"^lband: .* GHz is outside the band 1-2 GHz$"):
        tuning_hz(ghz, LBAND, SIMULATOR, DEVICE)


def test_a_frequency_beyond_the_device_is_refused_naming_the_bound_device_and_server() -> None:
    with pytest.raises(HardwareError) as refused:
        tuning_hz(2.5, WIDE, SIMULATOR, DEVICE)
    assert str(refused.value) == (
        "wide: 2.5 GHz is outside the tuning range 0.024-2 GHz of INDI device "
        "'Receiver Simulator' on INDI server 127.0.0.1:7624"
    )


@pytest.mark.parametrize(
    ("state", "reported_hz", "asked_ghz", "is_tuned"),
    [
        (S.IDLE, "1420000000", 1.42, True),
        (S.IDLE, "1420405760", 1.42040575177, True),  # single precision: 128 Hz steps
        (S.ALERT, "1600000000", 1.6, True),  # the simulator's Alert after applying it
        (S.ALERT, "1420000000", 1.6, False),  # a device that refused: still the old value
        (S.IDLE, "1420002000", 1.42, False),  # 2 kHz off: beyond the 1 kHz tolerance
        (S.IDLE, "not a number", 1.42, False),
    ],
)
def test_tuned_is_judged_by_the_reported_frequency_not_the_state(
    state: PropState, reported_hz: str, asked_ghz: float, is_tuned: bool
) -> None:
    assert tuned(settings(state, frequency_hz=reported_hz), asked_ghz, 1_000.0) is is_tuned


def test_the_reported_frequency_is_in_ghz_or_none() -> None:
    assert reported_ghz(settings(S.IDLE, frequency_hz="1420405760")) == 1.42040576
    assert reported_ghz(None) is None
    assert reported_ghz(Prop("d", "RECEIVER_SETTINGS", "Number", S.IDLE, {})) is None


def settings(
    state: PropState, bandwidth_hz: str = "10000", frequency_hz: str = "1420000000"
) -> Prop:
    values = {"RECEIVER_FREQUENCY": frequency_hz, "RECEIVER_BANDWIDTH": bandwidth_hz}
    return Prop("Receiver Simulator", "RECEIVER_SETTINGS", "Number", state, values)


def mount(fault: str = "") -> MountStatus:
    return MountStatus(MountState.TRACKING, 83.6, 22.0, 60.0, 180.0, True, True, fault)


def test_the_header_names_the_task_frequency_beam_device_bandwidth_and_pointing() -> None:
    request = IntegrationRequest(30.0, TaskInfo("task-9", "obs-2", "science", "Crab"))
    header = integration_header(request, WHEN, LBAND, 1.42, settings(S.IDLE), mount())
    assert header == {
        "DATE-OBS": "2025-03-20T22:30:00.123",
        "OBJECT": "Crab",
        "ATTASKID": "task-9",
        "ATOBSID": "obs-2",
        "ATSUBTSK": "science",
        "INSTRUME": "lband",
        "FREQ_GHZ": 1.42,
        "BEAM_DEG": 1.2,
        "BW_MHZ": 0.01,
        "RA": 83.6,
        "DEC": 22.0,
        "ALT": 60.0,
        "AZ": 180.0,
        "TRACKING": True,
        "AIRMASS": pytest.approx(1.1547, abs=1e-4),
    }


@pytest.mark.parametrize(
    ("props", "pointing"),
    [(None, None), (settings(S.IDLE, "0"), mount("servo error")), (settings(S.OK, "0"), None)],
)
def test_the_header_leaves_out_what_is_not_known(
    props: Prop | None, pointing: MountStatus | None
) -> None:
    request = IntegrationRequest(1.0, TaskInfo("t", "o", "s"))
    header = integration_header(request, WHEN, LBAND, 1.5, props, pointing)
    assert header["OBJECT"] == "none" and header["FREQ_GHZ"] == 1.5
    assert not {"BW_MHZ", "RA", "ALT", "CHANNELS"} & set(header)


def test_the_config_names_the_simulator_and_its_range_and_checks_the_order() -> None:
    config = IndiConfig()
    assert (config.receiver, config.receiver_tuning_ghz) == ("Receiver Simulator", SIMULATOR)
    assert config.receiver_tolerance_hz == 1_000.0
    assert IndiConfig(receiver_tuning_ghz=(0.5, 8.0)).receiver_tuning_ghz == (0.5, 8.0)
    for bad in ((2.0, 1.0), (0.0, 1.0)):
        with pytest.raises(pydantic.ValidationError, match="receiver_tuning_ghz"):
            IndiConfig(receiver_tuning_ghz=bad)
