"""The HTML page of the night report."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from astrotango.client.report.efficiency import EFFICIENCY_HEADERS, Efficiency, efficiency_row
from astrotango.client.report.rows import TaskRun, as_dicts, as_text, aware, utc_stamp
from astrotango.client.safety_oracle import (
    VERDICT_HEADERS,
    SafetyVerdict,
    safety_title,
    verdict_notes,
    verdict_rows,
)
from astrotango.domain import (
    ObservationStatus,
)

__all__ = ["render_page"]


_CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
th { background: #eee; }
figure { margin: 1.5em 0; }
img { max-width: 100%; border: 1px solid #ccc; }
figcaption { font-style: italic; color: #555; }
"""


def render_page(
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[TaskRun],
    notes: Sequence[tuple[datetime, str]],
    start: datetime,
    end: datetime,
    safety: Sequence[SafetyVerdict] | None = None,
    efficiency: Sequence[Efficiency] = (),
) -> str:
    """The whole ``night.html``: tables, verdicts, efficiency, plots, notes and every run.

    The safety section is left out when ``safety`` is None (the night was not checked).
    """
    span = f"{utc_stamp(start)} to {utc_stamp(end)} UTC"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc('Night report ' + span)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Night report</h1><p>{_esc(span)}</p>",
        "<h2>Observations</h2>",
        _observations_table(rows, runs),
        "<h2>Observations per status</h2>",
        _status_table(rows),
        *([] if safety is None else _safety_section(safety)),
        *(_efficiency_section(efficiency) if efficiency else []),
        "<h2>Plots</h2>",
        _image("gantt.png", "Task runs per telescope, coloured by how each run ended."),
        _image(
            "altitude.png",
            "Altitude of each observation's targets; thick segments are its task runs, "
            "shading is where the Sun is above -18°.",
        ),
        _image("constraints.png", "Safety gates and interlocks over the night."),
        "<h2>Notes</h2>",
        _table(
            ("time (UTC)", "note"), [(utc_stamp(at), text) for at, text in _sorted_notes(notes)]
        ),
        "<h2>Task runs</h2>",
        _table(
            ("telescope", "observation", "task", "start (UTC)", "end (UTC)", "outcome"),
            [
                (
                    r.telescope,
                    r.observation_name,
                    r.task_id,
                    utc_stamp(r.start),
                    utc_stamp(r.end),
                    r.outcome,
                )
                for r in runs
            ],
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _observations_table(rows: Sequence[Mapping[str, Any]], runs: Sequence[TaskRun]) -> str:
    run_counts = Counter(run.observation_id for run in runs)
    body = []
    for row in rows:
        tasks = as_dicts(row.get("tasks"))
        done = sum(task.get("status") == "completed" for task in tasks)
        assets = row.get("assets")
        body.append(
            (
                as_text(row.get("name")),
                as_text(row.get("id")),
                as_text(row.get("owner")),
                as_text(row.get("queue")),
                as_text(row.get("status")),
                f"{done}/{len(tasks)}",
                str(len(assets) if isinstance(assets, list | tuple) else 0),
                str(run_counts[as_text(row.get("id"))]),
            )
        )
    headers = ("name", "id", "owner", "queue", "status", "tasks done", "assets", "runs")
    return _table(headers, body)


def _status_table(rows: Sequence[Mapping[str, Any]]) -> str:
    counts = Counter(as_text(row.get("status")) for row in rows)
    known = [s.value for s in ObservationStatus if s.value in counts]
    order = known + sorted(set(counts) - set(known))
    return _table(("status", "observations"), [(status, str(counts[status])) for status in order])


def _safety_section(verdicts: Sequence[SafetyVerdict]) -> list[str]:
    """The oracle's table, then one line per failed shutdown or unchecked item."""
    parts = [
        "<h2>Safety</h2>",
        f"<p>{_esc(safety_title(verdicts))}. Simulated seconds each telescope was open or "
        "unparked while an interlock covering it had fired, with the sun above its limit, or "
        "with a safing gate bad, beyond the allowance; and SafeShutdowns that did not make "
        "it safe.</p>",
        _table(VERDICT_HEADERS, verdict_rows(verdicts)),
    ]
    notes = verdict_notes(verdicts)
    if notes:
        parts.append("<ul>" + "".join(f"<li>{_esc(note)}</li>" for note in notes) + "</ul>")
    return parts


def _efficiency_section(efficiency: Sequence[Efficiency]) -> list[str]:
    return [
        "<h2>Science efficiency</h2>",
        "<p>Observable: the research policy's gates OK and no interlock fired. Idle with work: "
        "observable, nothing running, a task once planned there waiting (and why).</p>",
        _table(
            EFFICIENCY_HEADERS,
            (efficiency_row(e) for e in efficiency),
        ),
    ]


def _image(source: str, caption: str) -> str:
    return (
        f'<figure><img src="{_esc(source)}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _table(headers: Sequence[str], body: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    lines = ["<tr>" + "".join(f"<td>{_esc(cell)}</td>" for cell in row) + "</tr>" for row in body]
    if not lines:
        lines = [f'<tr><td colspan="{len(headers)}">none</td></tr>']
    return "\n".join([f"<table><thead><tr>{head}</tr></thead><tbody>", *lines, "</tbody></table>"])


def _sorted_notes(notes: Sequence[tuple[datetime, str]]) -> list[tuple[datetime, str]]:
    return sorted(notes, key=lambda note: aware(note[0]))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
