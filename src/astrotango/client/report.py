"""The night report: what happened during a (simulated) observatory night, as HTML and plots.

``write_night_report`` writes into one folder:

* ``gantt.png``: the task runs, one row per telescope, coloured by how each run ended;
* ``altitude.png``: the altitude of every observation's targets over the night, with its task
  runs drawn thicker on the track and twilight shaded, one panel per distinct site;
* ``constraints.png``: the safety gates and interlocks over the night, as coloured bands;
* ``night.html``: summary tables, the three plots, the operator's notes and every task run;
* ``night.json``: the observation rows the report was made from.

A *run* of a task lasts from its transition into ``running`` to its next transition out of it;
its outcome is the status it left ``running`` for (``pending`` means it was interrupted or
refused and re-queued), or ``running`` if it had not left it by the end of the night.

Plots are drawn on ``matplotlib.figure.Figure`` objects with the Agg canvas, never through
pyplot, so no global state is touched and the report may be written from any thread.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body, get_sun
from astropy.time import Time
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

import astrotango.astro  # noqa: F401  (configures astropy offline before any ephemeris)
from astrotango.domain import (
    AltAzTarget,
    DomainError,
    GalacticTarget,
    IcrsTarget,
    ObservationStatus,
    SolarSystemTarget,
    parse_observation,
    parse_task_id,
)
from astrotango.domain.expansion import icrs_center

__all__ = ["SafetySample", "SiteInfo", "TaskRun", "task_runs", "write_night_report"]

#: The outcome of a run whose task was still running at the end of the night.
_RUNNING = "running"
#: The telescope of a run whose task was never assigned to one.
_UNASSIGNED = "(unassigned)"

_SkyTarget = IcrsTarget | GalacticTarget | SolarSystemTarget | AltAzTarget

_OUTCOME_STYLE: dict[str, tuple[str, str]] = {
    "completed": ("#2ca02c", "completed"),
    "interrupted": ("#ff7f0e", "interrupted / re-queued"),
    "failed": ("#d62728", "failed"),
    "canceled": ("#8c8c8c", "canceled"),
    _RUNNING: ("#1f77b4", "still running"),
}
_GATE_COLOURS = {
    "OK": "#2ca02c",
    "SETTLING": "#f2d600",
    "BAD": "#d62728",
    "NO_DATA": "#8c8c8c",
    "STALE": "#8c8c8c",
    "INACTIVE": "#dddddd",
    "FIRED": "#d62728",
    "CLEAR": "#2ca02c",
}
_STATE_LEGEND = (
    ("#2ca02c", "gate OK / interlock not fired"),
    ("#f2d600", "gate SETTLING"),
    ("#d62728", "gate BAD / interlock fired"),
    ("#8c8c8c", "gate NO_DATA or STALE"),
    ("#dddddd", "gate INACTIVE"),
)
_TICK_STEPS_H = (0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0)
_MAX_TICKS = 13
_LINE_STYLES = ("-", "--", ":", "-.")
_TWILIGHT_DEG = -18.0
_GRID_STEP_S = 300.0
_MAX_GRID_POINTS = 289
_WIDTH_IN = 12.0
_CHARS_PER_AXIS_IN = 12.0
_DPI = 100

_CSS = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
th { background: #eee; }
figure { margin: 1.5em 0; }
img { max-width: 100%; border: 1px solid #ccc; }
figcaption { font-style: italic; color: #555; }
"""


@dataclass(frozen=True, slots=True)
class SafetySample:
    """The safety devices at one moment of the night (simulated time, UTC-aware)."""

    at: datetime
    gates: Mapping[str, str]
    """Constraint name (``clouds``) -> gate state (``OK``, ``BAD``, ``SETTLING``, ...)."""
    interlocks: Mapping[str, bool]
    """Interlock name (``rain``) -> whether it has fired."""


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """Where a telescope stands."""

    name: str
    latitude_deg: float
    longitude_deg: float
    elevation_m: float


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One execution of a task: from its transition into ``running`` to the next one out."""

    telescope: str
    observation_id: str
    observation_name: str
    task_id: str
    start: datetime
    end: datetime
    outcome: str
    """The status the task left ``running`` for, or ``running`` if still running at the end."""


@dataclass(frozen=True, slots=True)
class _Track:
    """One distinct target of one observation, and the requests that point at it."""

    observation_id: str
    label: str
    target: _SkyTarget
    requests: frozenset[int]


@dataclass(frozen=True, slots=True)
class _Span:
    """The night shown on every time axis; x is hours since ``start``."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, start: datetime, end: datetime) -> _Span:
        """The span between two instants (naive ones taken as UTC)."""
        return cls(_aware(start).astimezone(UTC), _aware(end).astimezone(UTC))

    @property
    def hours(self) -> float:
        """Its length, hours (at least a minute, so axes are never empty)."""
        return max(self.x(self.end), 1.0 / 60.0)

    def x(self, when: datetime) -> float:
        """Hours from ``start`` to ``when``."""
        return (_aware(when) - self.start).total_seconds() / 3600.0

    def clip(self, start: datetime, end: datetime) -> tuple[float, float] | None:
        """``[start, end]`` in hours, clipped to the span; None if it lies outside."""
        left, right = max(self.x(start), 0.0), min(self.x(end), self.hours)
        return (left, right) if left <= right else None


