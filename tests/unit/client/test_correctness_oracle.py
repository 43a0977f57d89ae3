"""The correctness oracle on small real stores at fixed UTC times: each rule quiet, then caught.

Every case submits real documents through the intake and drives the tasks with the store's
own writes (assign, schedule, claim, complete); a violation is made by doing exactly the one
wrong thing the rule exists to catch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from astropy import units
from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time

from astrotango.client.correctness_oracle import (
    Allowances,
    CorrectnessVerdict,
    Mount,
    correctness_text,
    judge_correctness,
    judge_store,
    read_night,
)
from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake
from astrotango.hardware import Site
from astrotango.store import AssetRecord, SeriesRunRecord, Store, open_store

T1, T2 = "astro/telescope/t1", "astro/telescope/t2"
LA_PALMA = Site("La Palma", 28.7606, -17.8816, 2396.0)
MOUNTS = {T1: Mount(LA_PALMA, 15.0), T2: Mount(LA_PALMA, 20.0)}
#: A dark December night at La Palma: at 20:00 UTC the sun is about 25 degrees down.
NIGHT = datetime(2026, 12, 15, 20, 0, tzinfo=UTC)
END = NIGHT + timedelta(hours=10)
RULES = (
    "fixed-time starts",
    "parallel pairs",
    "sync groups",
    "window ends",
    "runs end with their observation",
    "sky constraints",
    "lifecycle histories",
)


def at(minutes: float) -> datetime:
    return NIGHT + timedelta(minutes=minutes)


def sky_at(alt_deg: float, az_deg: float, when: datetime) -> tuple[float, float]:
    """The ICRS position that stands at ``alt_deg``/``az_deg`` over La Palma then."""
    location = EarthLocation.from_geodetic(
        LA_PALMA.longitude_deg * units.deg,
        LA_PALMA.latitude_deg * units.deg,
        LA_PALMA.elevation_m * units.m,
    )
    frame = AltAz(obstime=Time(when), location=location)
    icrs = SkyCoord(alt=alt_deg * units.deg, az=az_deg * units.deg, frame=frame).icrs
    return float(icrs.ra.deg) % 360.0, float(icrs.dec.deg)


#: High in the south-east at 20:00 (60 degrees up; it stays well above 30 for two hours).
HIGH = sky_at(60.0, 120.0, NIGHT)
#: 20 degrees up in the west at 20:00 (and setting): above the mounts, below a 30 degree limit.
LOW = sky_at(20.0, 270.0, NIGHT)


def document(
    *,
    target: tuple[float, float] = HIGH,
    mode: str = "single",
    instruments: int = 1,
    timing: dict[str, Any] | None = None,
    window: tuple[datetime, datetime] = (at(-60), at(600)),
    constraints: dict[str, Any] | None = None,
    monitoring: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One optical imaging request of one target (a couple of minutes of exposures)."""
    request: dict[str, Any] = {
        "type": "optical_imaging",
        "target": {"name": "probe", "ra_deg": target[0], "dec_deg": target[1]},
        "exposures": [{"filter": "r", "exposure_s": 60, "count": 2}],
        "assignment_mode": mode,
        "instruments": instruments,
        "constraints": constraints
        if constraints is not None
        else {"max_airmass": 2.0, "min_altitude_deg": 30, "twilight": "astronomical"},
    }
    if timing is not None:
        request["timing"] = timing
    doc: dict[str, Any] = {
        "name": "probe",
        "owner": "org-astro",
        "queue": "research",
        "priority": 5,
        "window": {"start": window[0].isoformat(), "end": window[1].isoformat()},
        "requests": [request],
    }
    if monitoring is not None:
        doc["monitoring"] = monitoring
    return doc


