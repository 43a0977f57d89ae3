"""The oracle's judgement: unsafe seconds per condition, beyond the allowance, and failed storms."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, get_sun
from astropy.time import Time

import astrotango.astro  # noqa: F401  (configures astropy offline before any ephemeris)
from astrotango.client.safety_oracle.night_record import NightRecord, TelescopeKind, TelescopeRecord
from astrotango.client.safety_oracle.verdict import DEFAULT_ALLOWANCE_S, SafetyVerdict
from astrotango.hardware import Site

__all__ = ["SUN_STEP_S", "judge_night"]

#: Sun altitude sampling step, seconds; crossings are interpolated linearly between samples
#: (the altitude is smooth enough for that to be good to well under a second).
SUN_STEP_S = 60.0

_Interval = tuple[datetime, datetime]


def judge_night(
    night: NightRecord, end: datetime, *, allowance_s: float = DEFAULT_ALLOWANCE_S
) -> list[SafetyVerdict]:
    """Judge every telescope of ``night`` up to ``end``; sorted by telescope name.

    A storm (SafeShutdown of an interlock) fired before ``night.start`` is not judged; one
    still running at ``end`` fails once ``allowance_s`` has passed since it fired. A
    telescope named by a failed storm but not recorded gets a verdict of its own.
    """
    allowance = timedelta(seconds=allowance_s)
    failures = _failed_shutdowns(night, end, allowance)
    known = {t.name for t in night.telescopes}
    verdicts = [
        _judge(night, t, end, allowance, failures.get(t.name, [])) for t in night.telescopes
    ]
    verdicts += [
        SafetyVerdict(name, TelescopeKind.OPTICAL, 0.0, 0.0, 0.0, tuple(texts), (), allowance_s)
        for name, texts in failures.items()
        if name not in known
    ]
    return sorted(verdicts, key=lambda v: v.telescope)


def _judge(
    night: NightRecord,
    telescope: TelescopeRecord,
    end: datetime,
    allowance: timedelta,
    failures: list[str],
) -> SafetyVerdict:
    start = night.start
    radio = telescope.kind is TelescopeKind.RADIO
    unsafe = _holding(
        [(s.at, s.unparked or (s.open and not radio)) for s in telescope.samples], start, end
    )
    fired: list[_Interval] = []
    for interlock in night.interlocks:
        if telescope.name in interlock.telescopes or interlock.name in telescope.interlocks:
            fired += _holding([(s.at, s.fired) for s in interlock.samples], start, end)
    bad: list[_Interval] = []
    gates = {g.name: g for g in night.gates}
    for name in telescope.gates:
        if name in gates:
            bad += _holding([(s.at, not s.ok) for s in gates[name].samples], start, end)
    sun: list[_Interval] = []
    if unsafe and not radio and telescope.sun_limit_deg is not None:
        # Only the sun around the unsafe spells matters: a crossing more than the allowance
        # before the first one has used up its allowance by then either way.
        since = max(start, unsafe[0][0] - allowance)
        sun = _sun_above(telescope.site, telescope.sun_limit_deg, since, unsafe[-1][1])
    unchecked = list(telescope.unchecked)
    unchecked += [f"gate {name}: no record" for name in telescope.gates if name not in gates]
    what = "unparked" if radio else "open or unparked"
    conditions = {
        "an interlock fired": _overlaps(unsafe, _beyond(fired, allowance)),
        "the sun above its limit": _overlaps(unsafe, _beyond(sun, allowance)),
        "a safing gate bad": _overlaps(unsafe, _beyond(bad, allowance)),
    }
    spells = [
        (lo, f"{lo:%H:%M:%S}-{hi:%H:%M:%S} UTC: {what} with {condition} beyond the allowance")
        for condition, intervals in conditions.items()
        for lo, hi in intervals
    ]
    fired_s, sun_s, bad_s = (_seconds(i) for i in conditions.values())
    return SafetyVerdict(
        telescope.name,
        telescope.kind,
        fired_s,
        sun_s,
        bad_s,
        tuple(failures),
        tuple(unchecked),
        allowance.total_seconds(),
        tuple(text for _, text in sorted(spells)),
    )


def _failed_shutdowns(
    night: NightRecord, end: datetime, allowance: timedelta
) -> dict[str, list[str]]:
    failures: dict[str, list[str]] = {}
    for interlock in night.interlocks:
        for storm in interlock.shutdowns:
            if storm.fired_at is not None and not night.start <= storm.fired_at <= end:
                continue
            for name, text in storm.failures(end - allowance):
                failures.setdefault(name, []).append(f"{interlock.name}: {text}")
    return failures


def _holding(
    steps: Sequence[tuple[datetime, bool]], start: datetime, end: datetime
) -> list[_Interval]:
    """The merged intervals inside ``[start, end]`` where a step function is True."""
    ordered = sorted(steps, key=lambda step: step[0])  # stable: the later of equal times wins
    out: list[_Interval] = []
    for index, (at, value) in enumerate(ordered):
        until = ordered[index + 1][0] if index + 1 < len(ordered) else end
        lo, hi = max(at, start), min(until, end)
        if value and lo < hi:
            out.append((lo, hi))
    return _union(out)


def _union(intervals: Iterable[_Interval]) -> list[_Interval]:
    merged: list[_Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _beyond(intervals: Iterable[_Interval], allowance: timedelta) -> list[_Interval]:
    """What remains of each interval once its first ``allowance`` is granted, merged."""
    return _union((lo + allowance, hi) for lo, hi in intervals if lo + allowance < hi)


def _overlaps(a: Sequence[_Interval], b: Sequence[_Interval]) -> list[_Interval]:
    """The intervals in both of two merged, sorted interval lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _seconds(intervals: Iterable[_Interval]) -> float:
    return sum((hi - lo).total_seconds() for lo, hi in intervals)


def _sun_above(site: Site, limit_deg: float, start: datetime, end: datetime) -> list[_Interval]:
    """Where the sun is above ``limit_deg`` at ``site``; crossings interpolated linearly."""
    if end <= start:
        return []
    count = math.ceil((end - start).total_seconds() / SUN_STEP_S)
    offsets = [min(k * SUN_STEP_S, (end - start).total_seconds()) for k in range(count + 1)]
    times = [start + timedelta(seconds=s) for s in offsets]
    location = EarthLocation.from_geodetic(
        site.longitude_deg * units.deg, site.latitude_deg * units.deg, site.elevation_m * units.m
    )
    obstime = Time(times)
    frame = AltAz(obstime=obstime, location=location)
    alt = np.asarray(get_sun(obstime).transform_to(frame).alt.deg, dtype=np.float64)
    steps: list[tuple[datetime, bool]] = [(times[0], bool(alt[0] > limit_deg))]
    for k in range(1, len(times)):
        above = bool(alt[k] > limit_deg)
        if above != steps[-1][1]:
            fraction = (limit_deg - alt[k - 1]) / (alt[k] - alt[k - 1])
            steps.append((times[k - 1] + (times[k] - times[k - 1]) * float(fraction), above))
    return _holding(steps, start, end)
