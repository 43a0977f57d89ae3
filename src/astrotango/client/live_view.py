"""One frame of the live terminal view of an observatory (``astrotango watch``).

Telescopes with their current task and a progress bar, the gate of every operational
constraint and the state of every shutdown interlock, and the observations per status.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from astrotango.client.observatory import Observatory, SafetyView

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
_GATE_STYLE = {"OK": "green", "SETTLING": "yellow", "BAD": "bold red", "INACTIVE": "dim"}


def render_safety(view: SafetyView) -> Text:
    """One line of constraint gates, one of interlocks, coloured by state."""
    line = Text("Constraints: ", style="bold")
    for name, state in view.gates.items():
        line.append(f"{name} ", style="white")
        line.append(f"{state}  ", style=_GATE_STYLE.get(state, "bright_black"))
    line.append("\nInterlocks:  ", style="bold")
    for name, trigger in view.triggers.items():
        fired = view.interlocks.get(name, False)
        line.append(f"{name} ", style="white")
        line.append("FIRED" if fired else "armed", style="bold white on red" if fired else "green")
        line.append(f" (trigger {trigger})  ", style="bright_black")
    return line


def render_frame(
    observatory: Observatory,
    safety: SafetyView | None = None,
    notes: Sequence[str] = (),
) -> Group:
    """Telescopes (state, task, progress bar), safety, observation counts, recent notes."""
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
    parts: list[Table | Text] = [telescopes, render_safety(safety or observatory.safety()), counts]
    parts += [Text(note, style="cyan") for note in notes[-3:]]
    return Group(*parts)
