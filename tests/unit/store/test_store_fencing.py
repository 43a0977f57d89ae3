"""Property: under any sequence of claims, requeues, reschedules and zombie writes, tokens
only grow, a stale token never writes, and the task is never claimed twice."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astrotango.store import ClaimRejected, Store

T0 = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)
OPERATIONS = st.lists(
    st.sampled_from(["claim", "requeue", "reschedule", "zombie_complete", "complete"]),
    max_size=25,
)
_ids = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=OPERATIONS)
def test_fencing_under_random_operation_sequences(
    store: Store, make_observation, operations: list[str]
) -> None:
    item = make_observation(f"obs-f{next(_ids)}", n_tasks=1, task_status="scheduled")
    store.add_observations([item])
    task_id = item.tasks[0].id
    state, token, issued = "scheduled", None, [0]
    for op in operations:
        if op == "claim":
            if state == "scheduled":
                token = store.claim_task(task_id, claimant="exec", at=T0)
                assert token == max(issued) + 1
                issued.append(token)
                state = "running"
            else:
                try:
                    store.claim_task(task_id, claimant="exec-2", at=T0)
                except ClaimRejected:
                    pass
                else:
                    raise AssertionError(f"claimed a {state} task")
        elif op in ("requeue", "complete"):
            try:
                if op == "requeue":
                    store.requeue_task(task_id, token=token or 0, reason="r", at=T0)
                else:
                    store.complete_task(task_id, token=token or 0, at=T0)
            except ClaimRejected:
                assert state != "running"
            else:
                assert state == "running"
                state = "pending" if op == "requeue" else "completed"
        elif op == "reschedule" and state == "pending":
            version = store.get_task(task_id).version
            store.transition_task(
                task_id, expected_version=version, from_status="pending", to_status="scheduled",
                actor="scheduler", reason="again", at=T0,
            )  # fmt: skip
            state = "scheduled"
        elif op == "zombie_complete" and len(issued) > 2:
            try:
                store.complete_task(task_id, token=issued[-2], at=T0)
            except ClaimRejected:
                pass
            else:
                raise AssertionError("a stale token completed the task")
    task = store.get_task(task_id)
    assert (task.status, task.fencing_token) == (state, max(issued))
