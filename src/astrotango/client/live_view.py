"""One frame of the live terminal view of an observatory (``astrotango watch``)."""

from __future__ import annotations

from rich.console import Group
from rich.progress_bar import ProgressBar
from rich.table import Table

from astrotango.client.observatory import Observatory

__all__ = ["render_frame"]

_STATE_STYLE = {
    "ON": "green",
    "MOVING": "cyan",
    "STANDBY": "white",
    "FAULT": "red",
    "ALARM": "yellow",
    "DISABLE": "dim",
    "UNREACHABLE": "red",
}


def render_frame(observatory: Observatory) -> Group:
    """Telescopes (state, task, progress bar) and observation counts per status."""
    telescopes = Table(title="Telescopes", expand=True)
    for column in ("telescope", "state", "enclosure", "alt", "task", "progress"):
        telescopes.add_column(column)
    for t in observatory.telescopes():
        telescopes.add_row(
            t.name,
            f"[{_STATE_STYLE.get(t.state, 'white')}]{t.state}",
            t.enclosure,
            "-" if t.alt_deg is None else f"{t.alt_deg:5.1f}°",
            t.task or "-",
            ProgressBar(total=100, completed=t.progress, width=20),
        )
    counts = Table(title="Observations", expand=True)
    values = observatory.counts()
    for name in values:
        counts.add_column(name.replace("_", " "))
    counts.add_row(*(str(v) for v in values.values()))
    return Group(telescopes, counts)
