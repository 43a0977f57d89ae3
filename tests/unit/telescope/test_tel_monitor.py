"""The monitor on virtual time: it polls when the telemetry says something changes, and a
wait ends the instant its command is done or aborted, not at the next blind poll."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from tel_rig import LA_PALMA, NIGHT, OPTICAL

from astrotango.clock import Wake, spawn
from astrotango.clock.virtual import ClockKeeper, VirtualClock
from astrotango.control.telescope.monitor import TelescopeMonitor
from astrotango.control.telescope.waiting import StepAborted, Waiter
from astrotango.hardware import (
    EquatorialPointing,
    ExposureRequest,
    InstrumentState,
    MountState,
    TaskInfo,
    parse_instruments,
)
from astrotango.simulation.telescope import SimulatorConfig, TelescopeSimulator

TASK = TaskInfo("obs-x-r0-i0-j0-t0-e0-n0", "obs-x", "expose_1", "Capella")


@pytest.fixture
def clock(tmp_path: Path) -> Iterator[VirtualClock]:
    keeper = ClockKeeper(tmp_path / "clock.bin", NIGHT, stall_s=5.0).start()
    clock = VirtualClock(keeper.path)
    yield clock
    clock.close()
    keeper.stop()


@pytest.fixture
def rig(clock: VirtualClock) -> Iterator[tuple[TelescopeSimulator, TelescopeMonitor, Waiter]]:
    sim = TelescopeSimulator(
        "t1",
        LA_PALMA,
        parse_instruments(OPTICAL),
        clock,
        SimulatorConfig(unpark_s=2.0, az_rate_deg_s=0.5, alt_rate_deg_s=0.5),
    )
    monitor = TelescopeMonitor(
        sim.telemetry,
        period_s=2.0,
        idle_period_s=10.0,
        heartbeat_period_s=10.0,
        on_telemetry=lambda _: None,
        on_heartbeat=lambda _: None,
        on_freshness=lambda _: None,
        logger=logging.getLogger("test"),
        clock=clock,
    )
    with clock.participant():
        monitor.start()
        yield sim, monitor, Waiter(monitor, clock)
        monitor.stop()


def test_a_slew_is_seen_done_at_its_end_with_no_blind_polls(
    clock: VirtualClock, rig: tuple[TelescopeSimulator, TelescopeMonitor, Waiter]
) -> None:
    sim, monitor, waiter = rig
    sim.mount.unpark()
    clock.sleep(2.0)
    sim.mount.slew(EquatorialPointing(79.172, 45.998, "Capella"))
    issued, polls = clock.now(), monitor.polls
    done_at = sim.telemetry().next_change  # the slew's end; settling (3 s) follows
    assert done_at is not None
    telemetry = waiter.until(
        "slew",
        lambda t: t.mount.state is MountState.TRACKING,
        since=issued,
        timeout_s=600.0,
        abort_event=None,
    )
    settled = done_at.timestamp() + 3.0
    assert settled <= telemetry.time.timestamp() <= settled + 0.01
    took_s = settled - issued.timestamp()
    # every 2 s would be took_s / 2 polls; here the idle grid, the two announced ends and
    # the wait's own first measurement
    assert monitor.polls - polls <= took_s / 10.0 + 4, (monitor.polls - polls, took_s)


def test_an_abort_ends_the_wait_at_its_instant(
    clock: VirtualClock, rig: tuple[TelescopeSimulator, TelescopeMonitor, Waiter]
) -> None:
    sim, _, waiter = rig
    camera = sim.instruments["cam"]
    camera.expose(ExposureRequest(300.0, TASK, "r", 1, "object"))  # type: ignore[union-attr]
    abort, start = Wake(), clock.now()

    def operator() -> None:
        clock.sleep(37.0)
        abort.set()

    thread = spawn(clock, operator, name="operator")
    with pytest.raises(StepAborted):
        waiter.until(
            "exposure",
            lambda t: t.instruments[0].state is InstrumentState.READY,
            since=start,
            timeout_s=600.0,
            abort_event=abort,
        )
    assert (clock.now() - start).total_seconds() == pytest.approx(37.0, abs=0.01)
    thread.join(5.0)
