"""The night report: what happened during a (simulated) observatory night, as HTML and plots.

``write_night_report`` writes into one folder:

* ``gantt.png``: the task runs, one row per telescope, coloured by how each run ended;
* ``altitude.png``: the altitude of every observation's targets over the night, with its task
  runs drawn thicker on the track and twilight shaded, one panel per distinct site;
* ``constraints.png``: the safety gates and interlocks over the night, as coloured bands;
* ``night.html``: summary tables, the safety oracle's verdicts, each telescope's science
  efficiency (:mod:`astrotango.client.report.efficiency`), the three plots, the operator's
  notes and every task run;
* ``night.json``: ``{"observations": [...], "safety": [...] | null, "efficiency": [...]}``:
  the observation rows the report was made from, the safety oracle's verdicts
  (``SafetyVerdict.as_dict``; null when the night was not checked) and one efficiency per
  telescope given conditions (``Efficiency.as_dict``).

A *run* of a task lasts from its transition into ``running`` to its next transition out of it;
its outcome is the status it left ``running`` for (``pending`` means it was interrupted or
refused and re-queued), or ``running`` if it had not left it by the end of the night.

Plots are drawn on ``matplotlib.figure.Figure`` objects with the Agg canvas, never through
pyplot, so no global state is touched and the report may be written from any thread.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from astrotango.client.report.axes import Span, save_png
from astrotango.client.report.efficiency import Conditions, Efficiency, efficiencies
from astrotango.client.report.page import render_page
from astrotango.client.report.rows import TaskRun, task_runs
from astrotango.client.report.sky import SiteInfo, altitude_figure
from astrotango.client.report.timelines import (
    SafetySample,
    constraints_figure,
    gantt_figure,
    telescope_rows,
)
from astrotango.client.safety_oracle import SafetyVerdict

__all__ = [
    "Conditions",
    "Efficiency",
    "SafetySample",
    "SiteInfo",
    "TaskRun",
    "efficiencies",
    "task_runs",
    "write_night_report",
]


def write_night_report(
    folder: Path,
    rows: Sequence[Mapping[str, Any]],
    samples: Sequence[SafetySample],
    sites: Mapping[str, SiteInfo],
    start: datetime,
    end: datetime,
    notes: Sequence[tuple[datetime, str]] = (),
    safety: Sequence[SafetyVerdict] | None = None,
    efficiency: Sequence[Efficiency] = (),
) -> Path:
    """Write the night report into ``folder``.

    Args:
        folder: where to write; created if missing, existing report files are replaced.
        rows: one parsed ``GetObservation`` answer per observation.
        samples: the safety gates and interlocks over the night, in any order.
        sites: telescope device name (``astro/telescope/t1``) -> where it stands.
        start: the start of the span every time axis shows (UTC-aware).
        end: its end; runs still going then end here.
        notes: operator actions and events worth a line, as ``(when, text)``.
        safety: the safety oracle's verdicts, one per telescope; None if not checked.
        efficiency: each telescope's science efficiency (:func:`efficiencies`), if computed.

    Returns:
        The path of ``night.html``; ``gantt.png``, ``altitude.png``, ``constraints.png`` and
        ``night.json`` are written beside it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    runs = task_runs(rows, end)
    span = Span.of(start, end)
    save_png(gantt_figure(runs, telescope_rows(sites, runs), span), folder / "gantt.png")
    save_png(altitude_figure(rows, runs, sites, span), folder / "altitude.png")
    save_png(constraints_figure(samples, span), folder / "constraints.png")
    verdicts = None if safety is None else [v.as_dict() for v in safety]
    night = {
        "observations": [dict(r) for r in rows],
        "safety": verdicts,
        "efficiency": [e.as_dict() for e in efficiency],
    }
    (folder / "night.json").write_text(json.dumps(night, indent=2, default=str))
    page = folder / "night.html"
    page.write_text(
        render_page(rows, runs, notes, start, end, safety, efficiency), encoding="utf-8"
    )
    return page