class Night:
    """A store, the real intake, and a hand on every task's writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.submitted = 0

    def submit(self, doc: dict[str, Any]) -> tuple[str, list[str]]:
        """Submit at 19:00 (+1 s per document, so no two ids collide); its id and task ids."""
        clock = ManualClock(at(-60) + timedelta(seconds=self.submitted))
        self.submitted += 1
        observation_id = ObservationIntake(self.store, clock=clock).submit(json.dumps(doc))
        return observation_id, [t.id for t in self.store.tasks_of_observation(observation_id)]

    def run(
        self,
        task_id: str,
        telescope: str,
        start: datetime,
        end: datetime,
        exposures: Sequence[tuple[datetime, float]] = (),
    ) -> None:
        """Plan the task on ``telescope`` at ``start``, run it, record its exposures, finish."""
        task = self.store.get_task(task_id)
        self.store.assign_task(
            task_id,
            expected_version=task.version,
            telescope=telescope,
            instrument=None,
            planned_start=start,
            reason="scheduled",
            at=start,
        )
        self.store.transition_task(
            task_id,
            expected_version=self.store.get_task(task_id).version,
            from_status="pending",
            to_status="scheduled",
            actor="scheduler",
            reason=f"planned on {telescope}",
            at=start,
        )
        token = self.store.claim_task(task_id, claimant=f"controller@{telescope}", at=start)
        for k, (began, duration_s) in enumerate(exposures):
            self.store.add_asset(
                AssetRecord(
                    id=f"{task_id}-a{k}",
                    observation_id=task.observation_id,
                    task_id=task_id,
                    kind="fits_image",
                    created_at=began + timedelta(seconds=duration_s),
                    metadata={"start_time": began.isoformat(), "duration_s": duration_s},
                    task_info={"task_id": task_id},
                )
            )
        self.store.complete_task(task_id, token=token, at=end)

    def judge(self, **allowances: float) -> CorrectnessVerdict:
        return judge_correctness(read_night(self.store, END), MOUNTS, Allowances(**allowances))


def found(verdict: CorrectnessVerdict) -> list[tuple[str, str, str]]:
    """``(rule, subject, text)`` of every violation."""
    return [(rule, v.subject, v.text) for rule, v in verdict.violations()]


def checked(verdict: CorrectnessVerdict) -> dict[str, int]:
    return {r.rule: r.checked for r in verdict.rules}


@pytest.fixture
def night(tmp_path: Path) -> Iterator[Night]:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    yield Night(store)
    store.close()


def test_a_night_done_right_is_all_zero_and_says_so(night: Night) -> None:
    _, [task] = night.submit(document())
    night.run(task, T1, at(0), at(5), exposures=[(at(1), 60.0), (at(2.5), 60.0)])

    verdict = night.judge()

    assert verdict.ok and found(verdict) == []
    assert [r.rule for r in verdict.rules] == list(RULES)
    assert checked(verdict)["window ends"] == 3, "one run and two exposures"
    assert checked(verdict)["sky constraints"] == 3
    assert checked(verdict)["lifecycle histories"] == 2, "the observation and its task"
    text = " ".join(correctness_text(verdict).split())
    assert "Correctness oracle: all zero" in text
    assert "+ 10 s (the dispatcher's tick)" in text and "sync groups within 30 s" in text


@pytest.mark.parametrize(("late_s", "caught"), [(100, False), (125, False), (200, True)])
def test_a_fixed_time_task_starts_within_its_tolerance_plus_a_tick(
    night: Night, late_s: float, caught: bool
) -> None:
    timing = {"mode": "fixed_time", "start_at": at(30).isoformat(), "tolerance_s": 120}
    _, [task] = night.submit(document(timing=timing))
    start = at(30) + timedelta(seconds=late_s)
    night.run(task, T1, start, start + timedelta(minutes=5))

    verdict = night.judge()

    assert checked(verdict)["fixed-time starts"] == 1
    if not caught:
        assert found(verdict) == []
        return
    [(rule, subject, text)] = found(verdict)
    assert (rule, subject) == ("fixed-time starts", task)
    assert "+200 s from its fixed time 20:30:00 (tolerance 120 s)" in text


def test_a_fixed_time_task_started_early_is_caught_too(night: Night) -> None:
    timing = {"mode": "fixed_time", "start_at": at(30).isoformat(), "tolerance_s": 60}
    _, [task] = night.submit(document(timing=timing))
    night.run(task, T1, at(25), at(30))

    [(rule, _, text)] = found(night.judge())

    assert rule == "fixed-time starts" and "-300 s from its fixed time" in text


def test_parallel_copies_overlapping_on_two_telescopes_pass(night: Night) -> None:
    _, [a, b] = night.submit(document(mode="parallel", instruments=2))
    night.run(a, T1, at(0), at(6))
    night.run(b, T2, at(1), at(5))

    verdict = night.judge()

    assert found(verdict) == [] and checked(verdict)["parallel pairs"] == 1


def test_parallel_copies_on_one_telescope_are_caught(night: Night) -> None:
    _, [a, b] = night.submit(document(mode="parallel", instruments=2))
    night.run(a, T1, at(0), at(5))
    night.run(b, T1, at(5), at(10))

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("parallel pairs", f"{a} and {b}")
    assert text.startswith("ran on one telescope")


def test_parallel_copies_that_did_not_overlap_are_caught(night: Night) -> None:
    _, [a, b] = night.submit(document(mode="parallel", instruments=2))
    night.run(a, T1, at(0), at(5))
    night.run(b, T2, at(5), at(10))  # touching is not overlapping

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("parallel pairs", f"{a} and {b}")
    assert text == (f"did not overlap (20:00:00-20:05:00 on {T1}, 20:05:00-20:10:00 on {T2})")


def test_a_sync_group_started_within_the_tolerance_passes(night: Night) -> None:
    _, [a, b] = night.submit(document(mode="parallel_synchronized", instruments=2))
    night.run(a, T1, at(0), at(10))
    night.run(b, T2, at(0) + timedelta(seconds=20), at(10))

    verdict = night.judge()

    assert found(verdict) == [] and checked(verdict)["sync groups"] == 1


def test_sync_members_five_minutes_apart_are_caught(night: Night) -> None:
    _, [a, b] = night.submit(document(mode="parallel_synchronized", instruments=2))
    night.run(a, T1, at(0), at(10))
    night.run(b, T2, at(5), at(15))  # they overlap, so only the sync rule objects

    verdict = night.judge()

    [(rule, subject, text)] = found(verdict)
    group = night.store.get_task(a).sync_group
    assert (rule, subject) == ("sync groups", group)
    assert text == f"members not started within 30 s: {a} 20:00:00, {b} 20:05:00"
    assert found(night.judge(sync_tolerance_s=600)) == [], "the tolerance is a parameter"


def test_a_sync_member_that_never_started_is_named(night: Night) -> None:
    _, [a, b] = night.submit(document(mode="parallel_synchronized", instruments=2))
    night.run(a, T1, at(0), at(10))

    [(rule, _, text)] = found(night.judge())

    assert rule == "sync groups" and text.endswith(f"never started: {b}")


def test_runs_and_exposures_ending_inside_their_window_pass(night: Night) -> None:
    _, [task] = night.submit(document(window=(at(-60), at(10))))
    night.run(task, T1, at(0), at(10), exposures=[(at(8), 120.0)])

    assert found(night.judge()) == []


def test_a_task_ending_after_its_window_is_caught(night: Night) -> None:
    _, [task] = night.submit(document(window=(at(-60), at(10))))
    night.run(task, T1, at(5), at(15))

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("window ends", task)
    assert text == "run started 20:05:00 ended 20:15:00, 300 s after its window closed at 20:10:00"


def test_an_exposure_ending_after_its_window_is_caught_without_allowance(night: Night) -> None:
    _, [task] = night.submit(document(window=(at(-60), at(10))))
    night.run(task, T1, at(0), at(10), exposures=[(at(9), 65.0)])

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("window ends", task)
    assert text.startswith(f"exposure {task}-a0 ended 20:10:05, after its window")


def test_a_target_below_its_altitude_limit_at_start_is_caught(night: Night) -> None:
    _, [high] = night.submit(document(target=HIGH))
    _, [low] = night.submit(document(target=LOW))
    night.run(high, T1, at(0), at(5))
    night.run(low, T2, at(0), at(5))

    verdict = night.judge()

    [(rule, subject, text)] = found(verdict)
    assert (rule, subject) == ("sky constraints", low)
    assert text.startswith(f"start 20:00:00 on {T2}: altitude 20.0")
    assert "deg below min_altitude_deg 30, max_airmass 2 (30.0 deg)" in text


def test_the_mount_limit_and_the_airmass_are_checked_without_a_min_altitude(
    night: Night,
) -> None:
    """20 degrees up is airmass 2.9 (over 2.5), and below t2's 20 degree limit once it sets."""
    _, [task] = night.submit(document(target=LOW, constraints={"max_airmass": 2.5}))
    night.run(task, T2, at(0), at(5), exposures=[(at(4), 60.0)])

    [(rule, _, text)] = found(night.judge())

    assert rule == "sky constraints"
    assert "max_airmass 2.5 (23.6 deg)" in text and "the mount's limit" not in text
    assert text.endswith("(and 1 more instants)")
    [(_, _, later)] = found(
        judge_correctness(read_night(night.store, END), {T2: Mount(LA_PALMA, 25.0)}, Allowances())
    )
    assert "the mount's limit 25" in later


