"""Adding observations atomically, reading them back, optimistic transitions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from astrotango.store import (
    ConcurrencyConflict,
    DuplicateId,
    NewObservation,
    NotFound,
    Store,
    TransitionRecord,
)


def test_add_and_get_round_trip(store: Store, make_observation) -> None:
    item = make_observation("obs-1", n_tasks=3)
    store.add_observation(item.observation, item.tasks, item.transition)
    assert store.get_observation("obs-1") == item.observation
    assert store.tasks_of_observation("obs-1") == list(item.tasks)
    assert store.transitions_of("obs-1") == [replace(item.transition, id=1)]


def test_get_unknown_observation(store: Store) -> None:
    with pytest.raises(NotFound, match="no observation with id 'nope'"):
        store.get_observation("nope")


def test_duplicate_observation_id_is_refused_and_nothing_changes(
    store: Store, make_observation
) -> None:
    first = make_observation("obs-1")
    store.add_observations([first])
    again = make_observation("obs-1", n_tasks=2)
    with pytest.raises(DuplicateId, match="obs-1"):
        store.add_observation(again.observation, again.tasks)
    assert store.tasks_of_observation("obs-1") == list(first.tasks)


def test_duplicate_task_in_batch_stores_nothing(store: Store, make_observation) -> None:
    item = make_observation("obs-1", n_tasks=4)
    tasks = [*item.tasks, item.tasks[2]]  # the observation row is inserted before this fails
    with pytest.raises(DuplicateId, match=r"task id repeated in the batch: obs-1\.t2"):
        store.add_observation(item.observation, tasks, item.transition)
    with pytest.raises(NotFound):
        store.get_observation("obs-1")
    assert store.tasks_of_observation("obs-1") == []
    assert store.transitions_of("obs-1") == []


def test_task_id_already_stored_fails_the_whole_batch(store: Store, make_observation) -> None:
    store.add_observations([make_observation("obs-1")])
    clash = make_observation("obs-2")
    clash_task = replace(clash.tasks[0], id="obs-1.t0")
    batch = [
        make_observation("obs-3"),
        NewObservation(clash.observation, [clash_task], clash.transition),
    ]
    with pytest.raises(DuplicateId, match="already stored"):
        store.add_observations(batch)
    assert store.count_by_status() == {"pending": 1}
    assert store.tasks_of_observation("obs-3") == []


def test_task_of_another_observation_is_a_bug(store: Store, make_observation) -> None:
    item = make_observation("obs-1")
    stray = replace(item.tasks[0], observation_id="obs-9")
    with pytest.raises(ValueError, match="belongs to 'obs-9'"):
        store.add_observation(item.observation, [stray])
    assert store.count_by_status() == {}


def test_bulk_add_list_and_count(store: Store, make_observation, t0) -> None:
    batch = [
        make_observation(f"obs-{i:03d}", queue="research" if i % 2 else "maintenance",
                         start=t0 + timedelta(minutes=i))
        for i in range(20)
    ]  # fmt: skip
    store.add_observations(batch)
    assert store.count_by_status() == {"pending": 20}
    listed = store.list_observations(limit=5, offset=3)
    assert [o.id for o in listed] == [f"obs-{i:03d}" for i in range(3, 8)]
    research = store.list_observations(queue="research", limit=100)
    assert [o.id for o in research] == [f"obs-{i:03d}" for i in range(1, 20, 2)]
    assert store.list_observations(status="assigned") == []
    assert len(store.pending_tasks()) == 100


def test_list_by_several_statuses_window_end_and_last_update(
    store: Store, make_observation, t0
) -> None:
    store.add_observations(
        [
            make_observation("early", start=t0 - timedelta(hours=2)),  # window ends t0 + 11 h
            make_observation("late", status="assigned", start=t0),  # ends t0 + 13 h
            make_observation("done", status="completed", start=t0 - timedelta(hours=3)),
        ]
    )
    both = store.list_observations(status=["pending", "assigned"])
    assert [o.id for o in both] == ["early", "late"]
    ended = store.list_observations(
        status=("pending", "assigned", "completed"), window_end_by=t0 + timedelta(hours=11)
    )
    assert [o.id for o in ended] == ["done", "early"], "oldest first, the late one still open"
    quiet = store.list_observations(updated_by=t0 - timedelta(hours=2))
    assert [o.id for o in quiet] == ["done", "early"]
    assert store.list_observations(status=[]) == []


def test_transition_records_and_bumps_version(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1")])
    at = t0 + timedelta(minutes=5)
    version = store.transition_observation(
        "obs-1", expected_version=1, from_status="pending", to_status="assigned",
        actor="scheduler", reason="tel1 chosen", at=at,
    )  # fmt: skip
    assert version == 2
    got = store.get_observation("obs-1")
    assert (got.status, got.version, got.updated_at) == ("assigned", 2, at)
    assert store.transitions_of("obs-1", "observation")[-1] == TransitionRecord(
        "observation", "obs-1", "pending", "assigned", "scheduler", "tel1 chosen", at, id=2
    )
    assert store.count_by_status() == {"assigned": 1}


def test_transition_with_updates_for_the_cadence_reset(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", status="completed")])
    next_time = t0 + timedelta(days=1)
    store.transition_observation(
        "obs-1", expected_version=1, from_status="completed", to_status="pending",
        actor="system", reason="cadence", at=t0,
        updates={"cadence_next_eligible": next_time, "series_count": 1, "progress": 0.0},
    )  # fmt: skip
    got = store.get_observation("obs-1")
    assert (got.status, got.cadence_next_eligible, got.series_count) == (
        "pending", next_time, 1,
    )  # fmt: skip


@pytest.mark.parametrize("column", ["version", "status", "id", "created_at", "no_such_column"])
def test_transition_refuses_protected_updates(store: Store, make_observation, t0, column) -> None:
    store.add_observations([make_observation("obs-1")])
    with pytest.raises(ValueError, match=column):
        store.transition_observation(
            "obs-1", expected_version=1, from_status="pending", to_status="assigned",
            actor="scheduler", reason="", at=t0, updates={column: 1},
        )  # fmt: skip
    assert store.get_observation("obs-1").version == 1


def test_stale_version_or_status_is_a_conflict(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1")])
    kwargs = {"actor": "scheduler", "reason": "", "at": t0}
    store.transition_observation(
        "obs-1", expected_version=1, from_status="pending", to_status="assigned", **kwargs
    )
    with pytest.raises(ConcurrencyConflict, match="is assigned at version 2"):
        store.transition_observation(
            "obs-1", expected_version=1, from_status="pending", to_status="assigned", **kwargs
        )
    with pytest.raises(ConcurrencyConflict, match="expected pending at version 2"):
        store.transition_observation(
            "obs-1", expected_version=2, from_status="pending", to_status="assigned", **kwargs
        )
    with pytest.raises(NotFound):
        store.transition_observation(
            "obs-x", expected_version=1, from_status="pending", to_status="assigned", **kwargs
        )
    assert len(store.transitions_of("obs-1")) == 2  # creation + the one that won


def test_unknown_status_is_refused_by_the_schema(store: Store, make_observation) -> None:
    with pytest.raises(Exception, match=r"(?i)check"):
        store.add_observations([make_observation("obs-1", status="finished")])
    assert store.count_by_status() == {}
