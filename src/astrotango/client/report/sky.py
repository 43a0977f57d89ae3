"""The altitude plot: every target's track over the night at each site, with its runs on it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body, get_sun
from astropy.time import Time
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import astrotango.astro  # noqa: F401  (configures astropy offline before any ephemeris)
from astrotango.client.report.axes import Span, empty_plot, new_figure, time_axis
from astrotango.client.report.rows import TaskRun, as_dicts, as_mapping, as_text
from astrotango.domain import (
    AltAzTarget,
    DomainError,
    GalacticTarget,
    IcrsTarget,
    SolarSystemTarget,
    parse_observation,
    parse_task_id,
)
from astrotango.domain.expansion import icrs_center

__all__ = ["SiteInfo", "altitude_figure"]


_SkyTarget = IcrsTarget | GalacticTarget | SolarSystemTarget | AltAzTarget

_LINE_STYLES = ("-", "--", ":", "-.")

_TWILIGHT_DEG = -18.0

_GRID_STEP_S = 300.0

_MAX_GRID_POINTS = 289


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """Where a telescope stands."""

    name: str
    latitude_deg: float
    longitude_deg: float
    elevation_m: float


@dataclass(frozen=True, slots=True)
class _Track:
    """One distinct target of one observation, and the requests that point at it."""

    observation_id: str
    label: str
    target: _SkyTarget
    requests: frozenset[int]


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
        _Track(as_text(row.get("id")), f"{name}: {target.label}", target, frozenset(indices))
        for target, indices in found.values()
    ]


def _request_indices(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    indices: dict[str, int] = {}
    for row in rows:
        for task in as_dicts(row.get("tasks")):
            index = task.get("request_index")
            if isinstance(index, int):
                indices[str(task.get("id"))] = index
        for task_id in as_mapping(row.get("task_history")):
            if task_id not in indices:
                with contextlib.suppress(ValueError):
                    indices[task_id] = parse_task_id(task_id)[1].request
    return indices


def _time_grid(span: Span) -> list[datetime]:
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


def altitude_figure(
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[TaskRun],
    sites: Mapping[str, SiteInfo],
    span: Span,
) -> Figure:
    """Altitude tracks per site, with each observation's runs drawn thick on them."""
    groups = _site_groups(sites)
    tracks = [track for row in rows for track in _tracks(row)]
    figure = new_figure(4.5 * max(len(groups), 1))
    if not groups:
        empty_plot(figure.add_subplot(), "no telescope site given", span)
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
        time_axis(axes, span)
        if number == 0 and tracks:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    return figure


def _plot_site(
    axes: Axes,
    site: SiteInfo,
    tracks: Sequence[_Track],
    runs: Sequence[TaskRun],
    requests: Mapping[str, int],
    span: Span,
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
