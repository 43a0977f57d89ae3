"""The observations table's ``progress`` column is written with every task change (issue 13).

It was never written: GetObservation read 0 while activeObservations computed its own number.
"""

from __future__ import annotations

import threading

import pytest

from astrotango.domain.progress import observation_progress
from astrotango.store import Store


def _expected(store: Store, observation_id: str) -> float:
    return observation_progress(
        (t.status, t.progress) for t in store.tasks_of_observation(observation_id)
    )


def _schedule(store: Store, task_id: str, t0) -> None:
    version = store.get_task(task_id).version
    store.transition_task(
        task_id, expected_version=version, from_status="pending", to_status="scheduled",
        actor="scheduler", reason="planned", at=t0,
    )  # fmt: skip


def test_every_task_write_writes_the_observations_progress(
    store: Store, make_observation, t0
) -> None:
    store.add_observations(
        [make_observation("obs-p", n_tasks=4, task_status="scheduled", telescope="tel1")]
    )
    stored = store.observation_progress
    assert stored("obs-p") == 0.0
    first = store.claim_task("obs-p.t0", claimant="c", at=t0)
    assert store.report_task_progress("obs-p.t0", token=first, progress=0.5) == 0.5 / 4
    assert stored("obs-p") == 0.5 / 4
    store.complete_task("obs-p.t0", token=first, at=t0)
    assert stored("obs-p") == 1 / 4
    second = store.claim_task("obs-p.t1", claimant="c", at=t0)
    store.report_task_progress("obs-p.t1", token=second, progress=0.8)
    assert stored("obs-p") == pytest.approx(1.8 / 4)
    store.requeue_task("obs-p.t1", token=second, reason="clouds", at=t0)
    assert stored("obs-p") == 1 / 4, "a re-queued task starts again from nothing"
    _schedule(store, "obs-p.t1", t0)
    store.claim_task("obs-p.t1", claimant="c", at=t0)
    assert store.get_task("obs-p.t1").progress == 0.0, "a new attempt starts at 0"
    assert stored("obs-p") == 1 / 4
    third = store.claim_task("obs-p.t2", claimant="c", at=t0)
    store.report_task_progress("obs-p.t2", token=third, progress=0.6)
    store.fail_task("obs-p.t2", token=third, error="camera", reason="failed", at=t0)
    assert stored("obs-p") == 1 / 4
    version = store.get_task("obs-p.t3").version
    store.transition_task(
        "obs-p.t3", expected_version=version, from_status="scheduled", to_status="canceled",
        actor="user", reason="aborted", at=t0,
    )  # fmt: skip
    assert stored("obs-p") == 1 / 4, "a canceled task stays in the count"
    assert stored("obs-p") == _expected(store, "obs-p")
    observation = store.get_observation("obs-p")
    assert (observation.progress, observation.version, observation.updated_at) == (1 / 4, 1, t0)
    assert store.observations_progress(["obs-p", "obs-none"]) == {"obs-p": 0.25}


def test_progress_is_written_at_insertion_from_the_tasks(store: Store, make_observation) -> None:
    store.add_observations([make_observation("obs-done", n_tasks=2, task_status="completed")])
    assert store.observation_progress("obs-done") == 1.0


def test_concurrent_writers_of_one_observations_tasks_leave_it_right(
    store: Store, make_observation, t0
) -> None:
    """Each writer computes from the tasks as the other left them (the row lock, PostgreSQL)."""
    n = 4
    store.add_observations(
        [make_observation("obs-c", n_tasks=n, task_status="scheduled", telescope="tel1")]
    )
    tokens = [store.claim_task(f"obs-c.t{i}", claimant=f"c{i}", at=t0) for i in range(n)]
    barrier = threading.Barrier(n)

    def report(i: int) -> None:
        barrier.wait(timeout=30)
        for step in range(1, 21):
            store.report_task_progress(f"obs-c.t{i}", token=tokens[i], progress=step / 20)

    threads = [threading.Thread(target=report, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert store.observation_progress("obs-c") == pytest.approx(1.0)
    assert store.observation_progress("obs-c") == pytest.approx(_expected(store, "obs-c"))
