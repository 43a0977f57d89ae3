"""astroplan's PriorityScheduler configured to match a ``peerbench-workload/1`` document."""

from __future__ import annotations

import time
import warnings
from typing import Any

import astropy.units as u
from astroplan import (
    FixedTarget,
    Observer,
    ObservingBlock,
    PriorityScheduler,
    Schedule,
    Transitioner,
)
from astroplan.constraints import (
    AirmassConstraint,
    AtNightConstraint,
    MoonSeparationConstraint,
    TimeConstraint,
)
from astropy.coordinates import EarthLocation, SkyCoord
from astropy.time import Time

import astrotango.astro  # noqa: F401


def _time(text: str) -> Time:
    return Time(text.replace("Z", ""), scale="utc")


def run_astroplan(document: dict[str, Any]) -> dict[str, Any]:
    """Plan the (single-telescope) workload with PriorityScheduler at 60 s resolution.

    Priority is mapped higher-is-better -> astroplan's lower-is-better as ``11 - p``; no
    slew overhead (Transitioner without a slew rate), as the astrotango planner.

    Returns:
        ``{"blocks": [...], "wall_s": float, "setup_s": float}`` in the CLI's format.
    """
    t_setup = time.perf_counter()
    tel = document["telescopes"][0]
    s = tel["site"]
    loc = EarthLocation.from_geodetic(
        s["lon_deg"] * u.deg, s["lat_deg"] * u.deg, s["elevation_m"] * u.m
    )
    observer = Observer(location=loc, name=s.get("name", "site"))
    nights = {
        "astronomical": AtNightConstraint.twilight_astronomical(),
        "nautical": AtNightConstraint.twilight_nautical(),
    }
    setup_s = time.perf_counter() - t_setup
    t0 = time.perf_counter()
    blocks = []
    for t in document["tasks"]:
        c = t["constraints"]
        cons = [
            AirmassConstraint(max=c["max_airmass"]),
            nights[c["twilight"]],
            MoonSeparationConstraint(min=c["min_moon_separation_deg"] * u.deg),
        ]
        if t.get("time_window"):
            cons.append(TimeConstraint(_time(t["time_window"][0]), _time(t["time_window"][1])))
        target = FixedTarget(
            SkyCoord(ra=t["ra_deg"] * u.deg, dec=t["dec_deg"] * u.deg), name=t["id"]
        )
        blocks.append(
            ObservingBlock(target, t["duration_s"] * u.s, 11 - t["priority"], constraints=cons)
        )
    scheduler = PriorityScheduler(
        constraints=[], observer=observer, transitioner=Transitioner(), time_resolution=60 * u.s
    )
    schedule = Schedule(_time(document["night"]["start"]), _time(document["night"]["end"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler(blocks, schedule)
    wall_s = time.perf_counter() - t0
    out = []
    for b in schedule.observing_blocks:
        out.append(
            {
                "id": b.target.name,
                "telescope": tel["id"],
                "start": b.start_time.utc.isot[:19] + "Z",
                "end": b.end_time.utc.isot[:19] + "Z",
            }
        )
    return {"blocks": out, "wall_s": wall_s, "setup_s": setup_s}
