"""Every task's constraints held at every exposure start, checked with plain astropy.

Independent of the planner's sky model: each instant (a run's start, then each exposure's
start) is placed in the AltAz frame of the telescope it ran on, refraction off, and held to

* altitude at least the task's ``min_altitude_deg``, the telescope's horizon limit, the
  altitude of its ``max_airmass`` (sec z: ``asin(1 / max_airmass)``) and 0;
* topocentric moon separation at least ``min_moon_separation_deg``;
* moon illumination (from the sun-moon elongation, as astroplan) at most
  ``max_moon_illumination`` while the moon is up;
* sun altitude at most its twilight kind's limit, or inside its band for a sky flat
  (:data:`astrotango.scheduling.task_constraints.TWILIGHT_SUN_ALT_DEG`);

each angle within the margin (the illuminated fraction within a margin of its own).
Untargeted calibrations and fixed alt/az targets have no sky position: only the sun and
moon-illumination limits apply to them. Instants are evaluated in one astropy call per
telescope and body (a night has thousands).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time
from numpy.typing import NDArray

import astrotango.astro  # noqa: F401  (configures astropy offline before any ephemeris)
from astrotango.client.correctness_oracle.facts import NightFacts, TaskFacts
from astrotango.client.correctness_oracle.verdict import Allowances, RuleResult, Violation
from astrotango.control.scheduler.mapping import sun_band
from astrotango.domain.targets import GalacticTarget, IcrsTarget, SolarSystemTarget
from astrotango.hardware import Site
from astrotango.scheduling.task_constraints import TWILIGHT_SUN_ALT_DEG

__all__ = ["RULE", "Mount", "sky_constraints"]

RULE = "sky constraints"
_F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Mount:
    """Where a telescope stands and the lowest altitude it may point at, degrees."""

    site: Site
    horizon_deg: float = 0.0


@dataclass(frozen=True, slots=True)
class _Instant:
    task: TaskFacts
    at: datetime
    what: str


@dataclass(frozen=True, slots=True)
class _Sky:
    """Per instant: target altitude and moon separation (NaN: no target), sun and moon."""

    alt_deg: _F64
    moon_sep_deg: _F64
    sun_alt_deg: _F64
    moon_alt_deg: _F64
    moon_illumination: _F64


def sky_constraints(
    night: NightFacts, allowances: Allowances, mounts: Mapping[str, Mount]
) -> RuleResult:
    """Check every run start and exposure start; one violation per task (its first failure)."""
    instants: dict[str | None, list[_Instant]] = {}
    for _, task in night.tasks():
        for run in task.runs:
            instants.setdefault(run.telescope, []).append(_Instant(task, run.start, "start"))
        for exposure in task.exposures:
            during = task.run_at(exposure.start)
            telescope = during.telescope if during is not None else task.record.telescope
            what = f"exposure {exposure.asset_id}"
            instants.setdefault(telescope, []).append(_Instant(task, exposure.start, what))
    failures: dict[str, list[tuple[datetime, str]]] = {}
    checked = 0
    for telescope, group in instants.items():
        mount = mounts.get(telescope) if telescope is not None else None
        if mount is None:
            for i in group:
                failures.setdefault(i.task.id, []).append(
                    (i.at, f"{i.what} {i.at:%H:%M:%S}: no site known for telescope {telescope}")
                )
            continue
        checked += len(group)
        sky = _evaluate(group, mount.site)
        for k, instant in enumerate(group):
            problems = _problems(instant.task, mount, sky, k, allowances)
            if problems:
                text = f"{instant.what} {instant.at:%H:%M:%S} on {telescope}: {problems}"
                failures.setdefault(instant.task.id, []).append((instant.at, text))
    found = []
    for task_id, failed in sorted(failures.items()):
        at, text = min(failed)
        more = f" (and {len(failed) - 1} more instants)" if len(failed) > 1 else ""
        found.append(Violation(task_id, text + more, at))
    return RuleResult(RULE, checked, tuple(found))


def _problems(task: TaskFacts, mount: Mount, sky: _Sky, k: int, allowances: Allowances) -> str:
    c, margin_deg = task.spec.constraints, allowances.margin_deg
    out = []
    alt = float(sky.alt_deg[k])
    if not math.isnan(alt):
        limits = [
            ("the horizon", 0.0),
            (f"the mount's limit {mount.horizon_deg:g}", mount.horizon_deg),
        ]
        if c.min_altitude_deg is not None:
            limits.append((f"min_altitude_deg {c.min_altitude_deg:g}", c.min_altitude_deg))
        if c.max_airmass is not None:
            airmass_alt = math.degrees(math.asin(1.0 / c.max_airmass))
            limits.append((f"max_airmass {c.max_airmass:g} ({airmass_alt:.1f} deg)", airmass_alt))
        below = [name for name, limit in limits if alt < limit - margin_deg]
        if below:
            out.append(f"altitude {alt:.2f} deg below {', '.join(below)}")
        separation = float(sky.moon_sep_deg[k])
        wanted = c.min_moon_separation_deg
        if wanted is not None and separation < wanted - margin_deg:
            out.append(f"moon {separation:.1f} deg away (min_moon_separation_deg {wanted:g})")
    lit, brightest = float(sky.moon_illumination[k]), c.max_moon_illumination
    if (
        brightest is not None
        and sky.moon_alt_deg[k] >= 0.0
        and lit > brightest + allowances.illumination_margin
    ):
        out.append(f"moon up {lit:.0%} illuminated (max_moon_illumination {brightest:g})")
    sun = float(sky.sun_alt_deg[k])
    band = sun_band(task.spec)
    if band is not None:
        if not band[0] - margin_deg <= sun <= band[1] + margin_deg:
            out.append(f"sun at {sun:.2f} deg, outside the twilight band {band[0]:g}..{band[1]:g}")
    elif c.twilight is not None:
        limit = TWILIGHT_SUN_ALT_DEG[c.twilight.value]
        if sun > limit + margin_deg:
            out.append(f"sun at {sun:.2f} deg, above {c.twilight.value} twilight ({limit:g})")
    return "; ".join(out)


def _evaluate(group: Sequence[_Instant], site: Site) -> _Sky:
    """Target, sun and moon at every instant of one telescope, a few vectorised calls."""
    location = EarthLocation.from_geodetic(
        site.longitude_deg * units.deg, site.latitude_deg * units.deg, site.elevation_m * units.m
    )
    times = Time([i.at for i in group])
    frame = AltAz(obstime=times, location=location)
    sun = get_body("sun", times, location)
    moon = get_body("moon", times, location)
    moon_altaz = moon.transform_to(frame)
    alt = np.full(len(group), np.nan)
    separation = np.full(len(group), np.nan)
    for indices, coords in _targets(group, times, location):
        local = coords.transform_to(AltAz(obstime=times[indices], location=location))
        alt[indices] = local.alt.deg
        separation[indices] = local.separation(moon_altaz[indices]).deg
    elongation = sun.separation(moon).rad
    sun_d, moon_d = sun.distance.au, moon.distance.au
    phase = np.arctan2(sun_d * np.sin(elongation), moon_d - sun_d * np.cos(elongation))
    return _Sky(
        alt,
        separation,
        np.asarray(sun.transform_to(frame).alt.deg, dtype=np.float64),
        np.asarray(moon_altaz.alt.deg, dtype=np.float64),
        np.asarray((1.0 + np.cos(phase)) / 2.0, dtype=np.float64),
    )


def _targets(
    group: Sequence[_Instant], times: Time, location: EarthLocation
) -> list[tuple[NDArray[np.intp], SkyCoord]]:
    """``(indices, coordinates)`` per kind of target: ICRS, galactic, each body."""
    icrs: dict[int, tuple[float, float]] = {}
    galactic: dict[int, tuple[float, float]] = {}
    bodies: dict[str, list[int]] = {}
    for k, instant in enumerate(group):
        target = instant.task.spec.target
        if isinstance(target, IcrsTarget):
            icrs[k] = (target.ra_deg, target.dec_deg)
        elif isinstance(target, GalacticTarget):
            galactic[k] = (target.l_deg, target.b_deg)
        elif isinstance(target, SolarSystemTarget):
            bodies.setdefault(target.body.value, []).append(k)
    out = []
    if icrs:
        ra, dec = np.array(list(icrs.values())).T
        out.append((np.array(list(icrs)), SkyCoord(ra=ra * units.deg, dec=dec * units.deg)))
    if galactic:
        lon, lat = np.array(list(galactic.values())).T
        coords = SkyCoord(l=lon * units.deg, b=lat * units.deg, frame="galactic")
        out.append((np.array(list(galactic)), coords))
    for body, indices in bodies.items():
        out.append((np.array(indices), get_body(body, times[indices], location)))
    return out
