"""Dispatch and outcomes against a real store, with telescopes the test drives by hand."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from control_rig import T1, T2, ControlRig
from fake_links import FakeLink
from sched_rig import NIGHT, example, single_target

from astrotango.control.observation.dispatch import Dispatcher
from astrotango.control.observation.fleet import Fleet
from astrotango.control.observation.outcomes import OutcomeHandler
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import (
    OBSERVATION_RESET_TRANSITIONS,
    OBSERVATION_TRANSITIONS,
    TASK_RESET_TRANSITIONS,
    TASK_TRANSITIONS,
    Actor,
    ObservationStatus,
    TaskState,
)
from astrotango.store import Store, TransitionRecord, open_store


class Rig(ControlRig):
    links: dict[str, FakeLink]

    def __init__(self, store: Store) -> None:
        super().__init__(store, {T1: FakeLink(T1), T2: FakeLink(T2)})
        self.eligible = {T1: (True, ""), T2: (True, "")}
        self.interlocked: set[str] = set()
        self.dispatcher = self.new_dispatcher(
            eligibility=lambda t, queue: self.eligible[t],
            interlocked=lambda t: t in self.interlocked,
        )

    def plan(self, observation_id: str, telescope: str, minutes: int = 0) -> str:
        [task] = [
            t for t in self.store.tasks_of_observation(observation_id) if t.status == "pending"
        ][:1]
        start = self.clock.now() + timedelta(minutes=minutes)
        self.dispatcher.apply_schedule(
            [{"task": task.id, "telescope": telescope, "start": start.isoformat()}]
        )
        return task.id


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield Rig(store)
    store.close()


def assert_every_transition_is_allowed(announced: list[TransitionRecord]) -> None:
    for t in announced:
        if t.from_status is None:
            continue
        if t.entity_kind == "observation":
            edge = (ObservationStatus(t.from_status), ObservationStatus(t.to_status))
            table = {**OBSERVATION_TRANSITIONS, **OBSERVATION_RESET_TRANSITIONS}
        else:
            edge = (TaskState(t.from_status), TaskState(t.to_status))
            table = {**TASK_TRANSITIONS, **TASK_RESET_TRANSITIONS}
            if edge == (TaskState.SCHEDULED, TaskState.RUNNING):
                assert t.actor == Actor.EXECUTOR
                continue
        assert edge in table, f"{edge} is not an edge of the lifecycle"
        assert Actor(t.actor) in table[edge], f"{t.actor} may not cause {edge}"


def test_a_task_runs_to_completion_and_the_observation_completes(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1, minutes=10)
    assert rig.task(task_id).status == "scheduled" and rig.status(obs) == "assigned"
    rig.dispatcher.tick()
    assert rig.links[T1].executed == [], "not before its planned start"
    rig.clock.advance(600)
    rig.dispatcher.tick()
    assert rig.links[T1].executed == [task_id]
    assert rig.task(task_id).status == "running" and rig.status(obs) == "in_progress"
    rig.links[T1].progress(task_id, 40)
    assert rig.task(task_id).progress == pytest.approx(0.4)
    rig.links[T1].finish(task_id)
    assert rig.task(task_id).status == "completed"
    assert rig.status(obs) == "completed"
    [asset] = rig.store.assets_of_observation(obs)
    assert asset.task_info["task_id"] == task_id
    steps = [(t.from_status, t.to_status, t.actor) for t in rig.store.transitions_of(obs)]
    assert steps == [
        (None, "pending", "user"),
        ("pending", "assigned", "scheduler"),
        ("assigned", "in_progress", "executor"),
        ("in_progress", "acquisition_complete", "executor"),
        ("acquisition_complete", "completed", "system"),
    ]
    assert_every_transition_is_allowed(rig.announced)


def test_clouds_mid_task_interrupt_suspend_then_resume(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.eligible[T1] = (False, "astro/constraint/cloud: cloud cover 80% > 30%")
    rig.dispatcher.tick()
    assert rig.links[T1].stops == 1
    rig.links[T1].finish(
        task_id,
        partial=True,
        status=TaskStatus.ABORTED,
        result=[ResultCode.ABORTED, "aborted during expose_2"],
    )
    assert rig.task(task_id).status == "pending" and rig.task(task_id).attempts == 1
    assert rig.status(obs) == "suspended"
    assert [a.partial for a in rig.store.assets_of_observation(obs)] == [True]
    rig.eligible[T1] = (True, "")
    rig.plan(obs, T1)
    rig.dispatcher.tick()
    assert rig.status(obs) == "in_progress"
    resumed = [t for t in rig.announced if t.entity_id == obs][-1]
    assert (resumed.from_status, resumed.actor) == ("suspended", "system")
    rig.links[T1].finish(task_id)
    assert rig.status(obs) == "completed"
    assert_every_transition_is_allowed(rig.announced)


def test_a_fired_interlock_owns_the_shutdown_the_controller_sends_no_abort(rig: Rig) -> None:
    """Issue 11: the controller's Abort emptied the telescope's queue, SafeShutdown included."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.interlocked.add(T1)
    rig.eligible[T1] = (False, "interlock astro/interlock/rain has fired")
    rig.dispatcher.tick()
    rig.dispatcher.tick()
    assert rig.links[T1].stops == 0, "an Abort went to a telescope whose interlock fired"
    # the interlock's SafeShutdown preempts the task on the telescope: it ends ABORTED
    rig.links[T1].finish(
        task_id, partial=True, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "aborted"]
    )
    assert rig.task(task_id).status == "pending" and rig.status(obs) == "suspended"
    requeued = [t for t in rig.announced if t.entity_id == task_id and t.to_status == "pending"]
    assert requeued and requeued[-1].reason.startswith("interrupted: interlock")
    assert [a.partial for a in rig.store.assets_of_observation(obs)] == [True]


