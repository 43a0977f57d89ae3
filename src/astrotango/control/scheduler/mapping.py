"""Stored tasks and configured telescopes to the scheduler's neutral models.

Pointing rules: sidereal targets (ICRS, galactic) plan at their ICRS position; a solar-system
body at its position at the horizon start (it moves a fraction of a degree in a night); a
fixed alt/az position and an untargeted calibration (bias, dark, flat) are always "up" by
definition, so they plan at the celestial pole above the site, which never sets.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from astrotango.domain import (
    AssignmentMode,
    CalibrationKind,
    CalibrationRequest,
    OpticalImagingRequest,
    Request,
    RequestType,
    TaskSpec,
    fixed_time_of,
    sync_group_id,
)
from astrotango.domain.expansion import icrs_center
from astrotango.domain.targets import GalacticTarget, IcrsTarget, SolarSystemTarget
from astrotango.scheduling import SchedulableTask, Site, TaskConstraints, Telescope
from astrotango.scheduling.task_constraints import TWILIGHT_BAND_DEG

__all__ = [
    "horizon_limits",
    "planning_group",
    "request_needs",
    "schedulable_tasks",
    "sun_band",
    "telescopes_from_json",
]

_RADIO = {RequestType.RADIO_TRACKING, RequestType.RADIO_MAPPING}
_KINDS = ("optical", "radio")


def request_needs(request: Request) -> tuple[str, frozenset[str]]:
    """The capability (``optical``/``radio``) and features (``filter:r``) a request needs."""
    frequency = None if isinstance(request, OpticalImagingRequest) else request.frequency_ghz
    if RequestType(request.type) in _RADIO or frequency is not None:
        return "radio", frozenset()
    exposures = request.exposures if isinstance(request, OpticalImagingRequest) else ()
    return "optical", frozenset(f"filter:{e.filter}" for e in exposures if e.filter)


def _capability(spec: TaskSpec) -> str:
    return request_needs(spec.request)[0]


def _pointing(spec: TaskSpec, at: datetime, site_lat_deg: float) -> tuple[float, float]:
    target = spec.target
    if isinstance(target, IcrsTarget | GalacticTarget):
        centre = icrs_center(target)
        return centre.ra_deg, centre.dec_deg
    if isinstance(target, SolarSystemTarget):
        from astropy.coordinates import get_body
        from astropy.time import Time

        import astrotango.astro  # noqa: F401 - offline astropy first

        # The geocentric (GCRS, ICRS-aligned) direction: ``.icrs`` would be the barycentric
        # direction, off by the parallax (degrees for the planets, the whole sky for the moon).
        body = get_body(target.body.value, Time(at))
        return float(body.ra.deg) % 360.0, float(body.dec.deg)
    return 0.0, 89.9 if site_lat_deg >= 0 else -89.9


def sun_band(spec: TaskSpec) -> tuple[float, float] | None:
    """The sun's altitude band a sky flat needs (its ``twilight``, civil by default).

    Twilight for a science request means "at least this dark"; for a sky flat it names the
    twilight to take it in (a flat with the sun at -35° sees no sky). Bias, darks and dome
    flats have no sun limit unless they set one.
    """
    request = spec.request
    if not isinstance(request, CalibrationRequest) or request.kind is not CalibrationKind.SKY_FLAT:
        return None
    twilight = request.constraints.twilight
    return TWILIGHT_BAND_DEG[twilight.value if twilight else "civil"]


def planning_group(spec: TaskSpec) -> str | None:
    """The key planning a task together with its copies.

    ``parallel_synchronized`` copies are a sync group (they start together, all or none);
    ``parallel`` copies are planned the same way, so that they run at the same time on
    distinct telescopes (mission: "tasks on ``instruments`` telescopes at the same time"),
    though dispatch starts each on its own.
    """
    if spec.sync_group is not None:
        return spec.sync_group
    if spec.assignment_mode is AssignmentMode.PARALLEL and spec.request.instruments > 1:
        return sync_group_id(spec.observation_id, spec.position).removesuffix("-sync") + "-par"
    return None


def _group_size(spec: TaskSpec, group: str | None, in_pool: Counter[str]) -> int:
    """How many members the task's group must have for the planner to place it.

    A sync group needs every member (one left alone is never planned); parallel copies are
    independent, so those still to do are planned together.
    """
    if spec.sync_group is not None:
        return spec.request.instruments
    return in_pool[group] if group else 1


def schedulable_tasks(
    specs: Sequence[TaskSpec],
    *,
    at: datetime,
    site_lat_deg: float,
    fov_deg: float,
    windows: Mapping[str, tuple[datetime, datetime]] | None = None,
    eligible_from: Mapping[str, datetime] | None = None,
    horizon_deg: Mapping[str, float] | None = None,
    queues: Mapping[str, str] | None = None,
) -> list[SchedulableTask]:
    """Map pending tasks onto :class:`SchedulableTask` (groups sized from ``specs``).

    A ``fixed_time`` request's tasks carry its start and tolerance; ``parallel`` and
    ``parallel_synchronized`` copies are planned as one group (see :func:`planning_group`).

    ``windows`` (task id -> window) and ``eligible_from`` (task id -> cadence eligibility)
    carry what the store knows beyond the immutable spec: a monitoring series moves both.
    ``horizon_deg`` (capability -> the highest mount horizon limit among the telescopes with
    it) raises each task's minimum altitude, so no plan sends a telescope below its limit.
    ``queues`` (task id -> its observation's queue) lets a telescope closed to a queue refuse
    that queue's tasks only.
    """
    horizon_deg = horizon_deg or {}
    queues = queues or {}
    windows = windows or {}
    eligible_from = eligible_from or {}
    groups = [planning_group(s) for s in specs]
    group_sizes = Counter(g for g in groups if g)
    tasks = []
    for spec, group in zip(specs, groups, strict=True):
        window = windows.get(spec.id, (spec.window.start, spec.window.end))
        fixed_start, tolerance_s = fixed_time_of(spec, window[0]) or (None, 0.0)
        ra_deg, dec_deg = _pointing(spec, at, site_lat_deg)
        c = spec.constraints
        tiled = isinstance(spec.request, OpticalImagingRequest) and spec.request.field is not None
        capability, features = request_needs(spec.request)
        tasks.append(
            SchedulableTask(
                id=spec.id,
                ra_deg=ra_deg,
                dec_deg=dec_deg,
                duration_s=spec.duration_s,
                priority=float(spec.priority),
                queue=queues.get(spec.id, ""),
                constraints=TaskConstraints(
                    max_airmass=c.max_airmass,
                    min_altitude_deg=max(
                        c.min_altitude_deg or 0.0, horizon_deg.get(_capability(spec), 0.0)
                    ),
                    min_moon_separation_deg=c.min_moon_separation_deg or 0.0,
                    max_moon_illumination=(
                        1.0 if c.max_moon_illumination is None else c.max_moon_illumination
                    ),
                    twilight=c.twilight.value if c.twilight else "none",
                    sun_band_deg=sun_band(spec),
                ),
                time_window=window,
                cadence_next_eligible=eligible_from.get(spec.id),
                fixed_start=fixed_start,
                start_tolerance_s=tolerance_s,
                required_capability=capability,
                fov_need_deg=(spec.tile_fov_deg or fov_deg) if tiled else 0.0,
                required_features=features,
                sync_group=group,
                sync_size=_group_size(spec, group, group_sizes),
            )
        )
    return tasks


def horizon_limits(telescopes: Sequence[Telescope]) -> dict[str, float]:
    """Per capability (``optical``, ``radio``), the highest horizon limit of its telescopes.

    Conservative where telescopes differ: a task is planned only where every telescope that
    could take it may point.
    """
    limits: dict[str, float] = {}
    for tel in telescopes:
        for capability in tel.capabilities & set(_KINDS):
            limits[capability] = max(limits.get(capability, 0.0), tel.min_altitude_deg)
    return limits


def telescopes_from_json(text: str) -> tuple[Telescope, ...]:
    """Parse the Scheduler's ``Telescopes`` property.

    Each entry: ``{"id", "lat_deg", "lon_deg", "elevation_m", "capabilities": [...],
    "fov_deg", "filters": [...], "min_altitude_deg"}``; ``id`` is the telescope's Tango device
    name, ``min_altitude_deg`` its mount's horizon limit.

    Raises:
        ValueError: naming the entry and field that is wrong.
    """
    try:
        entries: Any = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"Telescopes: not valid JSON ({exc})") from exc
    if not isinstance(entries, list) or not entries:
        raise ValueError("Telescopes: expected a non-empty JSON list")
    telescopes = []
    for i, entry in enumerate(entries):
        try:
            telescopes.append(
                Telescope(
                    id=str(entry["id"]),
                    site=Site(
                        name=str(entry.get("site", "")),
                        lat_deg=float(entry["lat_deg"]),
                        lon_deg=float(entry["lon_deg"]),
                        elevation_m=float(entry.get("elevation_m", 0.0)),
                    ),
                    capabilities=frozenset(entry.get("capabilities", ["optical"]))
                    | {f"filter:{f}" for f in entry.get("filters", [])},
                    fov_deg=float(entry.get("fov_deg", 1.0)),
                    min_altitude_deg=float(entry.get("min_altitude_deg", 0.0)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"Telescopes.{i}: {exc!r}") from exc
    return tuple(telescopes)