def test_the_sun_above_the_twilight_limit_is_caught(night: Night) -> None:
    """18:45 UTC in December at La Palma: the sun is about 10 degrees down, not dark."""
    target = sky_at(60.0, 120.0, at(-75))
    window = (at(-120), at(600))
    _, [task] = night.submit(document(target=target, window=window))
    night.run(task, T1, at(-75), at(-70))

    [(rule, _, text)] = found(night.judge())

    assert rule == "sky constraints" and "above astronomical twilight (-18)" in text


def test_an_instant_on_a_telescope_without_a_known_site_is_a_violation(night: Night) -> None:
    _, [task] = night.submit(document())
    night.run(task, "astro/telescope/elsewhere", at(0), at(5))

    [(rule, _, text)] = found(night.judge())

    assert rule == "sky constraints" and "no site known for telescope" in text


def test_an_illegal_edge_in_a_task_history_is_caught(night: Night) -> None:
    _, [good, bad] = night.submit(document(mode="parallel", instruments=2))
    night.run(good, T1, at(0), at(5))
    night.store.transition_task(  # the store keeps what it is told; the domain would refuse
        bad,
        expected_version=night.store.get_task(bad).version,
        from_status="pending",
        to_status="completed",
        actor="executor",
        reason="by hand",
        at=at(3),
    )

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("lifecycle histories", bad)
    assert text.startswith("illegal task transition pending -> completed by executor")


