"""The main job: a whole simulated night on the default observatory (what ``make run`` shows).

It submits the sample night (``examples/observations``), lets the observatory run by itself
under a live view (telescopes, tasks with progress, lifecycle counts) while the simulated
weather does its worst, and ends with a summary of every observation and a report file.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from astrotango.client.live_view import render_frame
from astrotango.client.observatory import Observatory
from astrotango.launcher import System

__all__ = ["NIGHT_START", "run_night"]

#: Sunset at La Palma on the night the samples are written for.
NIGHT_START = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)


def run_night(
    system: System, console: Console, examples: Path, *, wall_s: float, report: Path
) -> bool:
    """Submit the samples, watch the night for ``wall_s`` real seconds, summarise; True if OK."""
    os.environ["TANGO_HOST"] = system.tango_host  # this process is the system's client
    observatory = Observatory()
    submitted: dict[str, str] = {}
    for path in sorted(examples.glob("*.json")):
        submitted[observatory.submit(path.read_text())] = path.stem
    console.print(f"Submitted {len(submitted)} observations; the night runs by itself.")
    deadline = time.monotonic() + wall_s
    with Live(render_frame(observatory), console=console, refresh_per_second=2) as live:
        while time.monotonic() < deadline:
            time.sleep(1.0)
            live.update(render_frame(observatory))
    rows = [observatory.observation(oid) for oid in submitted]
    console.print(_summary(rows, system.clock().now()))
    _write_report(report, rows)
    console.print(f"Report: {report}")
    return all(row["status"] != "failed" or row["series_history"] for row in rows)


def _summary(rows: list[dict[str, Any]], now: datetime) -> Table:
    table = Table(title=f"The night at {now:%Y-%m-%d %H:%M} UTC (simulated)")
    for column in ("observation", "name", "status", "tasks done", "assets"):
        table.add_column(column)
    for row in rows:
        done = sum(t["status"] == "completed" for t in row["tasks"])
        table.add_row(
            row["id"],
            row["name"],
            row["status"],
            f"{done}/{len(row['tasks'])}",
            str(len(row["assets"])),
        )
    return table


def _write_report(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2, default=str))
