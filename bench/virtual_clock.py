"""How fast virtual time advances: simulated seconds per wall second, and the cost of one instant.

Starts a clock keeper and ``--processes`` participant processes, each with ``--threads``
loops sleeping ``--period`` simulated seconds (aligned, as a system's loops are), and reports
how many instants per wall second the keeper moves through, with no work done at any of them:
the floor under every simulated night.

    .venv/bin/python bench/virtual_clock.py [--processes 10] [--threads 3] [--period 2] [--hours 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

from astrotango.clock import ClockKeeper
from astrotango.clock.virtual import VirtualClock

CHILD = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from astrotango.clock.virtual import virtual_clock
    clock = virtual_clock(Path(sys.argv[1]))
    threads, period, until = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    def loop():
        with clock.participant():
            while clock.now().timestamp() < until:
                clock.sleep(period)
    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=10)
    parser.add_argument("--threads", type=int, default=3)
    parser.add_argument("--period", type=float, default=2.0)
    parser.add_argument("--hours", type=float, default=1.0)
    args = parser.parse_args()
    start = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)
    until = start.timestamp() + args.hours * 3600
    with tempfile.TemporaryDirectory() as folder:
        keeper = ClockKeeper(Path(folder) / "clock.bin", start).start()
        holder = VirtualClock(keeper.path)
        holder.acquire()
        children = [
            subprocess.Popen(
                [sys.executable, "-c", CHILD, str(keeper.path), str(args.threads),
                 str(args.period), str(until)],
                env=os.environ,
            )
            for _ in range(args.processes)
        ]  # fmt: skip
        time.sleep(2.0)  # every child has claimed its slot
        began = time.perf_counter()
        holder.release()
        for child in children:
            child.wait()
        wall = time.perf_counter() - began
        simulated = keeper.file.now() - start.timestamp()
        keeper.stop()
    print(
        f"{args.processes} processes x {args.threads} loops, period {args.period:g} s: "
        f"{keeper.advances} instants, {simulated:.0f} simulated s in {wall:.2f} wall s = "
        f"{simulated / wall:.0f}x, {1000 * wall / max(1, keeper.advances):.2f} ms per instant"
    )


if __name__ == "__main__":
    main()