def test_a_user_abort_under_a_fired_interlock_sends_no_abort_either(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.interlocked.add(T1)
    rig.dispatcher.stop_task(task_id, "aborted by user")
    assert rig.links[T1].stops == 0


def test_a_constraint_failing_before_start_requeues_without_claiming(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.eligible[T1] = (False, "rain")
    rig.dispatcher.tick()
    assert rig.links[T1].executed == []
    assert rig.task(task_id).status == "pending" and rig.task(task_id).fencing_token == 0
    assert rig.status(obs) == "pending"
    assert_every_transition_is_allowed(rig.announced)


def test_an_instrument_failure_is_retried_on_another_telescope(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.links[T1].finish(
        task_id, status=TaskStatus.FAILED, result=[ResultCode.FAILED, "camera timeout"]
    )
    assert rig.task(task_id).status == "pending"
    rig.plan(obs, T2)
    rig.dispatcher.tick()
    rig.links[T2].finish(task_id)
    assert rig.status(obs) == "completed"
    moves = [(a.from_telescope, a.to_telescope) for a in rig.store.assignment_history(task_id)]
    assert moves == [(None, T1), (T1, T2)]
    assert rig.links[T1].executed == [task_id] and rig.links[T2].executed == [task_id]
    assert_every_transition_is_allowed(rig.announced)


def test_a_lost_telescope_returns_its_work_and_a_late_report_is_ignored(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.dispatcher.telescope_lost(T1, "heartbeat lost")
    assert rig.task(task_id).status == "pending" and rig.status(obs) == "suspended"
    rig.plan(obs, T1)
    assert rig.task(task_id).status == "pending", "nothing is planned on an offline telescope"
    rig.plan(obs, T2)
    rig.dispatcher.tick()
    rig.links[T1].finish(task_id)  # the zombie reports late: fenced out
    assert rig.task(task_id).status == "running"
    rig.links[T2].finish(task_id)
    assert rig.status(obs) == "completed"
    assert_every_transition_is_allowed(rig.announced)


def test_a_monitoring_series_resets_after_each_run_and_stops_at_its_maximum(rig: Rig) -> None:
    document = example("sn_monitoring_series")
    document["monitoring"]["max_observations"] = 2
    obs = rig.submit(document)
    for run in (1, 2):
        [task_id] = [t.id for t in rig.store.tasks_of_observation(obs)]
        rig.plan(obs, T1)
        rig.dispatcher.tick()
        rig.links[T1].finish(task_id)
        expected = "pending" if run == 1 else "completed"
        assert rig.status(obs) == expected
        if run == 1:  # the next run's window: one cadence later, tasks and observation alike
            record = rig.store.get_observation(obs)
            [task] = rig.store.tasks_of_observation(obs)
            assert record.window_start == NIGHT.replace(hour=18) + timedelta(days=1)
            assert (task.window_start, task.window_end) == (record.window_start, record.window_end)
            rig.clock.advance(86_400)
    record = rig.store.get_observation(obs)
    assert record.cadence_next_eligible is not None
    assert [r.run for r in rig.store.series_history(obs)] == [1, 2]
    assert_every_transition_is_allowed(rig.announced)


def test_a_plan_made_before_a_series_reset_cannot_start_the_next_run_early(rig: Rig) -> None:
    document = example("sn_monitoring_series")
    document["monitoring"]["cadence_s"] = 1800
    obs = rig.submit(document)
    [task_id] = [t.id for t in rig.store.tasks_of_observation(obs)]
    stale = [{"task": task_id, "telescope": T1, "start": rig.clock.now().isoformat()}]
    rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.links[T1].finish(task_id)
    assert rig.status(obs) == "pending" and rig.task(task_id).status == "pending"
    rig.dispatcher.assign_blocks(stale)  # a first-slot plan computed during run 1, late
    rig.dispatcher.apply_schedule(stale)
    rig.dispatcher.tick()
    assert rig.task(task_id).status == "pending" and rig.links[T1].executed == [task_id]


def monitors(rig: Rig, holding: Any = None, **settings: Any) -> Any:
    from astrotango.control.observation.monitors import Monitors, MonitorSettings

    seen: dict[str, list[Any]] = {"telescopes": [], "stale": []}
    m = Monitors(
        rig.dispatcher,
        MonitorSettings(**settings),
        on_telescope=lambda t, online: seen["telescopes"].append((t, online)),
        on_stale=seen["stale"].append,
        holding=holding,
    )
    return m, seen


def test_the_heartbeat_monitor_marks_a_silent_telescope_offline_and_back(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    m, seen = monitors(rig, heartbeat_timeout_s=3.0)
    rig.links[T1].heartbeat = 10.0
    m.check_heartbeats()
    assert seen["telescopes"] == [(T1, False)]
    assert rig.task(task_id).status == "pending" and rig.status(obs) == "suspended"
    rig.links[T1].heartbeat = 0.5
    m.check_heartbeats()
    assert seen["telescopes"] == [(T1, False), (T1, True)]
    assert_every_transition_is_allowed(rig.announced)


def test_the_stale_monitor_warns_at_one_hour_and_acts_at_two(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    rig.plan(obs, T1, minutes=5)  # and the telescope never picks it up (no tick)
    m, seen = monitors(rig)
    rig.clock.advance(3700)
    m.check_stale()
    assert seen["stale"][-1] == [
        {
            "id": obs,
            "status": "assigned",
            "level": "warning",
            "since": rig.store.get_observation(obs).updated_at.isoformat(),
        }
    ]
    rig.clock.advance(3700)
    m.check_stale()
    assert rig.status(obs) == "pending", "stuck in assigned for 2 h: back to pending"
    assert {t.status for t in rig.store.tasks_of_observation(obs)} == {"pending"}
    assert_every_transition_is_allowed(rig.announced)


def test_waiting_for_a_planned_start_or_out_a_hold_is_not_stale(rig: Rig) -> None:
    later = rig.submit(single_target("capella", 79.17, 45.99))
    rig.plan(later, T1, minutes=600)  # planned ten hours ahead: waiting, not stuck
    held = rig.submit(single_target("vega", 279.23, 38.78))
    [held_task] = [t.id for t in rig.store.tasks_of_observation(held)]
    start = (rig.clock.now() + timedelta(minutes=5)).isoformat()
    rig.dispatcher.assign_blocks([{"task": held_task, "telescope": T2, "start": start}])
    hold = [True]
    m, seen = monitors(rig, holding=lambda: hold[0])
    for _ in range(3):  # three hours of weather hold
        rig.clock.advance(3600)
        m.check_stale()
    assert (rig.status(later), rig.status(held)) == ("assigned", "assigned")
    assert seen["stale"] == []
    hold[0] = False
    rig.clock.advance(3700)  # idle time counts from the end of the hold
    m.check_stale()
    assert [(e["id"], e["level"]) for e in seen["stale"][-1]] == [(held, "warning")]
    rig.clock.advance(3700)
    m.check_stale()
    assert rig.status(held) == "pending" and rig.status(later) == "assigned"


def two_tasks(name: str, ra_deg: float, dec_deg: float) -> dict[str, Any]:
    document = single_target(name, ra_deg, dec_deg)
    document["requests"].append(copy.deepcopy(document["requests"][0]))
    return document


def test_between_tasks_with_the_rest_queued_is_not_stale(rig: Rig) -> None:
    obs = rig.submit(two_tasks("capella", 79.17, 45.99))
    first = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.links[T1].finish(first)
    assert rig.status(obs) == "in_progress"  # the second task waits for the Scheduler
    m, seen = monitors(rig)
    for _ in range(4):  # four hours in which the Scheduler finds no slot for it
        rig.clock.advance(3600)
        m.check_stale()
    assert rig.status(obs) == "in_progress" and seen["stale"] == []
    assert [t.status for t in rig.store.tasks_of_observation(obs)] == ["completed", "pending"]
    rig.plan(obs, T1)  # planned at last, but its slot keeps moving behind other work
    rig.clock.advance(3 * 3600)
    m.check_stale()
    assert rig.status(obs) == "in_progress" and seen["stale"] == []


def test_a_running_task_is_alive_until_its_expected_end(rig: Rig) -> None:
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["exposures"] = [{"filter": "r", "exposure_s": 3000, "count": 3}]
    obs = rig.submit(document)
    running = rig.plan(obs, T1)
    rig.dispatcher.tick()
    m, seen = monitors(rig)
    rig.clock.advance(2.2 * 3600)  # a 2.5 h task, still inside its expected duration
    m.check_stale()
    assert rig.status(obs) == "in_progress" and seen["stale"] == []
    rig.clock.advance(2.5 * 3600)  # now two hours past its expected end
    m.check_stale()
    assert rig.status(obs) == "failed" and rig.task(running).status == "canceled"


def test_a_running_task_silent_two_hours_past_its_end_fails_its_observation(rig: Rig) -> None:
    obs = rig.submit(two_tasks("capella", 79.17, 45.99))
    running = rig.plan(obs, T1)
    rig.dispatcher.tick()  # it runs, then nothing more is ever heard of it
    m, seen = monitors(rig)
    rig.clock.advance(rig.task(running).duration_s + 3700)  # an hour past its expected end
    m.check_stale()
    assert [(e["id"], e["level"]) for e in seen["stale"][-1]] == [(obs, "warning")]
    rig.clock.advance(3700)
    m.check_stale()
    assert rig.status(obs) == "failed"
    assert rig.task(running).status == "canceled"
    assert rig.links[T1].stops == 1, "the telescope is told to stop the task"
    assert_every_transition_is_allowed(rig.announced)


def test_a_task_that_missed_its_slot_behind_a_busy_telescope_is_replanned(rig: Rig) -> None:
    first = rig.submit(single_target("capella", 79.17, 45.99))
    second = rig.submit(single_target("vega", 279.23, 38.78))
    rig.plan(first, T1)
    rig.dispatcher.tick()  # first runs on T1 and overruns
    task_id = rig.plan(second, T1, minutes=5)
    rig.clock.advance(10 * 60)
    rig.dispatcher.tick()
    assert rig.task(task_id).status == "scheduled", "still inside its grace"
    rig.clock.advance(15 * 60)
    rig.dispatcher.tick()
    assert rig.task(task_id).status == "pending" and rig.status(second) == "pending"
    assert rig.links[T1].executed == [rig.store.tasks_of_observation(first)[0].id]
    assert_every_transition_is_allowed(rig.announced)


def test_first_slots_assign_without_unscheduling_the_rest(rig: Rig) -> None:
    a = rig.submit(single_target("capella", 79.17, 45.99))
    b = rig.submit(single_target("vega", 279.23, 38.78))
    task_a = rig.plan(a, T1, minutes=30)
    [task_b] = [t.id for t in rig.store.tasks_of_observation(b)]
    start = (rig.clock.now() + timedelta(minutes=60)).isoformat()
    rig.dispatcher.assign_blocks([{"task": task_b, "telescope": T2, "start": start}])
    assert rig.task(task_a).status == "scheduled", "a first slot elsewhere leaves it planned"
    assert (rig.task(task_b).status, rig.task(task_b).telescope) == ("scheduled", T2)
    rig.dispatcher.apply_schedule([{"task": task_b, "telescope": T2, "start": start}])
    assert rig.task(task_a).status == "pending", "a full plan without it unschedules it"


@pytest.mark.parametrize("started", [True, False], ids=["cut mid-run", "never started"])
def test_a_series_whose_window_closes_goes_on_to_its_next_window(rig: Rig, started: bool) -> None:
    obs = rig.submit(example("sn_monitoring_series"))  # window 18:00-06:00, daily cadence
    first = rig.store.get_observation(obs)
    if started:
        rig.plan(obs, T1)
        rig.dispatcher.tick()  # running when the window closes
    m, _ = monitors(rig)
    rig.clock.advance((first.window_end - rig.clock.now()).total_seconds() + 60)
    m.check_time_limits()
    record = rig.store.get_observation(obs)
    assert record.status == "pending", "one lost night does not end a 20-run series"
    assert record.window_start == first.window_start + timedelta(days=1)
    [run] = rig.store.series_history(obs)
    assert (run.run, run.outcome) == (1, "failed")
    [task] = rig.store.tasks_of_observation(obs)
    assert (task.status, task.window_start) == ("pending", record.window_start)
    last = rig.store.transitions_of(obs)[-1]
    edge = ("failed" if started else "pending", "pending", "system")
    assert (last.from_status, last.to_status, last.actor) == edge
    assert started or "before the run could start" in last.reason
    assert_every_transition_is_allowed(rig.announced)


def test_a_series_with_no_next_run_is_aborted_when_its_last_window_closes(rig: Rig) -> None:
    document = example("sn_monitoring_series")
    document["monitoring"]["max_observations"] = 1
    obs = rig.submit(document)
    m, _ = monitors(rig)
    rig.clock.advance((rig.store.get_observation(obs).window_end - rig.clock.now()).total_seconds())
    rig.clock.advance(60)
    m.check_time_limits()
    assert rig.status(obs) == "aborted"
    [run] = rig.store.series_history(obs)
    assert run.outcome == "failed"
    assert [t.status for t in rig.store.tasks_of_observation(obs)] == ["canceled"]
    assert_every_transition_is_allowed(rig.announced)


def test_the_time_limit_ends_observations_whose_window_closed(rig: Rig) -> None:
    late = rig.submit(
        single_target(
            "capella", 79.17, 45.99, window=("2026-12-15T20:00:00Z", "2026-12-15T20:30:00Z")
        )
    )
    task_id = rig.plan(late, T1, minutes=25)
    rig.clock.advance(25 * 60)
    rig.dispatcher.tick()
    assert rig.links[T1].executed == [], "a task that cannot finish in its window never starts"
    assert rig.task(task_id).status == "canceled"
    m, _ = monitors(rig)
    rig.clock.advance(600)
    m.check_time_limits()
    assert rig.status(late) == "aborted"
    assert_every_transition_is_allowed(rig.announced)


def test_reconciliation_recovers_a_lost_completion_and_requeues_an_unfinished_task(
    rig: Rig,
) -> None:
    from astrotango.control.observation.reconcile import Reconciler

    done = rig.submit(single_target("capella", 79.17, 45.99))
    cut = rig.submit(single_target("vega", 279.23, 38.78))
    [done_task], [cut_task] = (
        [t.id for t in rig.store.tasks_of_observation(o)] for o in (done, cut)
    )
    now = rig.clock.now().isoformat()
    rig.dispatcher.apply_schedule(  # one schedule holds both (each schedule is complete)
        [
            {"task": done_task, "telescope": T1, "start": now},
            {"task": cut_task, "telescope": T2, "start": now},
        ]
    )
    rig.dispatcher.tick()
    # The controller dies: a fresh dispatcher knows nothing of the two running tasks.
    fresh = Dispatcher(rig.ledger, Fleet(rig.links), OutcomeHandler(rig.ledger))
    reconciler = Reconciler(fresh)
    exposures = sum(e["count"] for e in single_target("x", 1, 1)["requests"][0]["exposures"])
    rig.links[T1].captured[done_task] = [
        {"id": f"a{i}", "partial": False, "task_info": {"task_id": done_task}}
        for i in range(exposures)
    ]
    rig.links[T2].captured[cut_task] = [
        {"id": "b0", "partial": False, "task_info": {"task_id": cut_task}},
        {"id": "b1", "partial": True, "task_info": {"task_id": cut_task}},
    ]
    rig.links[T1].executed.append("something-else")  # both telescopes have moved on
    rig.links[T2].executed.append("something-else")
    reconciler.run()
    assert rig.status(done) == "completed" and rig.task(done_task).status == "completed"
    assert rig.task(cut_task).status == "pending" and rig.status(cut) == "suspended"
    assert len(rig.store.assets_of_observation(cut)) == 2, "what was captured is kept"
    assert_every_transition_is_allowed(rig.announced)


def test_reconciliation_settles_a_task_claimed_just_before_the_controller_died(
    rig: Rig,
) -> None:
    from astrotango.control.observation.reconcile import Reconciler

    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.store.claim_task(task_id, claimant="controller", at=rig.clock.now())
    assert rig.status(obs) == "assigned", "died before the observation moved on"
    exposures = sum(e["count"] for e in single_target("x", 1, 1)["requests"][0]["exposures"])
    rig.links[T1].captured[task_id] = [
        {"id": f"a{i}", "partial": False, "task_info": {"task_id": task_id}}
        for i in range(exposures)
    ]
    rig.links[T1].executed.append("something-else")  # the telescope finished and moved on
    Reconciler(Dispatcher(rig.ledger, Fleet(rig.links), OutcomeHandler(rig.ledger))).run()
    assert rig.task(task_id).status == "completed" and rig.status(obs) == "completed"
    assert_every_transition_is_allowed(rig.announced)


def test_reconciliation_waits_while_the_telescope_still_executes_the_task(rig: Rig) -> None:
    from astrotango.control.observation.reconcile import Reconciler

    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    reconciler = Reconciler(Dispatcher(rig.ledger, Fleet(rig.links), OutcomeHandler(rig.ledger)))
    reconciler.run()
    assert rig.task(task_id).status == "running" and task_id in reconciler.adopted


def restarted(rig: Rig) -> tuple[Any, Any]:
    """A fresh reconciler and monitors over the rig's store, as after a controller restart."""
    from astrotango.control.observation.monitors import Monitors
    from astrotango.control.observation.reconcile import Reconciler

    fresh = Dispatcher(rig.ledger, Fleet(rig.links), OutcomeHandler(rig.ledger))
    return Reconciler(fresh, silence_s=60.0), Monitors(fresh)


def test_reconciliation_waits_for_the_telescopes_first_reports_after_a_restart(rig: Rig) -> None:
    """Heartbeat heard before currentTaskId, and offline until the monitors see it: still wait."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    link = rig.links[T1]
    link.heartbeat, link.reported = None, False  # the restarted controller has heard nothing
    reconciler, monitors = restarted(rig)
    reconciler.run()
    monitors.check_heartbeats()  # marks every telescope offline: "no heartbeat yet"
    link.heartbeat = 0.0  # the heartbeat event arrives first ...
    reconciler.run()
    assert rig.task(task_id).status == "running", "settled before the telescope said what it runs"
    link.reported = True  # ... then currentTaskId: still this task
    reconciler.run()
    assert rig.task(task_id).status == "running" and task_id in reconciler.adopted
    monitors.check_heartbeats()
    link.finish(task_id)
    link.executed.append("something-else")
    reconciler.run()
    assert rig.task(task_id).status == "completed" and rig.status(obs) == "completed"
    assert rig.task(task_id).fencing_token == 1, "followed, never run again"
    assert_every_transition_is_allowed(rig.announced)


def test_reconciliation_gives_up_on_a_telescope_silent_since_the_restart(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    rig.links[T1].heartbeat, rig.links[T1].reported = None, False
    reconciler, _ = restarted(rig)
    reconciler.run()
    rig.clock.advance(59)
    reconciler.run()
    assert rig.task(task_id).status == "running", "a restart's silence is not yet a loss"
    rig.clock.advance(2)
    reconciler.run()
    assert rig.task(task_id).status == "pending" and rig.status(obs) == "suspended"
    assert task_id not in reconciler.adopted
    assert_every_transition_is_allowed(rig.announced)


def test_reconciliation_asks_the_telescope_before_taking_silence_as_loss(rig: Rig) -> None:
    """A restarted controller's events may not come for longer than the silence limit (its
    subscriptions still connecting while virtual time runs ahead): before settling, the
    reconciler asks the telescope, which answers that it still runs the task (CI: the task
    was settled as unfinished and run a second time)."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    link = rig.links[T1]
    link.heartbeat, link.reported, link.answers = None, False, True  # events lost, reads work
    reconciler, monitors = restarted(rig)
    reconciler.run()
    rig.clock.advance(61)
    reconciler.run()
    monitors.check_heartbeats()
    assert rig.task(task_id).status == "running" and task_id in reconciler.adopted
    assert T1 not in reconciler.dispatcher.offline, "it answered: not lost"
    link.finish(task_id)
    link.executed.append("something-else")
    reconciler.run()
    assert rig.task(task_id).status == "completed" and rig.task(task_id).fencing_token == 1


def test_reconciliation_settles_a_task_whose_telescope_went_silent(rig: Rig) -> None:
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    reconciler, _ = restarted(rig)
    reconciler.run()
    assert task_id in reconciler.adopted, "still reported current: followed"
    rig.links[T1].heartbeat = 61.0  # reported the task, then fell silent
    reconciler.run()
    assert rig.task(task_id).status == "pending" and rig.status(obs) == "suspended"


def test_an_asset_reported_twice_is_registered_once_and_the_outcome_stands(rig: Rig) -> None:
    """CI: a reconciler settling a run whose asset was already stored failed its whole tick
    (DuplicateId); registering an asset is idempotent."""
    obs = rig.submit(single_target("capella", 79.17, 45.99))
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    twice = {"id": "t1-cam-1", "kind": "fits", "task_info": {"task_id": task_id}}
    rig.links[T1].captured[task_id] = [twice, dict(twice)]
    rig.links[T1].finish(task_id)
    assert rig.task(task_id).status == "completed" and rig.status(obs) == "completed"
    assert sorted(a.id for a in rig.store.assets_of_observation(obs)) == [
        f"{task_id}-a2",
        "t1-cam-1",
    ]


def synchronized_pair(rig: Rig) -> tuple[str, list[str]]:
    document = single_target("capella", 79.17, 45.99)
    request = document["requests"][0]
    request["assignment_mode"], request["instruments"] = "parallel_synchronized", 2
    obs = rig.submit(document)
    return obs, [t.id for t in rig.store.tasks_of_observation(obs)]


def plan_blocks(rig: Rig, *blocks: tuple[str, str, int]) -> None:
    rig.dispatcher.apply_schedule(
        [
            {
                "task": task_id,
                "telescope": telescope,
                "start": (rig.clock.now() + timedelta(minutes=minutes)).isoformat(),
            }
            for task_id, telescope, minutes in blocks
        ]
    )


def test_a_sync_group_starts_only_when_every_member_is_due(rig: Rig) -> None:
    """Sync halves started 13 and 48 minutes apart: dispatch started members one by one."""
    _, (one, other) = synchronized_pair(rig)
    plan_blocks(rig, (one, T1, 0), (other, T2, 10))
    rig.dispatcher.tick()
    assert rig.links[T1].executed == [] and rig.links[T2].executed == []
    rig.clock.advance(600)
    rig.dispatcher.tick()
    assert (rig.links[T1].executed, rig.links[T2].executed) == ([one], [other])
    starts = {rig.task(t).claimed_at for t in (one, other)}
    assert len(starts) == 1, "both claimed at one instant"


def test_a_sync_group_with_one_telescope_busy_starts_no_member(rig: Rig) -> None:
    _, (one, other) = synchronized_pair(rig)
    blocker = rig.submit(single_target("vega", 279.23, 38.78))
    rig.plan(blocker, T2)
    rig.dispatcher.tick()  # the blocker runs on T2
    plan_blocks(rig, (one, T1, 0), (other, T2, 0))
    rig.dispatcher.tick()
    assert rig.links[T1].executed == [], "never one member alone"
    rig.clock.advance(16 * 60)  # held past its slot: back to the Scheduler, whole
    rig.dispatcher.tick()
    assert [rig.task(t).status for t in (one, other)] == ["pending", "pending"]
    assert rig.links[T1].executed == []


def test_a_sync_member_that_cannot_start_requeues_the_whole_group(rig: Rig) -> None:
    _, (one, other) = synchronized_pair(rig)
    plan_blocks(rig, (one, T1, 0), (other, T2, 0))
    rig.eligible[T2] = (False, "astro/constraint/cloud: cloud cover 80% > 30%")
    rig.dispatcher.tick()
    assert rig.links[T1].executed == []
    assert [rig.task(t).status for t in (one, other)] == ["pending", "pending"]
    assert_every_transition_is_allowed(rig.announced)


def test_a_sync_member_ending_early_stops_its_partner(rig: Rig) -> None:
    _, (one, other) = synchronized_pair(rig)
    plan_blocks(rig, (one, T1, 0), (other, T2, 0))
    rig.dispatcher.tick()
    rig.links[T1].finish(
        one, status=TaskStatus.FAILED, result=[ResultCode.FAILED, "camera: readout failed"]
    )
    assert rig.links[T2].stops == 1, "its partner does not run on alone"
    assert rig.links[T1].stops == 0


def test_a_fixed_time_task_held_past_its_tolerance_goes_back_to_the_scheduler(rig: Rig) -> None:
    document = single_target("capella", 79.17, 45.99)
    due = rig.clock.now() + timedelta(minutes=5)
    document["requests"][0]["timing"] = {
        "mode": "fixed_time",
        "start_at": due.isoformat(),
        "tolerance_s": 120,
    }
    obs = rig.submit(document)
    blocker = rig.submit(single_target("vega", 279.23, 38.78))
    rig.plan(blocker, T1)
    rig.dispatcher.tick()  # the blocker runs on T1, past the fixed time
    task_id = rig.plan(obs, T1, minutes=5)
    rig.clock.advance(5 * 60 + 121)
    rig.dispatcher.tick()
    assert rig.task(task_id).status == "pending"
    last = rig.store.transitions_of(task_id)[-1]
    assert "missed its fixed time" in last.reason


def test_the_time_limit_ends_an_observation_holding_a_failed_task(rig: Rig) -> None:
    """It raised IllegalTransition (failed -> canceled) and left the observation assigned."""
    document = single_target(
        "capella", 79.17, 45.99, window=("2026-12-15T20:00:00Z", "2026-12-15T20:30:00Z")
    )
    document["requests"][0]["iterations"] = 2
    late = rig.submit(document)
    failed, other = (t.id for t in rig.store.tasks_of_observation(late))
    rig.plan(late, T1)
    rig.dispatcher.tick()
    rig.ledger.move_task(failed, TaskState.FAILED, Actor.EXECUTOR, "camera: readout failed")
    rig.dispatcher.running.clear()
    rig.plan(late, T2, minutes=5)
    m, _ = monitors(rig)
    rig.clock.advance(40 * 60)
    m.check_time_limits()
    assert rig.status(late) == "aborted"
    assert rig.task(failed).status == "failed", "a failed task stays failed"
    assert rig.task(other).status == "canceled"
    assert_every_transition_is_allowed(rig.announced)


def test_a_task_is_sent_with_its_windows_end_as_the_deadline(rig: Rig) -> None:
    obs = rig.submit(
        single_target(
            "capella", 79.17, 45.99, window=("2026-12-15T20:00:00Z", "2026-12-15T22:00:00Z")
        )
    )
    task_id = rig.plan(obs, T1)
    rig.dispatcher.tick()
    [spec] = rig.links[T1].specs
    assert spec["id"] == task_id and spec["deadline"] == "2026-12-15T22:00:00+00:00"


def test_the_claim_announced_is_the_claim_recorded(rig: Rig) -> None:
    """One writer: the move to running reaches lastTransition as the store recorded it."""
    observation = rig.submit(single_target("a", 60.0, 30.0))
    task_id = rig.plan(observation, T1)
    rig.dispatcher.tick()
    [recorded] = [t for t in rig.store.transitions_of(task_id, "task") if t.to_status == "running"]
    announced = [t for t in rig.announced if t.entity_id == task_id and t.to_status == "running"]
    assert announced == [recorded]
    assert "claimed by controller@astro/telescope/t1 (token 1)" in recorded.reason


def test_a_failed_observation_stops_its_tasks_still_running_elsewhere(rig: Rig) -> None:
    """Its sibling ran on for nothing: the observation had failed, final, while it observed."""
    document = single_target("capella", 79.17, 45.99)
    document["requests"][0]["iterations"] = 2
    document["allow_reassignment"] = False
    obs = rig.submit(document)
    one, other = (t.id for t in rig.store.tasks_of_observation(obs))
    plan_blocks(rig, (one, T1, 0), (other, T2, 0))
    rig.dispatcher.tick()
    assert [rig.task(t).status for t in (one, other)] == ["running", "running"]
    rig.links[T1].finish(
        one, status=TaskStatus.FAILED, result=[ResultCode.FAILED, "camera: readout failed"]
    )
    assert rig.status(obs) == "failed"
    assert rig.links[T2].stops == 1, "a failed observation frees the other telescope"
    assert rig.task(other).status == "canceled"
    assert "observation failed" in rig.store.transitions_of(other)[-1].reason
    rig.links[T2].finish(
        other, partial=True, status=TaskStatus.ABORTED, result=[ResultCode.ABORTED, "aborted"]
    )
    assert rig.task(other).status == "canceled" and rig.status(obs) == "failed"
    kept = [
        a.partial for a in rig.store.assets_of_observation(obs) if a.task_info["task_id"] == other
    ]
    assert kept == [True], "what it captured before the stop is kept"
    assert_every_transition_is_allowed(rig.announced)
