"""The Scheduler component manager against a real store: plans, stale runs, explanations."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sched_rig import NIGHT, TELESCOPES, example, moon_position, single_target

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake
from astrotango.control.scheduler import (
    SchedulerComponentManager,
    ScheduleSnapshot,
    telescopes_from_json,
)
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.scheduling import Plan, SchedulableTask, Telescope, plan
from astrotango.store import Store, open_store

RADIO = {"astro/telescope/r1", "astro/telescope/r2"}


class Reports:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __call__(self, **report: Any) -> None:
        self.items.append({k: v for k, v in report.items() if v is not None})

    @property
    def progress(self) -> list[int]:
        return [r["progress"] for r in self.items if "progress" in r]

    @property
    def result(self) -> Any:
        return [r["result"] for r in self.items if "result" in r][-1]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


def manager(
    store: Store, published: list[ScheduleSnapshot], **kwargs: Any
) -> SchedulerComponentManager:
    return SchedulerComponentManager(
        store=store,
        telescopes=telescopes_from_json(json.dumps(TELESCOPES)),
        clock=ManualClock(NIGHT),
        publish=published.append,
        **kwargs,
    )


def submit(store: Store, *documents: dict[str, Any]) -> list[str]:
    intake = ObservationIntake(store, clock=ManualClock(NIGHT - timedelta(hours=6)))
    return [intake.submit(json.dumps(d)) for d in documents]


def test_a_run_publishes_first_slots_then_a_full_non_overlapping_plan(store: Store) -> None:
    _, cas_a, _ = submit(
        store, example("m31_mosaic"), example("cas_a_synchronized"), example("w51_daisy_parallel")
    )
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    reports = Reports()
    cm.run(task_callback=reports, abort_event=threading.Event())
    assert reports.progress == sorted(reports.progress) and reports.progress[-1] == 100
    assert reports.result[0] == ResultCode.OK and "Planned" in reports.result[1]
    first, full = published
    assert first.partial and not full.partial and full.version == first.version + 1
    assert len({b["telescope"] for b in first.blocks}) == len(first.blocks), "one per telescope"
    assert full.tasks_considered == len(store.tasks_by_status("pending"))
    by_telescope: dict[str, list[tuple[str, str]]] = {}
    for block in full.blocks:
        by_telescope.setdefault(block["telescope"], []).append((block["start"], block["end"]))
        assert block["merits"]["priority"] >= 1
    for spans in by_telescope.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    radio = [b for b in full.blocks if b["telescope"] in RADIO]
    optical_obs = {b["observation"] for b in full.blocks if b["telescope"] not in RADIO}
    assert radio and len(optical_obs) == 1, "radio work on the dishes, M31 on a camera"
    synchronized = [b for b in radio if b["observation"] == cas_a]
    assert len(synchronized) == 2 and len({b["start"] for b in synchronized}) == 1
    assert {b["telescope"] for b in synchronized} == RADIO, "one sync group, same start"
    mosaic = [b for b in full.blocks if b["observation"] in optical_obs]
    assert {b["telescope"] for b in mosaic} == {"astro/telescope/t1"}, (
        "1 deg tiles need t1's 1.2 deg"
    )


def test_a_trigger_mid_run_discards_the_stale_plan(store: Store) -> None:
    submit(store, example("m31_mosaic"))
    published: list[ScheduleSnapshot] = []
    entered, release = threading.Event(), threading.Event()

    def slow_planner(
        tasks: Sequence[SchedulableTask],
        telescopes: Sequence[Telescope],
        start: datetime,
        end: datetime,
    ) -> Plan:
        entered.set()
        assert release.wait(10)
        return plan(tasks, telescopes, start, end)

    cm = manager(store, published, planner=slow_planner)
    reports = Reports()
    runner = threading.Thread(
        target=cm.run, kwargs={"task_callback": reports, "abort_event": threading.Event()}
    )
    runner.start()
    assert entered.wait(10)
    cm.trigger("a task finished")  # newer trigger while the first run is planning
    release.set()
    runner.join(10)
    assert reports.result == (ResultCode.OK, "Plan discarded: a newer trigger superseded this run")
    assert [r["status"] for r in reports.items if "status" in r] == [TaskStatus.COMPLETED]
    deadline = datetime.now() + timedelta(seconds=60)
    while cm.executor.busy and datetime.now() < deadline:  # the re-triggered run (executor)
        threading.Event().wait(0.05)
    # Only the re-triggered run published (first slots, then its plan); the stale one nothing.
    assert [s.partial for s in published] == [True, False]
    cm.close()


def explanation(cm: SchedulerComponentManager, observation_id: str) -> dict[str, Any]:
    [answer] = cm.explain(observation_id)
    return answer


def test_explain_says_why_a_task_cannot_be_planned(store: Store) -> None:
    moon_ra, moon_dec = moon_position(NIGHT + timedelta(hours=3))
    never, moon, window, fine = submit(
        store,
        single_target("south-pole-star", 30.0, -80.0),
        single_target("near-moon", moon_ra, moon_dec + 5.0, min_moon_separation_deg=30.0),
        single_target(
            "too-late", 70.0, 20.0, window=("2026-12-17T20:00:00Z", "2026-12-18T04:00:00Z")
        ),
        single_target("capella", 79.17, 45.99),
    )
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    assert "never rises" in explanation(cm, never)["message"]
    assert "moon" in explanation(cm, moon)["message"]
    assert "window" in explanation(cm, window)["message"]
    ok = explanation(cm, fine)
    assert ok["scheduled"] and ok["merits"]["priority"] == 5
    from astrotango.domain import NotFound

    with pytest.raises(NotFound):
        cm.explain("obs-nothing")


def test_a_filter_only_one_telescope_has_decides_where_a_task_goes(store: Store) -> None:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": "Halpha", "exposure_s": 60, "count": 1}]
    submit(store, document)
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    assert [b["telescope"] for b in published[-1].blocks] == ["astro/telescope/t2"]
    document["requests"][0]["exposures"][0]["filter"] = "Y"
    [nowhere] = submit(store, {**document, "name": "no such filter"})
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    assert "no telescope has an optical camera with filter Y" in explanation(cm, nowhere)["message"]


def test_a_telescope_running_a_task_is_planned_from_that_tasks_expected_end(
    store: Store,
) -> None:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": "Halpha", "exposure_s": 600, "count": 3}]
    busy, waiting = submit(store, document, {**document, "name": "second"})
    [running] = store.tasks_of_observation(busy)
    store.transition_task(
        running.id, expected_version=running.version, from_status="pending",
        to_status="scheduled", actor="scheduler", reason="planned", at=NIGHT,
        updates={"telescope": "astro/telescope/t2", "planned_start": NIGHT},
    )  # fmt: skip
    store.claim_task(running.id, claimant="test", at=NIGHT)
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    [block] = published[-1].blocks
    assert block["observation"] == waiting and block["telescope"] == "astro/telescope/t2"
    ends = NIGHT + timedelta(seconds=running.duration_s)
    assert datetime.fromisoformat(block["start"]) >= ends, "not while the first one runs"


def test_plans_respect_each_kind_of_telescopes_horizon_limit(store: Store) -> None:
    from astrotango.control.observation.records import task_spec
    from astrotango.control.scheduler import horizon_limits, schedulable_tasks

    telescopes = telescopes_from_json(json.dumps(TELESCOPES))
    limits = horizon_limits(telescopes)
    by_id = {t.id: t.min_altitude_deg for t in telescopes}
    assert limits["optical"] == max(by_id["astro/telescope/t1"], by_id["astro/telescope/t2"])
    assert limits["radio"] == by_id["astro/telescope/r1"] > 0
    [obs] = submit(store, single_target("capella", 79.17, 45.99))
    specs = [task_spec(r) for r in store.tasks_of_observation(obs)]
    [task] = schedulable_tasks(specs, at=NIGHT, site_lat_deg=28.76, fov_deg=1.0, horizon_deg=limits)
    assert task.constraints.min_altitude_deg == limits["optical"]


def schedule(store: Store, task_id: str, telescope: str, start: datetime) -> None:
    task = store.get_task(task_id)
    store.transition_task(
        task.id, expected_version=task.version, from_status="pending",
        to_status="scheduled", actor="scheduler", reason="planned", at=NIGHT,
        updates={"telescope": telescope, "planned_start": start},
    )  # fmt: skip


def test_a_task_due_within_the_commit_window_keeps_its_slot(store: Store) -> None:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": "r", "exposure_s": 60, "count": 3}]
    soon, later, urgent, busy = submit(
        store,
        document,
        {**document, "name": "later"},
        {**document, "priority": 9},
        {**document, "name": "running"},
    )
    [soon_task], [later_task], [running] = (
        store.tasks_of_observation(o) for o in (soon, later, busy)
    )
    t2 = "astro/telescope/t2"
    schedule(store, running.id, t2, NIGHT - timedelta(minutes=1))
    store.claim_task(running.id, claimant="test", at=NIGHT - timedelta(minutes=1))
    schedule(store, soon_task.id, t2, NIGHT + timedelta(minutes=5))
    schedule(store, later_task.id, t2, NIGHT + timedelta(hours=2))
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    first, full = published
    kept = [b for b in full.blocks if b["task"] == soon_task.id]
    assert [(b["telescope"], b["start"]) for b in kept] == [(t2, "2026-12-15T20:05:00Z")]
    assert kept[0]["merits"]["committed"] == 1.0
    assert kept[0] in first.blocks, "the first slot of t2 is the kept one"
    moved = [b for b in full.blocks if b["task"] == later_task.id]
    assert all("committed" not in b["merits"] for b in moved), "two hours ahead: re-planned"
    on_t2 = sorted((b["start"], b["end"]) for b in full.blocks if b["telescope"] == t2)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(on_t2)), "nothing overlaps it"
    assert any(b["observation"] == urgent for b in full.blocks)


def test_the_next_task_of_an_idle_telescope_is_planned_afresh(store: Store) -> None:
    """Kept slots settle what follows a running task; a free telescope need not wait for one.

    A task that ends early leaves its telescope idle before the next planned start: the
    re-plan then starts work at once instead of keeping the stale slot.
    """
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": "r", "exposure_s": 60, "count": 3}]
    [soon] = submit(store, document)
    [soon_task] = store.tasks_of_observation(soon)
    schedule(store, soon_task.id, "astro/telescope/t2", NIGHT + timedelta(minutes=5))
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    [block] = published[-1].blocks
    assert "committed" not in block["merits"]
    assert block["start"] == "2026-12-15T20:00:00Z", "the telescope is free now: start now"


def test_a_sync_group_is_never_kept_in_part(store: Store) -> None:
    [cas_a] = submit(store, example("cas_a_synchronized"))
    one, other = store.tasks_of_observation(cas_a)
    assert one.sync_group is not None and one.sync_group == other.sync_group
    schedule(store, one.id, "astro/telescope/r1", NIGHT + timedelta(minutes=5))
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    blocks = [b for b in published[-1].blocks if b["observation"] == cas_a]
    assert all("committed" not in b["merits"] for b in blocks), "its partner is not planned"
    assert len(blocks) == 2 and len({b["start"] for b in blocks}) == 1, "planned together"


def test_a_pool_change_a_run_already_planned_with_does_not_trigger_another(store: Store) -> None:
    """A task that starts is both a trigger and a store change: one re-plan, not two."""
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    assert cm.poll_task_pool() is False, "the first poll only takes the marker"
    submit(store, example("m31_mosaic"))  # moves the pool (a trigger would plan it) ...
    cm.run(task_callback=Reports(), abort_event=threading.Event())  # ... and this run plans it
    assert cm.poll_task_pool() is False, "the run saw that change"
    submit(store, example("cas_a_synchronized"))
    assert cm.poll_task_pool() is True, "a change after the run re-plans"
    cm.close()


def fixed_time(document: dict[str, Any], at: datetime, tolerance_s: float) -> dict[str, Any]:
    request = document["requests"][0]
    request["timing"] = {
        "mode": "fixed_time",
        "start_at": at.isoformat(),
        "tolerance_s": tolerance_s,
    }
    return document


@pytest.mark.parametrize("tolerance_s", [120.0, 0.0])
def test_a_fixed_time_request_is_planned_within_its_tolerance(
    store: Store, tolerance_s: float
) -> None:
    """Cas A due at 22:00 +- 120 s ran at 20:05: the planner never read ``timing``."""
    due = NIGHT + timedelta(hours=2, seconds=17)  # off the planner's 60 s grid
    [obs] = submit(store, fixed_time(single_target("capella", 79.17, 45.99), due, tolerance_s))
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    [block] = [b for b in published[-1].blocks if b["observation"] == obs]
    start = datetime.fromisoformat(block["start"])
    assert abs((start - due).total_seconds()) <= tolerance_s, block["start"]
    ends = datetime.fromisoformat(block["end"])
    [task] = store.tasks_of_observation(obs)
    assert (ends - start).total_seconds() == pytest.approx(task.duration_s)


def test_a_fixed_time_the_sky_does_not_allow_is_explained_not_moved(store: Store) -> None:
    """Capella is below the horizon at 12:00 UTC: the request is impossible, not run later."""
    noon = NIGHT + timedelta(hours=16)
    document = single_target("capella", 79.17, 45.99)
    document["window"] = {
        "start": NIGHT.isoformat(),
        "end": (noon + timedelta(hours=1)).isoformat(),
    }
    document.pop("cancel_on", None)
    [obs] = submit(store, fixed_time(document, noon, 300.0))
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published, horizon_s=86_400.0)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    assert not [b for b in published[-1].blocks if b["observation"] == obs]
    answer = explanation(cm, obs)
    assert not answer["scheduled"]
    assert "below 20° altitude at its fixed time 12:00 UTC" in answer["message"], answer


def test_parallel_copies_run_at_the_same_time_on_distinct_telescopes(store: Store) -> None:
    """Jupiter's M42 x2 ran on t2 at 21:04 and 22:03: ``parallel`` copies were planned apart."""
    document = single_target("capella", 79.17, 45.99)
    request = document["requests"][0]
    request["exposures"] = [{"filter": "r", "exposure_s": 60, "count": 3}]
    request["assignment_mode"], request["instruments"] = "parallel", 2
    # a more valuable task that only t1 can do wants the first hours of t1
    busy = single_target("vega", 279.23, 38.78)
    busy["priority"] = 9
    busy["requests"][0]["exposures"] = [{"filter": "z", "exposure_s": 600, "count": 6}]
    [obs, _] = submit(store, document, busy)
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    copies = [b for b in published[-1].blocks if b["observation"] == obs]
    assert len(copies) == 2
    assert len({b["telescope"] for b in copies}) == 2, copies
    first, second = sorted(copies, key=lambda b: b["start"])
    assert second["start"] < first["end"], "the copies overlap in time"


