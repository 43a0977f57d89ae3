"""Task transitions, assignment history, claims with fencing tokens, task queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from astrotango.store import (
    AssignmentRecord,
    ClaimRejected,
    ConcurrencyConflict,
    NotFound,
    PendingTask,
    Store,
)


def _schedule(store: Store, task_id: str, t0, *, telescope: str = "tel1") -> int:
    """pending -> scheduled on ``telescope``; returns the new version."""
    task = store.get_task(task_id)
    return store.transition_task(
        task_id, expected_version=task.version, from_status="pending", to_status="scheduled",
        actor="scheduler", reason="planned", at=t0,
        updates={"telescope": telescope, "planned_start": t0 + timedelta(minutes=10)},
    )  # fmt: skip


def test_transition_task_records_status_and_assignment(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=1)])
    assert _schedule(store, "obs-1.t0", t0) == 2
    task = store.get_task("obs-1.t0")
    assert (task.status, task.telescope, task.planned_start) == (
        "scheduled", "tel1", t0 + timedelta(minutes=10),
    )  # fmt: skip
    assert [(t.from_status, t.to_status) for t in store.transitions_of("obs-1.t0", "task")] == [
        ("pending", "scheduled")
    ]
    assert store.assignment_history("obs-1.t0") == [
        AssignmentRecord("obs-1.t0", None, None, "tel1", None, "planned", t0, id=1)
    ]


def test_assign_task_moves_between_telescopes(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=1, telescope="tel1")])
    version = store.assign_task(
        "obs-1.t0", expected_version=1, telescope="tel2", instrument="cam2",
        planned_start=t0, reason="instrument lock timeout", at=t0,
    )  # fmt: skip
    same = store.assign_task(
        "obs-1.t0", expected_version=version, telescope="tel2", instrument="cam2",
        planned_start=t0 + timedelta(hours=1), reason="later slot", at=t0,
    )  # fmt: skip
    assert same == 3
    history = store.assignment_history("obs-1.t0")
    assert [(h.from_telescope, h.to_telescope, h.to_instrument) for h in history] == [
        ("tel1", "tel2", "cam2")
    ]  # the second call only moved the planned start
    assert store.get_task("obs-1.t0").status == "pending"
    assert store.transitions_of("obs-1.t0", "task") == []
    with pytest.raises(ConcurrencyConflict):
        store.assign_task(
            "obs-1.t0", expected_version=1, telescope="tel3", instrument=None,
            planned_start=None, reason="stale", at=t0,
        )  # fmt: skip


def test_transition_task_errors(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=1)])
    common = {"actor": "scheduler", "reason": "", "at": t0}
    with pytest.raises(NotFound):
        store.transition_task(
            "nope", expected_version=1, from_status="pending", to_status="scheduled", **common
        )
    with pytest.raises(ConcurrencyConflict, match="is pending at version 1"):
        store.transition_task(
            "obs-1.t0", expected_version=1, from_status="scheduled", to_status="pending", **common
        )
    with pytest.raises(ValueError, match="only claim_task"):
        store.transition_task(
            "obs-1.t0", expected_version=1, from_status="pending", to_status="running", **common
        )
    with pytest.raises(ValueError, match="fencing_token"):
        store.transition_task(
            "obs-1.t0", expected_version=1, from_status="pending", to_status="scheduled",
            updates={"fencing_token": 99}, **common,
        )  # fmt: skip
    assert store.get_task("obs-1.t0").version == 1


def test_claim_complete_with_token(store: Store, scheduled_task: str, t0) -> None:
    token = store.claim_task(scheduled_task, claimant="exec-a", at=t0)
    assert token == 1
    running = store.get_task(scheduled_task)
    assert (running.status, running.claimed_by, running.claimed_at) == ("running", "exec-a", t0)
    store.report_task_progress(scheduled_task, token=token, progress=0.5)
    assert store.get_task(scheduled_task).progress == 0.5
    done_at = t0 + timedelta(minutes=6)
    store.complete_task(scheduled_task, token=token, at=done_at)
    done = store.get_task(scheduled_task)
    assert (done.status, done.progress, done.completed_at) == ("completed", 1.0, done_at)
    assert [t.to_status for t in store.transitions_of(scheduled_task)] == ["running", "completed"]


def test_second_claim_is_rejected(store: Store, scheduled_task: str, t0) -> None:
    store.claim_task(scheduled_task, claimant="exec-a", at=t0)
    with pytest.raises(ClaimRejected, match="it is running, claimed by exec-a"):
        store.claim_task(scheduled_task, claimant="exec-b", at=t0)
    with pytest.raises(NotFound):
        store.claim_task("nope", claimant="exec-b", at=t0)


def test_pending_task_cannot_be_claimed(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=1)])
    with pytest.raises(ClaimRejected, match="it is pending"):
        store.claim_task("obs-1.t0", claimant="exec-a", at=t0)


def test_requeue_then_reclaim_fences_the_zombie(store: Store, scheduled_task: str, t0) -> None:
    old = store.claim_task(scheduled_task, claimant="exec-a", at=t0)
    store.requeue_task(scheduled_task, token=old, reason="clouds: interrupted", at=t0)
    requeued = store.get_task(scheduled_task)
    assert (requeued.status, requeued.attempts, requeued.claimed_by) == ("pending", 1, None)
    _schedule(store, scheduled_task, t0)
    new = store.claim_task(scheduled_task, claimant="exec-b", at=t0)
    assert new > old
    for zombie_write in (
        lambda: store.report_task_progress(scheduled_task, token=old, progress=0.9),
        lambda: store.complete_task(scheduled_task, token=old, at=t0),
        lambda: store.fail_task(scheduled_task, token=old, error="x", reason="y", at=t0),
        lambda: store.requeue_task(scheduled_task, token=old, reason="z", at=t0),
    ):
        with pytest.raises(ClaimRejected, match=f"fencing token {old} is stale"):
            zombie_write()
    task = store.get_task(scheduled_task)
    assert (task.status, task.claimed_by, task.fencing_token, task.progress) == (
        "running", "exec-b", new, 0.0,
    )  # fmt: skip
    store.fail_task(scheduled_task, token=new, error="camera offline", reason="hardware", at=t0)
    failed = store.get_task(scheduled_task)
    assert (failed.status, failed.error, failed.reason) == ("failed", "camera offline", "hardware")


def test_abort_of_a_running_task_invalidates_its_token(
    store: Store, scheduled_task: str, t0
) -> None:
    token = store.claim_task(scheduled_task, claimant="exec-a", at=t0)
    version = store.get_task(scheduled_task).version
    store.transition_task(
        scheduled_task, expected_version=version, from_status="running", to_status="canceled",
        actor="user", reason="aborted", at=t0,
    )  # fmt: skip
    with pytest.raises(ClaimRejected, match="task is canceled"):
        store.complete_task(scheduled_task, token=token, at=t0)


def test_progress_bounds(store: Store, scheduled_task: str, t0) -> None:
    token = store.claim_task(scheduled_task, claimant="exec-a", at=t0)
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        store.report_task_progress(scheduled_task, token=token, progress=1.5)


def test_task_queries(store: Store, make_observation, t0) -> None:
    store.add_observations(
        [
            make_observation("obs-a", n_tasks=3, start=t0),
            make_observation("obs-b", n_tasks=2, start=t0 + timedelta(days=2)),
        ]
    )
    _schedule(store, "obs-a.t1", t0, telescope="tel1")
    _schedule(store, "obs-b.t0", t0, telescope="tel2")
    assert [t.id for t in store.pending_tasks()] == ["obs-a.t0", "obs-a.t2", "obs-b.t1"]
    assert store.pending_tasks(limit=1) == [
        PendingTask(
            "obs-a.t0", "obs-a", "optical_imaging", t0, t0 + timedelta(hours=13), 360.0,
            None, None, None, 1,
        )
    ]  # fmt: skip
    assert [t.id for t in store.tasks_by_status("pending")] == [t.id for t in store.pending_tasks()]
    assert [t.id for t in store.tasks_by_status("scheduled")] == ["obs-a.t1", "obs-b.t0"]
    assert [t.id for t in store.tasks_for_telescope("tel1")] == ["obs-a.t1"]
    assert store.tasks_for_telescope("tel1", statuses=["running"]) == []
    day_one = store.tasks_in_window(t0 + timedelta(hours=1), t0 + timedelta(hours=2))
    assert [t.id for t in day_one] == ["obs-a.t0", "obs-a.t1", "obs-a.t2"]
    later = store.tasks_in_window(t0 + timedelta(days=1), t0 + timedelta(days=3), ["pending"])
    assert [t.id for t in later] == ["obs-b.t1"]
    assert [t.id for t in store.tasks_of_observation("obs-b")] == ["obs-b.t0", "obs-b.t1"]
    assert store.tasks_of_observation("none") == []


def test_change_marker_can_ignore_one_actor(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=1)])
    before_all = store.change_marker()
    before_others = store.change_marker(ignore_actor="scheduler")
    _schedule(store, "obs-1.t0", t0)  # the scheduler's own move
    assert store.change_marker() > before_all
    assert store.change_marker(ignore_actor="scheduler") == before_others
    task = store.get_task("obs-1.t0")
    store.transition_task(
        "obs-1.t0", expected_version=task.version, from_status="scheduled",
        to_status="pending", actor="system", reason="telescope lost", at=t0,
    )  # fmt: skip
    assert store.change_marker(ignore_actor="scheduler") > before_others


def test_change_marker_can_leave_out_the_current_instant(
    store: Store, make_observation, t0
) -> None:
    """A poll at an instant sees the same marker whether that instant's changes were written
    before it or after it: it counts only what is dated earlier."""
    store.add_observations([make_observation("obs-1", n_tasks=1)])
    at_t0 = store.change_marker(before=t0)
    _schedule(store, "obs-1.t0", t0)
    assert store.change_marker(before=t0) == at_t0, "a change of the instant itself"
    assert store.change_marker(before=t0 + timedelta(seconds=1)) > at_t0


def test_an_observations_progress_is_its_tasks_mean_a_completed_one_counting_whole(
    store: Store, make_observation, t0
) -> None:
    store.add_observations(
        [make_observation("obs-p", n_tasks=4, task_status="scheduled", telescope="tel1")]
    )
    assert store.observation_progress("obs-p") == 0.0
    first = store.claim_task("obs-p.t0", claimant="c", at=t0)
    store.complete_task("obs-p.t0", token=first, at=t0)
    second = store.claim_task("obs-p.t1", claimant="c", at=t0)
    store.report_task_progress("obs-p.t1", token=second, progress=0.5)
    assert store.observation_progress("obs-p") == pytest.approx((1.0 + 0.5) / 4)
    assert store.observation_progress("obs-none") == 0.0
