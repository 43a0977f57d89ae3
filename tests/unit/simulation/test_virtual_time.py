"""Virtual time: next-event advance across threads and processes, no cost for real delays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from astrotango.clock import spawn
from astrotango.clock.virtual import (
    ClockCondition,
    ClockKeeper,
    VirtualClock,
    Wake,
)

START = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator[ClockKeeper]:
    keeper = ClockKeeper(tmp_path / "clock.bin", START, stall_s=2.0).start()
    yield keeper
    keeper.stop()


@pytest.fixture
def clock(keeper: ClockKeeper) -> Iterator[VirtualClock]:
    clock = VirtualClock(keeper.path)
    yield clock
    clock.close()


def elapsed(clock: VirtualClock) -> float:
    return (clock.now() - START).total_seconds()


def run_threads(clock: VirtualClock, *targets: Callable[[], None]) -> None:
    """Each target a participant from its start (as every loop of the system is): time cannot
    move before all of them have reached their first wait, however late a thread starts."""
    threads = [spawn(clock, t, name=f"participant-{n}") for n, t in enumerate(targets)]
    for thread in threads:
        thread.join(20)
        assert not thread.is_alive(), "a participant never woke"


def test_time_jumps_to_each_deadline_and_real_work_costs_nothing(clock: VirtualClock) -> None:
    """Two loops of 7 s and 10 s: each wakes exactly on its own multiples, although one of
    them works 50 real ms (18 simulated s at 360x) after every wake."""
    seen: dict[str, list[float]] = {"fast": [], "slow": []}

    def loop(name: str, period: float, work_s: float) -> None:
        with clock.participant():
            for _ in range(5):
                clock.sleep(period)
                seen[name].append(elapsed(clock))
                time.sleep(work_s)  # real CPU/IO work: time must stand still meanwhile

    run_threads(clock, lambda: loop("fast", 7.0, 0.05), lambda: loop("slow", 10.0, 0.0))
    assert seen["fast"] == [7.0, 14.0, 21.0, 28.0, 35.0]
    assert seen["slow"] == [10.0, 20.0, 30.0, 40.0, 50.0]


def test_a_wake_event_wakes_the_sleeper_at_the_instant_it_is_set(clock: VirtualClock) -> None:
    stop = Wake()
    woke: list[tuple[bool, float]] = []

    def sleeper() -> None:
        with clock.participant():
            woke.append((clock.sleep(3600.0, stop), elapsed(clock)))

    def setter() -> None:
        with clock.participant():
            clock.sleep(42.0)
            time.sleep(0.05)
            stop.set()

    run_threads(clock, sleeper, setter)
    assert woke == [(True, 42.0)]


def test_wait_for_times_out_in_simulated_time_and_wakes_on_notify(clock: VirtualClock) -> None:
    cond = ClockCondition()
    box: list[int] = []
    results: list[tuple[bool, float]] = []

    def waiter(timeout: float) -> None:
        with clock.participant(), cond:
            results.append((clock.wait_for(cond, lambda: bool(box), timeout), elapsed(clock)))

    def producer() -> None:
        with clock.participant():
            clock.sleep(100.0)
            with cond:
                box.append(1)
                cond.notify_all()

    run_threads(clock, lambda: waiter(30.0))
    assert results == [(False, 30.0)]
    results.clear()
    run_threads(clock, lambda: waiter(1000.0), producer)
    assert results == [(True, 130.0)]


def test_a_hold_keeps_time_still(clock: VirtualClock) -> None:
    times: list[float] = []

    def loop() -> None:
        with clock.participant():
            clock.sleep(5.0)
            times.append(elapsed(clock))

    with clock.hold():
        thread = threading.Thread(target=loop)
        thread.start()
        time.sleep(0.2)
        assert elapsed(clock) == 0.0, "time moved during a hold"
    thread.join(10)
    assert times == [5.0]


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from astrotango.clock.virtual import virtual_clock
    clock = virtual_clock(Path(sys.argv[1]))
    with clock.participant():
        for _ in range(int(sys.argv[2])):
            clock.sleep(float(sys.argv[3]))
            print(clock.now().isoformat(), flush=True)
            time.sleep(float(sys.argv[4]))
    """
)


def child(keeper: ClockKeeper, count: int, period: float, work_s: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(keeper.path), str(count), str(period), str(work_s)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )


def test_processes_share_one_time_and_a_slow_one_costs_no_simulated_time(
    keeper: ClockKeeper, clock: VirtualClock
) -> None:
    with clock.hold():  # as the launcher does while servers start
        slow = child(keeper, 4, 60.0, 0.3)
        fast = child(keeper, 12, 20.0, 0.0)
        time.sleep(1.5)  # both import and claim their slots before time may move
    slow_out, _ = slow.communicate(timeout=30)
    fast_out, _ = fast.communicate(timeout=30)
    begin = START
    assert [datetime.fromisoformat(t) - begin for t in slow_out.split()] == [
        timedelta(seconds=60 * k) for k in range(1, 5)
    ]
    assert [datetime.fromisoformat(t) - begin for t in fast_out.split()] == [
        timedelta(seconds=20 * k) for k in range(1, 13)
    ]


def test_a_killed_process_is_dropped_and_a_stopped_one_only_pauses_time(
    keeper: ClockKeeper, clock: VirtualClock
) -> None:
    with clock.hold():
        victim = child(keeper, 1000, 1.0, 0.0)
        time.sleep(1.5)
    time.sleep(0.3)
    os.kill(victim.pid, signal.SIGSTOP)  # stopped mid-instant or asleep: time may not pass it
    paused = elapsed(clock)
    time.sleep(1.0)
    assert elapsed(clock) - paused <= 1.0, "time ran past a stopped participant"
    os.kill(victim.pid, signal.SIGCONT)
    victim.kill()
    victim.wait(10)
    woke: list[float] = []

    def sleeper() -> None:
        with clock.participant():
            clock.sleep(3600.0)
            woke.append(elapsed(clock))

    run_threads(clock, sleeper)
    assert woke and woke[0] >= 3600.0


@pytest.mark.slow
def test_a_long_busy_spell_holds_time_however_long_it_lasts(tmp_path: Path) -> None:
    """A busy process is waited for (12 real s: a start-up on a loaded machine) while another
    sleeps; the keeper once passed over anyone busy for 10 s, and the night moved on."""
    keeper = ClockKeeper(tmp_path / "clock.bin", START).start()
    clock = VirtualClock(keeper.path)
    try:
        with clock.hold():
            sleeper = child(keeper, 3, 60.0, 0.0)
            time.sleep(12.0)
            assert elapsed(clock) == 0.0, "time moved while a participant was busy"
        out, _ = sleeper.communicate(timeout=30)
        assert [datetime.fromisoformat(t) - START for t in out.split()] == [
            timedelta(seconds=60 * k) for k in range(1, 4)
        ]
    finally:
        clock.close()
        keeper.stop()


def test_loops_on_one_grid_share_each_instant_whatever_their_phase(
    keeper: ClockKeeper, clock: VirtualClock
) -> None:
    """Deadlines computed from different instants (now + seconds to the next grid point) must
    meet exactly: a deadline one float step after another was a second instant, waking every
    process twice per grid point (half the sample night's instants)."""
    from astrotango.clock import to_grid

    offsets = (0.1, 1 / 3, 0.7, 2 / 7, 2.3, 4.6, 6.7)  # some no whole number of microseconds

    def loop(offset: float) -> None:
        with clock.participant():
            clock.sleep(offset)
            for _ in range(20):
                clock.sleep(to_grid(clock, 10.0))

    before = keeper.advances
    run_threads(clock, *(lambda o=o: loop(o) for o in offsets))
    assert elapsed(clock) == 200.0
    assert keeper.advances - before == len(offsets) + 20, "one instant per grid point"


def test_the_keeper_charges_the_real_time_it_waited_to_the_busy_process(
    keeper: ClockKeeper, clock: VirtualClock
) -> None:
    def slow() -> None:
        with clock.participant():
            clock.sleep(5.0)
            time.sleep(0.3)  # real work at the instant: time stands still for it
            clock.sleep(5.0)

    run_threads(clock, slow)
    assert elapsed(clock) == 10.0
    assert 0.3 <= keeper.held_by[os.getpid()] < 1.0


def test_a_reader_that_settles_sees_everything_written_at_its_instant(
    clock: VirtualClock,
) -> None:
    """At one instant a reader (the Scheduler planning) and a writer (the controller ending a
    task) race: the writer here takes 0.2 real s. Settling first, the reader sees the write,
    and reads at the next microsecond, an instant nobody else asked for."""
    store: list[str] = []
    read: list[tuple[list[str], float]] = []

    def writer() -> None:
        with clock.participant():
            clock.sleep(10.0)
            time.sleep(0.2)  # real work at the instant: time must not move meanwhile
            store.append("task completed")

    def reader() -> None:
        with clock.participant():
            clock.sleep(10.0)
            clock.settle()
            read.append((list(store), elapsed(clock)))

    run_threads(clock, writer, reader)
    assert read == [(["task completed"], 10.000001)]
