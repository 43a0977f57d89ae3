"""The INDI receiver's cycle, driven by property updates and BLOBs from a fake connection.

tune -> integrate -> (countdown) -> READING -> BLOB -> READY -> readout -> IDLE, and what cuts
it short: an abort, a refused tuning, a failed integration, a lost connection, a silent device.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from astrotango.clock.clocks import ManualClock
from astrotango.hardware import (
    HardwareError,
    HardwareFault,
    InstrumentState,
    IntegrationRequest,
    ReceiverInfo,
    Site,
    TaskInfo,
)
from astrotango.hardware.fits import fits_bytes, telescope_header
from astrotango.hardware.indi import Blob, IndiConfig, Prop, PropState
from astrotango.hardware.indi.receiver import IndiReceiver
from astrotango.hardware.protocols import Camera, Receiver

DEV = "Receiver Simulator"
WHEN = datetime(2025, 3, 20, 22, 30, tzinfo=UTC)
LBAND = ReceiverInfo(name="lband", beam_deg=1.2, band_ghz=(1.0, 2.0))
TASK = TaskInfo("task-7", "obs-3", "science", "W51")
S, IS = PropState, InstrumentState


def settings(state: PropState, hz: float = 1.42e9, message: str = "") -> Prop:
    values = {"RECEIVER_FREQUENCY": repr(hz), "RECEIVER_BANDWIDTH": "10000"}
    return Prop(DEV, "RECEIVER_SETTINGS", "Number", state, values, message)


def integration(state: PropState, left_s: float = 0.0, message: str = "") -> Prop:
    values = {"SENSOR_INTEGRATION_VALUE": repr(left_s)}
    return Prop(DEV, "SENSOR_INTEGRATION", "Number", state, values, message)


class FakeConnection:
    """Holds properties and records sends, like IndiConnection without a server."""

    name = "INDI server x:1"

    def __init__(self) -> None:
        self.props: dict[str, Prop] = {}
        self.sent: list[tuple[str, dict]] = []
        self.listener = None
        self.up = True
        self.set(Prop(DEV, "CONNECTION", "Switch", S.OK, {"CONNECT": "On", "DISCONNECT": "Off"}))
        self.set(settings(S.IDLE))
        self.set(integration(S.IDLE))

    def set(self, update: Prop | Blob | None) -> None:
        if isinstance(update, Prop):
            self.props[update.name] = update
        if self.listener is not None:
            self.listener(update)

    def listen(self, listener) -> None:
        self.listener = listener

    def check(self) -> None:
        if not self.up:
            raise HardwareFault(f"{self.name}: connection lost")

    def ready(self, device: str) -> None:
        self.check()

    def get(self, device: str, name: str) -> Prop | None:
        return self.props.get(name)

    def send(self, device: str, name: str, members: dict) -> None:
        self.check()
        self.sent.append((name, dict(members)))


@pytest.fixture
def rig(tmp_path: Path) -> tuple[IndiReceiver, FakeConnection, ManualClock]:
    conn, clock = FakeConnection(), ManualClock(WHEN)
    header = telescope_header("r1", Site("test", 28.7, -17.9, 2396.0))
    receiver = IndiReceiver(
        LBAND, conn, IndiConfig(readout_timeout_s=60.0), clock, tmp_path, lambda: None, header
    )  # type: ignore[arg-type]
    return receiver, conn, clock


def data_blob(samples: int = 64) -> Blob:
    device_header = {"FREQ": "1420000000.000000", "INSTRUME": DEV, "EXPTIME": 2.0}
    content = fits_bytes(np.arange(samples, dtype=np.int16).reshape(1, samples), device_header)
    return Blob(DEV, "SENSOR", content, ".fits")


def test_an_integration_is_read_out_as_the_device_data_with_our_header(rig, tmp_path) -> None:
    receiver, conn, clock = rig
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(2.0, TASK))
    assert conn.sent == [
        ("RECEIVER_SETTINGS", {"RECEIVER_FREQUENCY": pytest.approx(1.42e9)}),
        ("SENSOR_INTEGRATION", {"SENSOR_INTEGRATION_VALUE": 2.0}),
    ]
    conn.set(settings(S.IDLE))
    conn.set(integration(S.BUSY, 2.0))
    clock.advance(1.0)
    status = receiver.status()
    assert (status.state, status.elapsed_s, status.duration_s) == (IS.EXPOSING, 1.0, 2.0)
    clock.advance(1.5)
    assert receiver.status().state is IS.READING
    conn.set(data_blob())
    assert receiver.status().state is IS.READY

    asset = receiver.readout()
    assert receiver.status().state is IS.IDLE
    assert (asset.kind, asset.partial, asset.duration_s) == ("radio_spectrum", False, 2.0)
    assert asset.task_info["task_id"] == "task-7" and Path(asset.path).parent == tmp_path
    with fits.open(asset.path) as written:
        header, data = written[0].header, written[0].data
    assert (header["ATTASKID"], header["OBJECT"], header["FREQ_GHZ"]) == ("task-7", "W51", 1.42)
    assert (header["INSTRUME"], header["TELESCOP"], header["PARTIAL"]) == ("lband", "r1", False)
    assert header["FREQ"] == "1420000000.000000" and header["EXPTIME"] == 2.0  # the device's
    assert header["INTTIME"] == 2.0 and header["BW_MHZ"] == 0.01
    assert data.shape == (1, 64) and int(data[0, 63]) == 63


def test_abort_is_ready_at_once_and_reads_out_a_partial_header_only_file(rig) -> None:
    receiver, conn, clock = rig
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(10.0, TASK))
    clock.advance(3.0)
    receiver.abort()
    assert conn.sent[-1] == ("SENSOR_ABORT_INTEGRATION", {"ABORT": "On"})
    assert receiver.status().state is IS.READY
    conn.set(data_blob())  # data after an abort are not taken for this integration
    asset = receiver.readout()
    assert asset.partial and asset.duration_s == 3.0
    header = fits.getheader(asset.path)
    assert header["NAXIS"] == 0 and header["PARTIAL"] is True and header["ATTASKID"] == "task-7"
    receiver.abort()  # nothing to abort: nothing sent
    assert conn.sent[-1][0] == "SENSOR_ABORT_INTEGRATION" and len(conn.sent) == 3


def test_refusals_before_anything_is_sent(rig) -> None:
    receiver, conn, _ = rig
    with pytest.raises(HardwareError, match="outside the band 1-2 GHz"):
        receiver.tune(2.5)
    with pytest.raises(HardwareError, match="not tuned"):
        receiver.integrate(IntegrationRequest(1.0, TASK))
    with pytest.raises(HardwareError, match="nothing to read out"):
        receiver.readout()
    receiver.tune(1.5)
    with pytest.raises(HardwareError, match="integration of 0 s"):
        receiver.integrate(IntegrationRequest(0.0, TASK))
    receiver.integrate(IntegrationRequest(5.0, TASK))
    with pytest.raises(HardwareError, match=r"busy \(EXPOSING\)"):
        receiver.integrate(IntegrationRequest(5.0, TASK))
    with pytest.raises(HardwareError, match=r"busy \(EXPOSING\)"):
        receiver.tune(1.42)
    assert [name for name, _ in conn.sent] == ["RECEIVER_SETTINGS", "SENSOR_INTEGRATION"]


def test_data_before_the_device_reports_the_frequency_are_a_fault(rig) -> None:
    receiver, conn, clock = rig
    receiver.tune(1.6)
    receiver.integrate(IntegrationRequest(1.0, TASK))
    conn.set(settings(S.ALERT, 1.42e9, "Error: Invalid range for Frequency"))  # refused
    clock.advance(1.0)
    conn.set(data_blob())
    status = receiver.status()
    assert status.state is IS.FAULT
    assert status.fault == (
        "lband: data before the device tuned to 1.6 GHz: it reports 1.42 GHz (Error: Invalid "
        "range for Frequency) (INDI device 'Receiver Simulator' on INDI server x:1)"
    )


def test_the_simulators_alert_with_the_frequency_applied_is_tuned(rig) -> None:
    receiver, conn, clock = rig
    receiver.tune(1.6)
    receiver.integrate(IntegrationRequest(1.0, TASK))
    conn.set(settings(S.ALERT, 1.42e9))  # a stale echo, Alert from an earlier tuning
    conn.set(settings(S.ALERT, 1.6e9))  # the setter applied it
    conn.set(settings(S.ALERT, 1.6e9, "Error: Invalid range for Bandwidth"))
    clock.advance(1.0)
    conn.set(data_blob())
    assert receiver.status().state is IS.READY
    assert fits.getheader(receiver.readout().path)["FREQ_GHZ"] == 1.6


def test_a_failed_integration_and_a_silent_device_are_faults(rig) -> None:
    receiver, conn, clock = rig
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(2.0, TASK))
    conn.set(integration(S.ALERT, message="SDR read failed"))
    assert receiver.status().state is IS.FAULT and "SDR read failed" in receiver.status().fault

    receiver.integrate(IntegrationRequest(2.0, TASK))  # allowed after a fault
    clock.advance(2.0 + 61.0)
    status = receiver.status()
    assert status.state is IS.FAULT and "no data 61 s after the integration ended" in status.fault


def test_a_lost_connection_faults_the_integration_and_forgets_the_tuning(rig) -> None:
    receiver, conn, _ = rig
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(2.0, TASK))
    conn.up = False
    conn.set(None)
    with pytest.raises(HardwareFault, match="connection lost"):
        receiver.status()
    conn.up = True
    conn.set(None)  # reconnected
    conn.set(settings(S.ALERT))  # still Alert from before: not a refusal of ours
    status = receiver.status()
    assert status.state is IS.FAULT and "connection lost during the integration" in status.fault
    with pytest.raises(HardwareError, match="not tuned"):
        receiver.integrate(IntegrationRequest(2.0, TASK))
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(2.0, TASK))
    assert receiver.status().state is IS.EXPOSING


def test_data_of_another_device_or_format_are_not_ours(rig) -> None:
    receiver, conn, _ = rig
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(1.0, TASK))
    conn.set(Blob("CCD Simulator", "SENSOR", b"x", ".fits"))
    assert receiver.status().state is IS.EXPOSING
    conn.set(Blob(DEV, "SENSOR", b"x", ".stream"))
    assert (
        receiver.status().state is IS.FAULT and "'.stream' is not FITS" in receiver.status().fault
    )


def test_data_that_come_early_keep_the_time_asked(rig) -> None:
    receiver, conn, clock = rig
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(2.0, TASK))
    conn.set(settings(S.IDLE))
    clock.advance(1.5)  # the simulator sends its data ~0.5 s before the countdown ends
    conn.set(data_blob())
    status = receiver.status()
    assert (status.state, status.elapsed_s) == (IS.READY, 1.5)
    asset = receiver.readout()
    assert asset.duration_s == 2.0 and asset.header["INTTIME"] == 2.0 and not asset.partial


def test_it_is_a_receiver_to_the_executor(rig) -> None:
    receiver, _, _ = rig
    assert isinstance(receiver, Receiver) and not isinstance(receiver, Camera)