def test_parallel_copies_due_soon_keep_their_slots_while_one_telescope_waits(
    store: Store,
) -> None:
    """Jupiter's M42 pair was planned 7 times and never ran: each re-plan filled the idle
    telescope's wait for its partner and pushed the pair out."""
    document = single_target("capella", 79.17, 45.99)
    request = document["requests"][0]
    request["exposures"] = [{"filter": "r", "exposure_s": 60, "count": 3}]
    request["assignment_mode"], request["instruments"] = "parallel", 2
    filler = single_target("vega", 279.23, 38.78)
    filler["requests"][0]["exposures"] = [{"filter": "r", "exposure_s": 60, "count": 3}]
    pair, _, busy = submit(store, document, filler, {**filler, "name": "running"})
    one, other = store.tasks_of_observation(pair)
    [running] = store.tasks_of_observation(busy)
    t1, t2 = "astro/telescope/t1", "astro/telescope/t2"
    schedule(store, running.id, t1, NIGHT - timedelta(minutes=1))
    store.claim_task(running.id, claimant="test", at=NIGHT - timedelta(minutes=1))
    schedule(store, one.id, t1, NIGHT + timedelta(minutes=6))
    schedule(store, other.id, t2, NIGHT + timedelta(minutes=6))  # t2 is idle meanwhile
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    kept = [b for b in published[-1].blocks if b["observation"] == pair]
    assert sorted((b["telescope"], b["start"]) for b in kept) == [
        (t1, "2026-12-15T20:06:00Z"),
        (t2, "2026-12-15T20:06:00Z"),
    ]
    assert all(b["merits"]["committed"] == 1.0 for b in kept)


def sun_altitude(at: datetime) -> float:
    from astropy import units
    from astropy.coordinates import AltAz, EarthLocation, get_body
    from astropy.time import Time

    import astrotango.astro  # noqa: F401

    site = EarthLocation(lat=28.7606 * units.deg, lon=-17.8816 * units.deg, height=2396 * units.m)
    sun = get_body("sun", Time(at), site).transform_to(AltAz(obstime=Time(at), location=site))
    return float(sun.alt.deg)


def test_a_sky_flat_is_planned_in_twilight_not_in_the_night(store: Store) -> None:
    """A sky flat with ``twilight: civil`` ran with the sun at -35 deg ("at least civil dark")."""
    document = example("calibration_night")
    document["requests"] = [r for r in document["requests"] if r["kind"] == "sky_flat"]
    [obs] = submit(store, document)
    published: list[ScheduleSnapshot] = []
    cm = manager(store, published)
    cm.run(task_callback=Reports(), abort_event=threading.Event())
    [block] = [b for b in published[-1].blocks if b["observation"] == obs]
    for moment in (block["start"], block["end"]):
        assert -6.0 <= sun_altitude(datetime.fromisoformat(moment)) <= 0.0, block
