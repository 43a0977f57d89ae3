"""Quality and the simple upper bound the benchmark compares against.

Quality = sum(priority * duration_s) over the planned tasks. Upper bound = fractional
knapsack (value density = priority) of the individually feasible tasks into the dark time:
the sum over telescopes of the time the sun is below -12 deg (nautical: the loosest
twilight any benchmark task accepts, so every block lies in it and the bound is valid),
from astropy on a 60 s grid. "Individually feasible" = the task has at least one feasible
block by the planner's own masks with the safety margin set to 0. The astronomical-dark
variant (sun below -18 deg, not a strict bound) is reported alongside.
"""

from __future__ import annotations

from typing import Any

import astropy.units as u
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, get_body
from astropy.time import Time

import astrotango.astro  # noqa: F401
from astrotango.scheduling import PlannerConfig, parse_workload
from astrotango.scheduling.problem import build_problem


def quality(workload: dict[str, Any], blocks: list[dict[str, Any]]) -> float:
    """Sum of priority x duration_s of the planned tasks (each counted once)."""
    tasks = {t["id"]: t for t in workload["tasks"]}
    return float(
        sum(tasks[i]["priority"] * tasks[i]["duration_s"] for i in {b["id"] for b in blocks})
    )


def dark_seconds(workload: dict[str, Any], sun_limit_deg: float) -> float:
    """Total time, over all telescopes, with the sun below ``sun_limit_deg`` (60 s grid)."""
    night = workload["night"]
    t0 = Time(night["start"].replace("Z", ""), scale="utc")
    t1 = Time(night["end"].replace("Z", ""), scale="utc")
    n = round((t1 - t0).to_value(u.s) / 60.0)
    times = t0 + np.arange(n + 1) * 60.0 * u.s
    total = 0.0
    for tel in workload["telescopes"]:
        s = tel["site"]
        loc = EarthLocation.from_geodetic(
            s["lon_deg"] * u.deg, s["lat_deg"] * u.deg, s["elevation_m"] * u.m
        )
        alt = (
            get_body("sun", times, location=loc)
            .transform_to(AltAz(obstime=times, location=loc))
            .alt.deg
        )
        dark = alt <= sun_limit_deg
        total += 60.0 * float(np.sum(dark[:-1] & dark[1:]))
    return total


def feasible_ids(workload: dict[str, Any]) -> set[str]:
    """Tasks with at least one feasible block somewhere (planner masks, margin 0)."""
    w = parse_workload(workload)
    problem = build_problem(w.tasks, w.telescopes, w.start, w.end, PlannerConfig(margin_deg=0.0))
    ok = problem.site_any.any(axis=1)
    return {t.id for t, f in zip(w.tasks, ok, strict=True) if f}


def upper_bound(workload: dict[str, Any], sun_limit_deg: float = -12.0) -> float:
    """Fractional knapsack of the individually feasible tasks into the dark time."""
    feasible = feasible_ids(workload)
    capacity = dark_seconds(workload, sun_limit_deg)
    items = sorted(
        ((t["priority"], t["duration_s"]) for t in workload["tasks"] if t["id"] in feasible),
        key=lambda x: -x[0],
    )
    value = 0.0
    for prio, dur in items:
        take = min(dur, capacity)
        value += prio * take
        capacity -= take
        if capacity <= 0:
            break
    return value