def test_an_edge_by_an_actor_it_does_not_allow_is_caught(night: Night) -> None:
    observation_id, [_] = night.submit(document())
    night.store.transition_observation(
        observation_id,
        expected_version=1,
        from_status="pending",
        to_status="assigned",
        actor="user",
        reason="by hand",
        at=at(0),
    )

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("lifecycle histories", observation_id)
    assert "pending -> assigned by user" in text


def test_a_reset_edge_is_allowed_only_in_a_monitoring_series(night: Night) -> None:
    series = {"cadence_s": 86400, "max_observations": 3}
    monitored, [m_task] = night.submit(document(monitoring=series))
    single, [s_task] = night.submit(document())
    for task in (m_task, s_task):
        night.run(task, T1, at(0), at(5))
        night.store.transition_task(
            task,
            expected_version=night.store.get_task(task).version,
            from_status="completed",
            to_status="pending",
            actor="system",
            reason="next run of the series",
            at=at(6),
        )

    [(rule, subject, text)] = found(night.judge())

    assert (rule, subject) == ("lifecycle histories", s_task)
    assert "only as the monitoring reset" in text
    assert monitored != single


def test_a_series_run_is_held_to_its_own_window(night: Night) -> None:
    """After the first run the window moves a day on: a run there may end after the first."""
    series = {"cadence_s": 86400, "max_observations": 3}
    observation_id, [task] = night.submit(document(monitoring=series, window=(at(-60), at(60))))
    night.run(task, T1, at(0), at(5))
    night.store.add_series_run(
        SeriesRunRecord(observation_id, 1, "completed", at(5), at(-60) + timedelta(days=1))
    )
    night.store.transition_task(
        task,
        expected_version=night.store.get_task(task).version,
        from_status="completed",
        to_status="pending",
        actor="system",
        reason="next run of the series",
        at=at(5),
        updates={
            "window_start": at(-60) + timedelta(days=1),
            "window_end": at(60) + timedelta(days=1),
        },
    )
    later = at(0) + timedelta(days=1)
    night.run(task, T1, later, later + timedelta(minutes=5))

    verdict = judge_correctness(read_night(night.store, END + timedelta(days=1)), MOUNTS)

    assert found(verdict) == []
    assert checked(verdict)["window ends"] == 2


