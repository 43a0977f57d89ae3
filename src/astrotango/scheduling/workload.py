"""The benchmark workload format ``peerbench-workload/1``: parse, plan, time.

See ``shared/bench/workload-format.md``. Benchmark tasks map onto :class:`SchedulableTask`
with ``min_altitude_deg = 0`` (altitude above the horizon), no moon-illumination limit,
an ``"optical"`` capability, and telescopes carrying ``{"optical"}``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from astrotango.scheduling.config import PlannerConfig
from astrotango.scheduling.grid import iso_z
from astrotango.scheduling.plan_result import Plan
from astrotango.scheduling.planner import plan
from astrotango.scheduling.site import Site
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.task_constraints import TaskConstraints, Twilight
from astrotango.scheduling.telescope import Telescope

__all__ = [
    "FORMAT",
    "Workload",
    "parse_time",
    "parse_workload",
    "plan_document",
    "plan_workload",
    "warm_up",
]

FORMAT = "peerbench-workload/1"


@dataclass(frozen=True, slots=True)
class Workload:
    """A parsed benchmark workload."""

    start: datetime
    end: datetime
    telescopes: tuple[Telescope, ...]
    tasks: tuple[SchedulableTask, ...]


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 UTC time (``Z`` or an offset); naive times are taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _site(doc: Mapping[str, Any]) -> Site:
    return Site(
        name=str(doc.get("name", "")),
        lat_deg=float(doc["lat_deg"]),
        lon_deg=float(doc["lon_deg"]),
        elevation_m=float(doc.get("elevation_m", 0.0)),
    )


def _task(doc: Mapping[str, Any]) -> SchedulableTask:
    cons = doc.get("constraints") or {}
    window = doc.get("time_window")
    airmass = cons.get("max_airmass")
    return SchedulableTask(
        id=str(doc["id"]),
        ra_deg=float(doc["ra_deg"]),
        dec_deg=float(doc["dec_deg"]),
        duration_s=float(doc["duration_s"]),
        priority=float(doc.get("priority", 1)),
        constraints=TaskConstraints(
            max_airmass=None if airmass is None else float(airmass),
            min_moon_separation_deg=float(cons.get("min_moon_separation_deg", 0.0)),
            twilight=cast(Twilight, cons.get("twilight", "astronomical")),
        ),
        time_window=None if not window else (parse_time(window[0]), parse_time(window[1])),
    )


def parse_workload(document: Mapping[str, Any]) -> Workload:
    """Turn a ``peerbench-workload/1`` document into planner models.

    Raises:
        ValueError: If the format tag is wrong or a field is invalid.
        KeyError: If a required field is missing.
    """
    if document.get("format") != FORMAT:
        raise ValueError(f"expected format {FORMAT!r}, got {document.get('format')!r}")
    night = document["night"]
    telescopes = tuple(
        Telescope(id=str(t["id"]), site=_site(t["site"])) for t in document["telescopes"]
    )
    return Workload(
        start=parse_time(night["start"]),
        end=parse_time(night["end"]),
        telescopes=telescopes,
        tasks=tuple(_task(t) for t in document["tasks"]),
    )


def plan_document(document: Mapping[str, Any], config: PlannerConfig | None = None) -> Plan:
    """Parse and plan a workload document."""
    w = parse_workload(document)
    return plan(w.tasks, w.telescopes, w.start, w.end, config)


def plan_workload(document: dict[str, Any]) -> dict[str, Any]:
    """Plan a workload; the ``astrotango schedule`` output.

    Returns:
        ``{"blocks": [{"id", "telescope", "start", "end"}...], "wall_s": float}`` with ISO
        UTC ``Z`` times; ``wall_s`` times parsing, sky model and planning (not imports or
        the one-time warm-up: call :func:`warm_up` first for a fair figure).
    """
    t0 = time.perf_counter()
    result = plan_document(document)
    wall_s = time.perf_counter() - t0
    blocks = [
        {"id": b.task_id, "telescope": b.telescope_id, "start": iso_z(b.start), "end": iso_z(b.end)}
        for b in result.blocks
    ]
    return {"blocks": blocks, "wall_s": wall_s}


def warm_up() -> None:
    """Load astropy's and ERFA's one-time tables (IERS, leap seconds) with a tiny plan."""
    start = datetime(2026, 12, 15, 20, tzinfo=UTC)
    site = Site("warm-up", 28.76, -17.88, 2326.0)
    task = SchedulableTask(id="warm-up", ra_deg=10.0, dec_deg=20.0, duration_s=600.0)
    plan([task], [Telescope(id="T", site=site)], start, start + timedelta(hours=1))
