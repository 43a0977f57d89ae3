"""Independent feasibility check of a plan, with plain astropy (not the planner's code).

Every block is sampled every 60 s from its start plus its end; at each sample the target's
AltAz (refraction off), the sun's altitude and the moon's separation (astropy ``get_body``,
``moon.separation(target)`` as astroplan does) are computed by astropy's own transforms.
A block violates if at any sample: altitude <= 0, sec z > max_airmass, the sun above the
twilight limit, the moon closer than the minimum; or it starts before its window or ends
after it, or lies outside the night. Also counts overlaps per telescope, duplicate tasks
and unknown ids.

Usage: ``python bench/scheduler/check.py WORKLOAD.json PLAN.json`` (PLAN as printed by
``astrotango schedule``).
"""

from __future__ import annotations

import itertools
import json
import sys
import warnings
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import astropy.units as u
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time

import astrotango.astro  # noqa: F401  (offline astropy)

SAMPLE_S = 60.0
SUN_LIMIT = {"civil": -6.0, "nautical": -12.0, "astronomical": -18.0}


def _t(text: str) -> datetime:
    m = datetime.fromisoformat(text)
    return m.replace(tzinfo=UTC) if m.tzinfo is None else m.astimezone(UTC)


def _samples(t0: datetime, t1: datetime) -> list[float]:
    """Offsets (s) from t0: every SAMPLE_S, plus the end."""
    dur = (t1 - t0).total_seconds()
    pts = list(np.arange(0.0, dur, SAMPLE_S))
    return [*pts, dur]


def check_plan(workload: dict[str, Any], blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """Count violating blocks, overlaps and duplicates of ``blocks`` against ``workload``."""
    tasks = {t["id"]: t for t in workload["tasks"]}
    tels = {t["id"]: t for t in workload["telescopes"]}
    night0, night1 = _t(workload["night"]["start"]), _t(workload["night"]["end"])
    bad: dict[int, list[str]] = defaultdict(list)
    by_site: dict[tuple[float, float, float], list[tuple[int, float]]] = defaultdict(list)
    for i, b in enumerate(blocks):
        task, tel = tasks.get(b["id"]), tels.get(b["telescope"])
        if task is None or tel is None:
            bad[i].append("unknown task or telescope")
            continue
        t0, t1 = _t(b["start"]), _t(b["end"])
        if abs((t1 - t0).total_seconds() - task["duration_s"]) > 1e-6:
            bad[i].append("wrong duration")
        if t0 < night0 or t1 > night1:
            bad[i].append("outside the night")
        win = task.get("time_window")
        if win and (t0 < _t(win[0]) or t1 > _t(win[1])):
            bad[i].append("outside its window")
        s = tel["site"]
        key = (s["lat_deg"], s["lon_deg"], s.get("elevation_m", 0.0))
        base = t0.timestamp()
        by_site[key].extend((i, base + off) for off in _samples(t0, t1))
    for (lat, lon, elev), pts in by_site.items():
        _check_site(lat, lon, elev, pts, blocks, tasks, bad)
    overlaps = 0
    per_tel: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for b in blocks:
        per_tel[b["telescope"]].append((_t(b["start"]), _t(b["end"])))
    for spans in per_tel.values():
        spans.sort()
        overlaps += sum(1 for a, c in itertools.pairwise(spans) if c[0] < a[1])
    ids = [b["id"] for b in blocks]
    return {
        "blocks": len(blocks),
        "violating_blocks": len(bad),
        "overlaps": overlaps,
        "duplicate_tasks": len(ids) - len(set(ids)),
        "violations": {blocks[i]["id"]: sorted(set(r)) for i, r in sorted(bad.items())[:20]},
    }


def _check_site(
    lat: float,
    lon: float,
    elev: float,
    pts: list[tuple[int, float]],
    blocks: list[dict[str, Any]],
    tasks: dict[str, Any],
    bad: dict[int, list[str]],
) -> None:
    if not pts:
        return
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, elev * u.m)
    idx = np.array([p[0] for p in pts])
    times = Time(np.array([p[1] for p in pts]), format="unix", scale="utc")
    rows = [tasks[blocks[i]["id"]] for i in idx]
    target = SkyCoord(
        ra=[r["ra_deg"] for r in rows] * u.deg, dec=[r["dec_deg"] for r in rows] * u.deg
    )
    frame = AltAz(obstime=times, location=loc, pressure=0 * u.hPa)
    altaz = target.transform_to(frame)
    alt = altaz.alt.deg
    secz = np.asarray(altaz.secz)
    sun_alt = get_body("sun", times, location=loc).transform_to(frame).alt.deg
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sep = get_body("moon", times, location=loc).separation(target).deg
    for k, i in enumerate(idx):
        c = rows[k]["constraints"]
        if alt[k] <= 0:
            bad[i].append("below the horizon")
        if c.get("max_airmass") is not None and (alt[k] <= 0 or secz[k] > c["max_airmass"]):
            bad[i].append("airmass")
        if sun_alt[k] > SUN_LIMIT[c.get("twilight", "astronomical")]:
            bad[i].append("twilight")
        if sep[k] < c.get("min_moon_separation_deg", 0.0):
            bad[i].append("moon separation")


def main() -> None:
    with open(sys.argv[1]) as f:
        workload = json.load(f)
    with open(sys.argv[2]) as f:
        result = json.load(f)
    print(json.dumps(check_plan(workload, result["blocks"]), indent=1))


if __name__ == "__main__":
    main()
