"""The two timelines of the night: task runs per telescope, and the safety gates and interlocks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from astrotango.client.report.axes import WIDTH_IN, Span, empty_plot, new_figure, time_axis
from astrotango.client.report.rows import RUNNING, TaskRun, aware
from astrotango.client.report.sky import SiteInfo

__all__ = ["SafetySample", "constraints_figure", "gantt_figure", "telescope_rows"]


_OUTCOME_STYLE: dict[str, tuple[str, str]] = {
    "completed": ("#2ca02c", "completed"),
    "interrupted": ("#ff7f0e", "interrupted / re-queued"),
    "failed": ("#d62728", "failed"),
    "canceled": ("#8c8c8c", "canceled"),
    RUNNING: ("#1f77b4", "still running"),
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

_CHARS_PER_AXIS_IN = 12.0


@dataclass(frozen=True, slots=True)
class SafetySample:
    """The safety devices at one moment of the night (simulated time, UTC-aware)."""

    at: datetime
    gates: Mapping[str, str]
    """Constraint name (``clouds``) -> gate state (``OK``, ``BAD``, ``SETTLING``, ...)."""
    interlocks: Mapping[str, bool]
    """Interlock name (``rain``) -> whether it has fired."""


def telescope_rows(sites: Mapping[str, SiteInfo], runs: Iterable[TaskRun]) -> list[str]:
    """The Gantt rows: the sited telescopes, then any others the runs name."""
    extra = sorted({run.telescope for run in runs} - set(sites))
    return [*sites, *extra]


def _outcome_class(outcome: str) -> str:
    return outcome if outcome in _OUTCOME_STYLE else "interrupted"


def gantt_figure(runs: Sequence[TaskRun], telescopes: Sequence[str], span: Span) -> Figure:
    """Task runs per telescope, coloured by how each run ended."""
    figure = new_figure(1.6 + 0.5 * max(len(telescopes), 1))
    axes = figure.add_subplot()
    if not telescopes:
        empty_plot(axes, "no telescope", span)
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
    time_axis(axes, span)
    return figure


def _bar_label(axes: Axes, name: str, left: float, right: float, row: int, span: float) -> None:
    room = int((right - left) / span * WIDTH_IN * 0.8 * _CHARS_PER_AXIS_IN) if span > 0 else 0
    if room >= 4 and name:
        text = name if len(name) <= room else name[: room - 1] + "…"
        axes.text((left + right) / 2, row, text, ha="center", va="center", fontsize=7, clip_on=True)


def constraints_figure(samples: Sequence[SafetySample], span: Span) -> Figure:
    """Every gate and interlock over the night, as coloured bands."""
    ordered = sorted(samples, key=lambda s: aware(s.at))
    gates = sorted({name for s in ordered for name in s.gates})
    interlocks = sorted({name for s in ordered for name in s.interlocks})
    rows: list[tuple[str, Callable[[SafetySample], str | None]]] = [
        (f"gate: {name}", _gate_state(name)) for name in gates
    ] + [(f"interlock: {name}", _interlock_state(name)) for name in interlocks]
    figure = new_figure(1.6 + 0.4 * max(len(rows), 1))
    axes = figure.add_subplot()
    if not rows:
        empty_plot(axes, "no safety samples", span)
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
    time_axis(axes, span)
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
    span: Span,
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
