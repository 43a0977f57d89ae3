"""What every plot of the report shares: the night's span, figures on the Agg canvas, UTC ticks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from astrotango.client.report.rows import aware

__all__ = ["WIDTH_IN", "Span", "empty_plot", "new_figure", "save_png", "time_axis"]


_TICK_STEPS_H = (0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0)

_MAX_TICKS = 13

WIDTH_IN = 12.0

_DPI = 100


@dataclass(frozen=True, slots=True)
class Span:
    """The night shown on every time axis; x is hours since ``start``."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, start: datetime, end: datetime) -> Span:
        """The span between two instants (naive ones taken as UTC)."""
        return cls(aware(start).astimezone(UTC), aware(end).astimezone(UTC))

    @property
    def hours(self) -> float:
        """Its length, hours (at least a minute, so axes are never empty)."""
        return max(self.x(self.end), 1.0 / 60.0)

    def x(self, when: datetime) -> float:
        """Hours from ``start`` to ``when``."""
        return (aware(when) - self.start).total_seconds() / 3600.0

    def clip(self, start: datetime, end: datetime) -> tuple[float, float] | None:
        """``[start, end]`` in hours, clipped to the span; None if it lies outside."""
        left, right = max(self.x(start), 0.0), min(self.x(end), self.hours)
        return (left, right) if left <= right else None


def new_figure(height_in: float) -> Figure:
    """A figure ``height_in`` tall on its own Agg canvas (no pyplot state)."""
    figure = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_png(figure: Figure, path: Path) -> None:
    """Write ``figure`` to ``path`` as PNG."""
    figure.savefig(path, dpi=_DPI)


def empty_plot(axes: Axes, message: str, span: Span) -> None:
    """An axes that says ``message`` instead of data."""
    axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", va="center")
    axes.set_yticks([])
    time_axis(axes, span)


def time_axis(axes: Axes, span: Span) -> None:
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