def write_night_report(
    folder: Path,
    rows: Sequence[Mapping[str, Any]],
    samples: Sequence[SafetySample],
    sites: Mapping[str, SiteInfo],
    start: datetime,
    end: datetime,
    notes: Sequence[tuple[datetime, str]] = (),
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

    Returns:
        The path of ``night.html``; ``gantt.png``, ``altitude.png``, ``constraints.png`` and
        ``night.json`` are written beside it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    runs = task_runs(rows, end)
    span = _Span.of(start, end)
    _save(_gantt_figure(runs, _telescopes(sites, runs), span), folder / "gantt.png")
    _save(_altitude_figure(rows, runs, sites, span), folder / "altitude.png")
    _save(_constraints_figure(samples, span), folder / "constraints.png")
    (folder / "night.json").write_text(json.dumps([dict(r) for r in rows], indent=2, default=str))
    page = folder / "night.html"
    page.write_text(_html(rows, runs, notes, start, end), encoding="utf-8")
    return page


# --- task runs -------------------------------------------------------------------------------


def task_runs(rows: Sequence[Mapping[str, Any]], end: datetime) -> list[TaskRun]:
    """Every run of every task in ``rows``, ordered by start.

    Args:
        rows: parsed ``GetObservation`` answers (``task_history``, ``assignment_history`` and
            ``tasks`` are read; malformed entries are skipped).
        end: the end of the night: a task still running then has a run ending here.

    Returns:
        The runs; a run's telescope is the ``to_telescope`` of the task's latest reassignment
        at or before the run's start, else the task's ``telescope`` field.
    """
    runs = [run for row in rows for run in _row_runs(row, end)]
    return sorted(runs, key=lambda r: (r.start, r.telescope, r.task_id))


def _row_runs(row: Mapping[str, Any], end: datetime) -> list[TaskRun]:
    observation_id = _text(row.get("id"))
    name = _text(row.get("name"))
    fallback = {str(t.get("id")): t.get("telescope") for t in _dicts(row.get("tasks"))}
    assignments = _mapping(row.get("assignment_history"))
    runs = []
    for task, transitions in _mapping(row.get("task_history")).items():
        for t0, t1, outcome in _running_intervals(_dicts(transitions), end):
            telescope = _telescope_at(_dicts(assignments.get(task)), t0) or fallback.get(task)
            runs.append(
                TaskRun(
                    str(telescope or _UNASSIGNED),
                    observation_id,
                    name,
                    str(task),
                    t0,
                    t1,
                    outcome,
                )
            )
    return runs


def _running_intervals(
    transitions: Iterable[Mapping[str, Any]], end: datetime
) -> list[tuple[datetime, datetime, str]]:
    intervals = []
    since: datetime | None = None
    for at, transition in _by_time(transitions):
        status = str(transition.get("to_status"))
        if since is None and status == _RUNNING:
            since = at
        elif since is not None and status != _RUNNING:
            intervals.append((since, at, status))
            since = None
    if since is not None:
        intervals.append((since, max(since, _aware(end)), _RUNNING))
    return intervals


def _telescope_at(assignments: Iterable[Mapping[str, Any]], when: datetime) -> str | None:
    telescope = None
    for at, change in _by_time(assignments):
        if at > when:
            break
        telescope = change.get("to_telescope")
    return None if telescope is None else str(telescope)


def _by_time(
    entries: Iterable[Mapping[str, Any]],
) -> list[tuple[datetime, Mapping[str, Any]]]:
    timed = [(at, e) for e in entries if (at := _instant(e.get("at"))) is not None]
    return sorted(timed, key=lambda pair: pair[0])


def _telescopes(sites: Mapping[str, SiteInfo], runs: Iterable[TaskRun]) -> list[str]:
    extra = sorted({run.telescope for run in runs} - set(sites))
    return [*sites, *extra]


# --- targets and altitudes -------------------------------------------------------------------


def _tracks(row: Mapping[str, Any]) -> list[_Track]:
    document = row.get("document")
    if not isinstance(document, str | bytes | Mapping):
        return []
    try:
        observation = parse_observation(document)
    except (DomainError, TypeError, ValueError):
        return []
    found: dict[str, tuple[_SkyTarget, set[int]]] = {}
    for index, request in enumerate(observation.requests):
        target = request.target
        if target is not None:
            found.setdefault(target.model_dump_json(), (target, set()))[1].add(index)
    name = str(row.get("name") or observation.name)
    return [
        _Track(_text(row.get("id")), f"{name}: {target.label}", target, frozenset(indices))
        for target, indices in found.values()
    ]


def _request_indices(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    indices: dict[str, int] = {}
    for row in rows:
        for task in _dicts(row.get("tasks")):
            index = task.get("request_index")
            if isinstance(index, int):
                indices[str(task.get("id"))] = index
        for task_id in _mapping(row.get("task_history")):
            if task_id not in indices:
                with contextlib.suppress(ValueError):
                    indices[task_id] = parse_task_id(task_id)[1].request
    return indices


def _time_grid(span: _Span) -> list[datetime]:
    span_s = span.hours * 3600.0
    steps = int(min(max(span_s / _GRID_STEP_S, 12), _MAX_GRID_POINTS - 1))
    return [span.start + timedelta(seconds=span_s * i / steps) for i in range(steps + 1)]


def _altitudes(target: _SkyTarget, times: Time, frame: AltAz) -> np.ndarray:
    if isinstance(target, AltAzTarget):
        return np.full(len(times), target.alt_deg)
    if isinstance(target, SolarSystemTarget):
        coord = get_body(target.body.value, times, frame.location)
    else:
        centre = icrs_center(target)
        coord = SkyCoord(ra=centre.ra_deg * units.deg, dec=centre.dec_deg * units.deg)
    return np.asarray(coord.transform_to(frame).alt.deg, dtype=np.float64)


def _site_groups(sites: Mapping[str, SiteInfo]) -> list[tuple[SiteInfo, set[str]]]:
    groups: dict[tuple[float, float, float], tuple[SiteInfo, set[str]]] = {}
    for telescope, site in sites.items():
        key = (site.latitude_deg, site.longitude_deg, site.elevation_m)
        groups.setdefault(key, (site, set()))[1].add(telescope)
    return list(groups.values())


def _altitude_figure(
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[TaskRun],
    sites: Mapping[str, SiteInfo],
    span: _Span,
) -> Figure:
    groups = _site_groups(sites)
    tracks = [track for row in rows for track in _tracks(row)]
    figure = _figure(4.5 * max(len(groups), 1))
    if not groups:
        _empty(figure.add_subplot(), "no telescope site given", span)
        return figure
    requests = _request_indices(rows)
    known = set(sites)
    for number, (site, telescopes) in enumerate(groups):
        axes = figure.add_subplot(len(groups), 1, number + 1)
        shown = [
            r
            for r in runs
            if r.telescope in telescopes or (number == 0 and r.telescope not in known)
        ]
        _plot_site(axes, site, tracks, shown, requests, span)
        _time_axis(axes, span)
        if number == 0 and tracks:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return figure


def _plot_site(
    axes: Axes,
    site: SiteInfo,
    tracks: Sequence[_Track],
    runs: Sequence[TaskRun],
    requests: Mapping[str, int],
    span: _Span,
) -> None:
    location = EarthLocation(
        lat=site.latitude_deg * units.deg,
        lon=site.longitude_deg * units.deg,
        height=site.elevation_m * units.m,
    )
    grid = _time_grid(span)
    times = Time([t.replace(tzinfo=None) for t in grid], scale="utc")
    frame = AltAz(obstime=times, location=location)
    x = np.array([span.x(t) for t in grid])
    sun = np.asarray(get_sun(times).transform_to(frame).alt.deg, dtype=np.float64)
    axes.fill_between(
        x, 0, 90, where=sun > _TWILIGHT_DEG, color="#cfd8e6", linewidth=0, label="Sun above -18°"
    )
    for number, track in enumerate(tracks):
        altitude = _altitudes(track.target, times, frame)
        colour, style = _track_style(number)
        axes.plot(x, altitude, linewidth=1.0, color=colour, linestyle=style, label=track.label)
        for run in runs:
            if run.observation_id == track.observation_id and (
                requests.get(run.task_id) in track.requests or run.task_id not in requests
            ):
                _overlay_run(axes, x, altitude, span.clip(run.start, run.end), colour)
    axes.set_ylim(0, 90)
    axes.set_ylabel("altitude (deg)")
    axes.set_title(
        f"{site.name} ({site.latitude_deg:.3f}°, {site.longitude_deg:.3f}°, "
        f"{site.elevation_m:.0f} m)",
        fontsize=9,
    )


def _track_style(number: int) -> tuple[tuple[float, float, float, float], str]:
    """A colour of ``tab20`` (dark shades first) and, past 20 tracks, another line style."""
    index = (2 * number) % 20 + (number // 10) % 2
    return colormaps["tab20"](index), _LINE_STYLES[(number // 20) % len(_LINE_STYLES)]


def _overlay_run(
    axes: Axes,
    x: np.ndarray,
    altitude: np.ndarray,
    hours: tuple[float, float] | None,
    colour: tuple[float, float, float, float],
) -> None:
    if hours is None:
        return
    left, right = hours
    inside = x[(x > left) & (x < right)]
    xs = np.concatenate(([left], inside, [right]))
    axes.plot(xs, np.interp(xs, x, altitude), linewidth=4.0, color=colour, solid_capstyle="butt")


# --- gantt -----------------------------------------------------------------------------------


def _outcome_class(outcome: str) -> str:
    return outcome if outcome in _OUTCOME_STYLE else "interrupted"


def _gantt_figure(runs: Sequence[TaskRun], telescopes: Sequence[str], span: _Span) -> Figure:
    figure = _figure(1.6 + 0.5 * max(len(telescopes), 1))
    axes = figure.add_subplot()
    if not telescopes:
        _empty(axes, "no telescope", span)
        return figure
    row_of = {name: index for index, name in enumerate(telescopes)}
    for run in runs:
        hours = span.clip(run.start, run.end)
        if hours is None:
            continue
        left, right = hours
        colour = _OUTCOME_STYLE[_outcome_class(run.outcome)][0]
        row = row_of[run.telescope]
        axes.barh(
            row, right - left, left=left, height=0.6, color=colour, edgecolor="k", linewidth=0.3
        )
        _bar_label(axes, run.observation_name, left, right, row, span.hours)
    axes.set_yticks(range(len(telescopes)), list(telescopes), fontsize=8)
    axes.set_ylim(len(telescopes) - 0.5, -0.5)
    handles = [Patch(color=colour, label=label) for colour, label in _OUTCOME_STYLE.values()]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    axes.set_title("Task runs per telescope", fontsize=10)
    _time_axis(axes, span)
    return figure


def _bar_label(axes: Axes, name: str, left: float, right: float, row: int, span: float) -> None:
    room = int((right - left) / span * _WIDTH_IN * 0.8 * _CHARS_PER_AXIS_IN) if span > 0 else 0
    if room >= 4 and name:
        text = name if len(name) <= room else name[: room - 1] + "…"
        axes.text((left + right) / 2, row, text, ha="center", va="center", fontsize=7, clip_on=True)


# --- constraints -----------------------------------------------------------------------------


def _constraints_figure(samples: Sequence[SafetySample], span: _Span) -> Figure:
    ordered = sorted(samples, key=lambda s: _aware(s.at))
    gates = sorted({name for s in ordered for name in s.gates})
    interlocks = sorted({name for s in ordered for name in s.interlocks})
    rows: list[tuple[str, Callable[[SafetySample], str | None]]] = [
        (f"gate: {name}", _gate_state(name)) for name in gates
    ] + [(f"interlock: {name}", _interlock_state(name)) for name in interlocks]
    figure = _figure(1.6 + 0.4 * max(len(rows), 1))
    axes = figure.add_subplot()
    if not rows:
        _empty(axes, "no safety samples", span)
        return figure
    for index, (_, state_of) in enumerate(rows):
        for left, right, state in _bands(ordered, state_of, span):
            colour = _GATE_COLOURS.get(state, "#8c8c8c")
            axes.barh(index, right - left, left=left, height=0.7, color=colour, linewidth=0)
    axes.set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    handles = [Patch(color=colour, label=label) for colour, label in _STATE_LEGEND]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    axes.set_title("Safety gates and interlocks", fontsize=10)
    _time_axis(axes, span)
    return figure


def _gate_state(name: str) -> Callable[[SafetySample], str | None]:
    def state(sample: SafetySample) -> str | None:
        value = sample.gates.get(name)
        return None if value is None else str(value).upper()

    return state


def _interlock_state(name: str) -> Callable[[SafetySample], str | None]:
    def state(sample: SafetySample) -> str | None:
        value = sample.interlocks.get(name)
        return None if value is None else ("FIRED" if value else "CLEAR")

    return state


def _bands(
    samples: Sequence[SafetySample],
    state_of: Callable[[SafetySample], str | None],
    span: _Span,
) -> list[tuple[float, float, str]]:
    """Merged ``(left, right, state)`` bands, in hours, clipped to the span."""
    bands: list[tuple[float, float, str]] = []
    for index, sample in enumerate(samples):
        state = state_of(sample)
        until = samples[index + 1].at if index + 1 < len(samples) else span.end
        hours = span.clip(sample.at, until)
        if state is None or hours is None or hours[0] == hours[1]:
            continue
        left, right = hours
        if bands and bands[-1][2] == state and bands[-1][1] >= left:
            bands[-1] = (bands[-1][0], right, state)
        else:
            bands.append((left, right, state))
    return bands


# --- HTML ------------------------------------------------------------------------------------


def _html(
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[TaskRun],
    notes: Sequence[tuple[datetime, str]],
    start: datetime,
    end: datetime,
) -> str:
    span = f"{_when(start)} to {_when(end)} UTC"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc('Night report ' + span)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Night report</h1><p>{_esc(span)}</p>",
        "<h2>Observations</h2>",
        _observations_table(rows, runs),
        "<h2>Observations per status</h2>",
        _status_table(rows),
        "<h2>Plots</h2>",
        _image("gantt.png", "Task runs per telescope, coloured by how each run ended."),
        _image(
            "altitude.png",
            "Altitude of each observation's targets; thick segments are its task runs, "
            "shading is where the Sun is above -18°.",
        ),
        _image("constraints.png", "Safety gates and interlocks over the night."),
        "<h2>Notes</h2>",
        _table(("time (UTC)", "note"), [(_when(at), text) for at, text in _sorted_notes(notes)]),
        "<h2>Task runs</h2>",
        _table(
            ("telescope", "observation", "task", "start (UTC)", "end (UTC)", "outcome"),
            [
                (
                    r.telescope,
                    r.observation_name,
                    r.task_id,
                    _when(r.start),
                    _when(r.end),
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
        tasks = _dicts(row.get("tasks"))
        done = sum(task.get("status") == "completed" for task in tasks)
        assets = row.get("assets")
        body.append(
            (
                _text(row.get("name")),
                _text(row.get("id")),
                _text(row.get("owner")),
                _text(row.get("queue")),
                _text(row.get("status")),
                f"{done}/{len(tasks)}",
                str(len(assets) if isinstance(assets, list | tuple) else 0),
                str(run_counts[_text(row.get("id"))]),
            )
        )
    headers = ("name", "id", "owner", "queue", "status", "tasks done", "assets", "runs")
    return _table(headers, body)


def _status_table(rows: Sequence[Mapping[str, Any]]) -> str:
    counts = Counter(_text(row.get("status")) for row in rows)
    known = [s.value for s in ObservationStatus if s.value in counts]
    order = known + sorted(set(counts) - set(known))
    return _table(("status", "observations"), [(status, str(counts[status])) for status in order])


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
    return sorted(notes, key=lambda note: _aware(note[0]))


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# --- small helpers ---------------------------------------------------------------------------


def _figure(height_in: float) -> Figure:
    figure = Figure(figsize=(_WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=_DPI)


def _empty(axes: Axes, message: str, span: _Span) -> None:
    axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center")
    axes.set_yticks([])
    _time_axis(axes, span)


def _time_axis(axes: Axes, span: _Span) -> None:
    """Ticks on round UTC times (every 15 min to every day, at most ``_MAX_TICKS``)."""
    hours = span.hours
    step = next((s for s in _TICK_STEPS_H if hours / s < _MAX_TICKS), _TICK_STEPS_H[-1])
    midnight = span.start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = span.x(midnight)  # <= 0
    first = math.ceil(-offset / step)
    ticks = [offset + k * step for k in range(first, first + _MAX_TICKS * 8)]
    ticks = [t for t in ticks if t <= hours + 1e-9]
    fmt = "%H:%M" if hours <= 24 else "%m-%d %H:%M"
    labels = [(span.start + timedelta(hours=t)).strftime(fmt) for t in ticks]
    axes.set_xticks(ticks, labels, fontsize=8)
    axes.set_xlim(0.0, hours)
    axes.set_xlabel(f"UTC, {span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M}")
    axes.grid(axis="x", linewidth=0.3, color="#999999")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _when(when: datetime) -> str:
    return _aware(when).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _instant(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, str):
        try:
            return _aware(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _dicts(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]
