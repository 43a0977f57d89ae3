"""Two writers never both win; one claimer wins (threads and processes); a SIGKILLed writer
loses nothing it acknowledged and leaves nothing half-stored."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from astrotango.store import ClaimRejected, ConcurrencyConflict, Store
from astrotango.store.schema import observations, tasks

T0 = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)


def _race(n: int, attempt: Callable[[int], object]) -> list[object]:
    """Run ``attempt(i)`` in n threads released together; each result or exception, by i."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = attempt(i)
        except (ConcurrencyConflict, ClaimRejected) as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_writers_same_version_exactly_one_wins(store: Store, make_observation) -> None:
    store.add_observations([make_observation("obs-1")])
    results = _race(
        2,
        lambda i: store.transition_observation(
            "obs-1", expected_version=1, from_status="pending", to_status="assigned",
            actor="scheduler", reason=f"writer {i}", at=T0,
        ),
    )  # fmt: skip
    assert sorted(map(type, results), key=str) == sorted([int, ConcurrencyConflict], key=str)
    assert store.get_observation("obs-1").version == 2
    assert len(store.transitions_of("obs-1")) == 2  # creation + the winner only


def test_many_task_writers_exactly_one_wins(store: Store, make_observation) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=1)])
    results = _race(
        6,
        lambda i: store.transition_task(
            "obs-1.t0", expected_version=1, from_status="pending", to_status="scheduled",
            actor="scheduler", reason=f"writer {i}", at=T0, updates={"telescope": f"tel{i}"},
        ),
    )  # fmt: skip
    winners = [r for r in results if r == 2]
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrencyConflict) for r in results if r != 2)
    assert len(store.assignment_history("obs-1.t0")) == 1


def _cycle_claims(store: Store, task_id: str, cycles: int) -> int:
    """Claim and requeue ``cycles`` times, then reschedule; returns the last token issued."""
    token = 0
    for _ in range(cycles):
        token = store.claim_task(task_id, claimant="earlier", at=T0)
        store.requeue_task(task_id, token=token, reason="interrupted", at=T0)
        version = store.get_task(task_id).version
        store.transition_task(
            task_id, expected_version=version, from_status="pending", to_status="scheduled",
            actor="scheduler", reason="again", at=T0,
        )  # fmt: skip
    return token


def test_concurrent_thread_claimers_one_wins(store: Store, scheduled_task: str) -> None:
    previous = _cycle_claims(store, scheduled_task, 2)
    results = _race(8, lambda i: store.claim_task(scheduled_task, claimant=f"exec-{i}", at=T0))
    tokens = [r for r in results if isinstance(r, int)]
    assert len(tokens) == 1
    assert tokens[0] > previous
    assert sum(isinstance(r, ClaimRejected) for r in results) == 7
    task = store.get_task(scheduled_task)
    assert (task.status, task.fencing_token) == ("running", tokens[0])


def _claim_in_process(url: str, task_id: str, claimant: str, barrier, results) -> None:
    store = Store.open(url, migrate=False)
    try:
        barrier.wait(timeout=60)
        try:
            results.put((claimant, store.claim_task(task_id, claimant=claimant, at=T0)))
        except ClaimRejected:
            results.put((claimant, None))
    finally:
        store.close()


def test_concurrent_process_claimers_one_wins(
    store: Store, store_url: str, scheduled_task: str
) -> None:
    previous = _cycle_claims(store, scheduled_task, 1)
    ctx = multiprocessing.get_context("spawn")
    n = 4
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_claim_in_process,
            args=(store_url, scheduled_task, f"proc-{i}", barrier, results),
        )
        for i in range(n)
    ]
    for proc in procs:
        proc.start()
    outcomes = dict(results.get(timeout=120) for _ in range(n))
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    winners = {name: token for name, token in outcomes.items() if token is not None}
    assert len(winners) == 1, outcomes
    [(winner, token)] = winners.items()
    assert token > previous
    task = store.get_task(scheduled_task)
    assert (task.status, task.claimed_by, task.fencing_token) == ("running", winner, token)


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from astrotango.store import ObservationRecord, Store, TaskRecord, TransitionRecord

    url, first, n_tasks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = Store.open(url)
    t0 = datetime(2026, 12, 15, 18, tzinfo=UTC)
    end = t0 + timedelta(hours=13)
    document = '{"padding": "' + "x" * 4000 + '"}'
    for i in range(first, first + 1_000_000):
        oid = f"kill-{i:07d}"
        obs = ObservationRecord(oid, oid, "org", "research", "pending", 5, document,
                                t0, t0, t0, end)
        tasks = [TaskRecord(f"{oid}.t{k}", oid, k, "optical_imaging", "pending", t0, end,
                            60.0, document) for k in range(n_tasks)]
        store.add_observation(obs, tasks, TransitionRecord(
            "observation", oid, None, "pending", "user", "submitted", t0))
        sys.stdout.write(oid + "\\n")
        sys.stdout.flush()  # the acknowledgement: written only after the commit returned
    """
)


@pytest.mark.parametrize("acks_before_kill", [1, 37, 150])
def test_sigkilled_writer_loses_no_acknowledged_observation(
    store: Store, store_url: str, acks_before_kill: int
) -> None:
    n_tasks = 20
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, store_url, "0", str(n_tasks)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    acked: list[str] = []
    while len(acked) < acks_before_kill:
        line = proc.stdout.readline()
        assert line, f"writer died early ({proc.wait()}): {proc.stderr.read()}"
        acked.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)  # mid-batch: it is inside its next transaction by now
    # read on through the same buffered file: readline may already hold later lines, which
    # communicate() (reading the raw pipe) would never see
    rest, errors = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, errors
    acked += [line for line in rest.split("\n")[:-1]]  # complete lines only

    with Store.open(store_url) as reopened:
        for oid in acked:
            assert reopened.get_observation(oid).status == "pending"
            assert len(reopened.tasks_of_observation(oid)) == n_tasks
            assert len(reopened.transitions_of(oid)) == 1
        with reopened.engine.connect() as conn:
            per_obs = conn.execute(
                select(observations.c.id, func.count(tasks.c.id))
                .select_from(observations.outerjoin(tasks))
                .group_by(observations.c.id)
            ).all()
    stored = {oid: count for oid, count in per_obs}
    assert set(acked) <= set(stored)
    assert len(stored) <= len(acked) + 1  # at most the one committed but not yet printed
    assert set(stored.values()) == {n_tasks}  # nothing half-stored