def test_the_table_lists_every_violation_and_the_store_can_be_judged_by_url(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(url)
    night = Night(store)
    observation_id, [task] = night.submit(document(window=(at(-60), at(10))))
    night.run(task, T1, at(5), at(15))
    store.close()

    verdict = judge_store(url, END, MOUNTS, [observation_id])

    assert not verdict.ok
    text = " ".join(correctness_text(verdict, width=100).split())
    assert "Correctness oracle: 1 violation, NOT ZERO" in text
    assert f"window ends: {task}: run started 20:05:00 ended 20:15:00" in text


def test_a_target_too_close_to_the_moon_is_caught(night: Night) -> None:
    from sched_rig import moon_position

    _, [task] = night.submit(
        document(target=moon_position(NIGHT), constraints={"min_moon_separation_deg": 30})
    )
    night.run(task, T1, at(0), at(5))

    [(rule, _, text)] = found(night.judge())

    assert rule == "sky constraints" and "(min_moon_separation_deg 30)" in text


def sky_flat() -> dict[str, Any]:
    doc = document()
    doc["queue"] = "maintenance"
    doc["requests"] = [
        {
            "type": "calibration",
            "kind": "sky_flat",
            "filter": "g",
            "exposure_s": 3,
            "count": 3,
            "constraints": {"twilight": "civil"},
        }
    ]
    return doc


def test_a_sky_flat_in_the_dark_is_caught_and_in_twilight_passes(night: Night) -> None:
    """A sky flat with twilight civil ran with the sun at -35 deg: its band is -6..0."""
    _, [dark] = night.submit(sky_flat())
    night.run(dark, T1, at(0), at(2))  # 20:00: the sun is about 25 degrees down
    [(rule, _, text)] = found(night.judge())
    assert rule == "sky constraints" and "outside the twilight band -6..0" in text


def test_a_sky_flat_in_civil_twilight_passes(night: Night) -> None:
    doc = sky_flat()
    doc["window"]["start"] = at(-100).isoformat()
    _, [flat] = night.submit(doc)
    night.run(flat, T1, at(-90), at(-88))  # 18:30 UTC: the sun a few degrees down
    assert found(night.judge()) == []


def fail_observation(night: Night, observation_id: str, when: datetime) -> None:
    """The observation fails at ``when`` (assigned by its first task's plan, then failed)."""
    for to_status, actor in (("in_progress", "executor"), ("failed", "system")):
        record = night.store.get_observation(observation_id)
        night.store.transition_observation(
            observation_id,
            expected_version=record.version,
            from_status=record.status,
            to_status=to_status,
            actor=actor,
            reason="by hand",
            at=when,
        )


@pytest.mark.parametrize(
    ("start", "end", "caught"), [(0, 10.1, False), (0, 30, True), (12, 20, True)]
)
def test_a_run_going_on_after_its_observation_failed_is_caught(
    night: Night, start: float, end: float, caught: bool
) -> None:
    observation, [one, other] = night.submit(document(mode="parallel", instruments=2))
    night.run(one, T1, at(0), at(5))
    fail_observation(night, observation, at(10))
    night.run(other, T2, at(start), at(end))

    violations = [(rule, subject) for rule, subject, _ in found(night.judge())]

    assert (("runs end with their observation", other) in violations) is caught
