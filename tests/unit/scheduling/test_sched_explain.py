"""Explanations for a target that never rises, one blocked by the moon, one outside its window."""

from __future__ import annotations

from datetime import UTC, datetime

import astropy.units as u
from astropy.coordinates import EarthLocation, get_body
from astropy.time import Time
from conftest import END, LA_PALMA, START

from astrotango.scheduling import SchedulableTask, TaskConstraints, Telescope, explain_task, plan

TEL = Telescope("T1", LA_PALMA)


def test_never_rises() -> None:
    task = SchedulableTask("south", 10.0, -80.0, 600.0)
    e = explain_task(task, [TEL], START, END)
    assert not e.scheduled and e.next_possible is None
    assert "never rises above the horizon from La Palma" in e.message
    assert e.reasons[0].constraint == "altitude"


def test_blocked_by_the_moon() -> None:
    loc = EarthLocation.from_geodetic(
        LA_PALMA.lon_deg * u.deg, LA_PALMA.lat_deg * u.deg, LA_PALMA.elevation_m * u.m
    )
    moon = get_body("moon", Time(datetime(2026, 12, 16, tzinfo=UTC)), location=loc)
    task = SchedulableTask(
        "near-moon",
        float(moon.ra.deg),
        float(moon.dec.deg) + 5.0,
        600.0,
        constraints=TaskConstraints(min_moon_separation_deg=30.0),
    )
    e = explain_task(task, [TEL], START, END)
    assert "moon closer than 30° all night" in e.message
    assert any(r.constraint == "moon_separation" for r in e.reasons)


def test_outside_its_window() -> None:
    w = (datetime(2026, 12, 17, 2, tzinfo=UTC), datetime(2026, 12, 17, 4, tzinfo=UTC))
    task = SchedulableTask("late", 60.0, 30.0, 600.0, time_window=w)
    e = explain_task(task, [TEL], START, END)
    assert "outside its window (opens 2026-12-17T02:00:00Z)" in e.message


def test_no_radio_receiver() -> None:
    task = SchedulableTask("radio", 60.0, 30.0, 600.0, required_capability="radio")
    assert explain_task(task, [TEL], START, END).message == "no telescope has a radio receiver"


def test_airmass_until() -> None:
    task = SchedulableTask(
        "rising", 120.0, 20.0, 600.0, constraints=TaskConstraints(max_airmass=1.2)
    )
    e = explain_task(task, [TEL], START, END)
    assert e.next_possible is not None  # feasible later: says from when
    assert e.message.startswith("possible from ")
    tight = SchedulableTask(
        "late-riser",
        120.0,
        20.0,
        600.0,
        constraints=TaskConstraints(max_airmass=1.2),
        time_window=(START, datetime(2026, 12, 15, 22, tzinfo=UTC)),
    )
    e2 = explain_task(tight, [TEL], START, END)
    assert "airmass above 1.2 until" in e2.message and "UTC" in e2.message


def test_scheduled_task_shows_its_merits() -> None:
    task = SchedulableTask("ok", 60.0, 30.0, 600.0, priority=7)
    result = plan([task], [TEL], START, END)
    e = explain_task(task, [TEL], START, END, result)
    assert e.scheduled and e.merits["priority"] == 7
    assert e.message.startswith("scheduled on T1") and "airmass" in e.message
