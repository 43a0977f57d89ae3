"""The INDI receiver driver against the real ``indi_simulator_receiver``, over ``indiserver``.

One server (the receiver simulator alone, on a free loopback port) and one connection serve the
module; the tests run in file order: integrate, abort, refuse, lose the server, get it back.
Every wait polls with a deadline.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from astropy.io import fits
from hardware_servers import (
    RECEIVER_DRIVERS,
    IndiServer,
    needs_indi,
    needs_indi_receiver,
    receiver_server,
    wait_until,
)

from astrotango.clock.clocks import WallClock
from astrotango.hardware import (
    HardwareError,
    HardwareFault,
    InstrumentState,
    IntegrationRequest,
    MountState,
    MountStatus,
    ReceiverInfo,
    Site,
    TaskInfo,
)
from astrotango.hardware.fits import telescope_header
from astrotango.hardware.indi import IndiConfig, IndiConnection
from astrotango.hardware.indi.receiver import IndiReceiver

pytestmark = [pytest.mark.slow, needs_indi, needs_indi_receiver]

DEVICE = "Receiver Simulator"
LBAND = ReceiverInfo(name="lband", beam_deg=1.2, band_ghz=(1.0, 2.0), channels=4096)
WIDE = ReceiverInfo(name="wide", beam_deg=1.2, band_ghz=(1.0, 3.0))
POINTING = MountStatus(MountState.TRACKING, 83.6, 22.0, 60.0, 180.0, True, True)
#: The simulator keeps the frequency in single precision: 128 Hz steps near 1.4 GHz.
FREQUENCY_TOLERANCE_HZ = 200.0
State = InstrumentState


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndiServer]:
    indi = receiver_server(tmp_path_factory.mktemp("indi-receiver-home"))
    yield indi
    indi.kill()


@pytest.fixture(scope="module")
def config(server: IndiServer) -> IndiConfig:
    return IndiConfig(server=server.address, reconnect_interval_s=0.5, readout_timeout_s=30.0)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("indi-receiver-data")


@pytest.fixture(scope="module")
def rig(config: IndiConfig, data_dir: Path) -> Iterator[tuple[IndiConnection, dict]]:
    host, port = config.address
    conn = IndiConnection(
        host,
        port,
        [config.receiver],
        blob_devices=[config.receiver],
        connect_timeout_s=config.connect_timeout_s,
        reconnect_interval_s=config.reconnect_interval_s,
    )
    header = telescope_header("r1", Site("indi-test", 28.76, -17.88, 2396.0))
    clock = WallClock()
    receivers = {
        info.name: IndiReceiver(info, conn, config, clock, data_dir, lambda: POINTING, header)
        for info in (LBAND, WIDE)
    }
    began = time.monotonic()
    conn.start()
    assert time.monotonic() - began < 0.5, "start() must not block"
    wait_until("receiver connected", receivers["lband"].status, 15.0)
    wait_until("receiver settings", lambda: conn.get(DEVICE, "RECEIVER_SETTINGS"), 10.0)
    yield conn, receivers
    conn.close()


def state_is(receiver: IndiReceiver, state: InstrumentState, timeout_s: float) -> None:
    wait_until(
        f"{receiver.info.name} {state.name}", lambda: receiver.status().state is state, timeout_s
    )


def device_frequency_hz(conn: IndiConnection) -> float:
    settings = conn.get(DEVICE, "RECEIVER_SETTINGS")
    assert settings is not None
    return settings.number("RECEIVER_FREQUENCY")


def test_tune_and_integrate_give_a_fits_file_with_the_task(rig) -> None:
    conn, receivers = rig
    receiver = receivers["lband"]
    task = TaskInfo("task-61", "obs-9", "science", "W51")
    began = time.monotonic()
    receiver.tune(1.4204)
    receiver.integrate(IntegrationRequest(1.0, task))  # at once, as the executor does
    assert time.monotonic() - began < 0.5, "tune() and integrate() must not block"
    assert receiver.status().state is State.EXPOSING
    state_is(receiver, State.READY, 20.0)
    assert abs(device_frequency_hz(conn) - 1.4204e9) < FREQUENCY_TOLERANCE_HZ

    asset = receiver.readout()
    assert receiver.status().state is State.IDLE
    content = Path(asset.path).read_bytes()
    assert len(content) == asset.size_bytes > 2_000_000  # 1 s of 16-bit samples at 1 MHz
    assert hashlib.sha256(content).hexdigest() == asset.sha256
    assert (asset.kind, asset.partial, asset.task_info["task_id"]) == (
        "radio_spectrum",
        False,
        "task-61",
    )
    header = fits.getheader(asset.path)
    assert (header["ATTASKID"], header["ATOBSID"], header["OBJECT"]) == ("task-61", "obs-9", "W51")
    assert (header["INSTRUME"], header["TELESCOP"], header["PARTIAL"]) == ("lband", "r1", False)
    assert header["FREQ_GHZ"] == 1.4204 and header["BEAM_DEG"] == 1.2
    assert abs(float(header["FREQ"]) - 1.4204e9) < FREQUENCY_TOLERANCE_HZ  # the device's, Hz
    assert header["NAXIS1"] == round(float(header["SRATE"]))  # samples: rate x 1 s
    assert header["INTTIME"] == 1.0 and header["EXPTIME"] == 1.0  # ours and the device's
    assert header["BW_MHZ"] == pytest.approx(float(header["BANDWIDT"]) / 1e6)
    assert (header["RA"], header["ALT"]) == (83.6, 60.0)


def test_abort_gives_a_partial_asset(rig) -> None:
    conn, receivers = rig
    receiver = receivers["lband"]
    receiver.tune(1.6)
    receiver.integrate(IntegrationRequest(10.0, TaskInfo("task-62", "obs-9", "science")))
    wait_until("integrating", lambda: receiver.status().elapsed_s > 0.3, 10.0)
    receiver.abort()
    assert receiver.status().state is State.READY
    asset = receiver.readout()
    assert asset.partial and asset.duration_s < 10.0
    header = fits.getheader(asset.path)
    assert header["PARTIAL"] is True and header["ATTASKID"] == "task-62" and header["NAXIS"] == 0

    def stopped() -> bool:
        integration = conn.get(DEVICE, "SENSOR_INTEGRATION")
        return integration is not None and not integration.busy

    wait_until("the device stopped integrating", stopped, 5.0)


def test_refusals_name_the_bound_the_device_and_the_server(rig, server: IndiServer) -> None:
    conn, receivers = rig
    before = device_frequency_hz(conn)
    with pytest.raises(HardwareError, match=r"^lband: 2\.5 GHz is outside the band 1-2 GHz$"):
        receivers["lband"].tune(2.5)
    with pytest.raises(HardwareError) as refused:
        receivers["wide"].tune(2.5)
    assert str(refused.value) == (
        "wide: 2.5 GHz is outside the tuning range 0.024-2 GHz of INDI device "
        f"'Receiver Simulator' on INDI server 127.0.0.1:{server.port}"
    )
    with pytest.raises(HardwareError, match=r"^wide: not tuned$"):
        receivers["wide"].integrate(IntegrationRequest(1.0, TaskInfo("t", "o", "s")))
    with pytest.raises(HardwareError, match="nothing to read out"):
        receivers["lband"].readout()
    assert device_frequency_hz(conn) == before  # nothing was sent


def test_server_loss_and_recovery(rig, server: IndiServer) -> None:
    _, receivers = rig
    receiver = receivers["lband"]
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(5.0, TaskInfo("task-63", "obs-9", "science")))
    server.kill()

    def lost() -> str | None:
        try:
            receiver.status()
        except HardwareFault as exc:
            return str(exc)
        return None

    message = wait_until("loss noticed", lost, 5.0)
    assert message == f"INDI server 127.0.0.1:{server.port}: connection lost"
    with pytest.raises(HardwareFault):
        receiver.tune(1.42)  # nothing can be queued while disconnected

    server.start(RECEIVER_DRIVERS)
    status = wait_until("status back", receiver.status, 20.0)
    assert status.state is State.FAULT and "connection lost during the integration" in status.fault
    with pytest.raises(HardwareError, match="not tuned"):  # the device may have restarted
        receiver.integrate(IntegrationRequest(1.0, TaskInfo("task-64", "obs-9", "science")))
    wait_until("settings back", lambda: rig[0].get(DEVICE, "RECEIVER_SETTINGS"), 10.0)
    receiver.tune(1.42)
    receiver.integrate(IntegrationRequest(1.0, TaskInfo("task-64", "obs-9", "science")))
    state_is(receiver, State.READY, 20.0)
    assert fits.getheader(receiver.readout().path)["ATTASKID"] == "task-64"
