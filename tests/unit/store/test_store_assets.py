"""Recording assets is idempotent and all-or-nothing (issue 13).

Two paths may record one run's assets (its follower and the reconciler; a re-run that lists
the earlier attempt's files again): "UNIQUE constraint failed: assets.id" failed the
controller's tick. The same asset twice is one asset; a different asset under a stored id is
a conflict, and a batch holding one is stored not at all.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest

from astrotango.store import AssetRecord, DuplicateId, NotFound, Store


def frame(asset_id: str, t0, *, task: str = "obs-1.t0", **changes) -> AssetRecord:
    record = AssetRecord(
        id=asset_id,
        observation_id="obs-1",
        task_id=task,
        kind="fits",
        created_at=t0,
        metadata={"filter": "r", "exposure_s": 120},
        task_info={"task_id": task},
    )
    return dataclasses.replace(record, **changes)


@pytest.fixture
def obs(store: Store, make_observation) -> Store:
    store.add_observations([make_observation("obs-1", n_tasks=2)])
    return store


def test_the_same_asset_recorded_twice_is_stored_once(obs: Store, t0) -> None:
    first = frame("a-1", t0)
    obs.add_asset(first)
    obs.add_asset(dataclasses.replace(first, created_at=t0 + timedelta(minutes=3)))
    assert obs.assets_of_task("obs-1.t0") == [first], "the first registration's time stands"


def test_a_different_asset_under_a_stored_id_is_refused_and_the_stored_one_kept(
    obs: Store, t0
) -> None:
    first = frame("a-1", t0)
    obs.add_asset(first)
    for other in (
        frame("a-1", t0, task="obs-1.t1"),
        frame("a-1", t0, partial=True),
        frame("a-1", t0, metadata={"filter": "g", "exposure_s": 120}),
    ):
        with pytest.raises(DuplicateId, match="'a-1' is already stored"):
            obs.add_asset(other)
    assert obs.assets_of_observation("obs-1") == [first]


def test_a_batch_is_stored_whole_skipping_what_is_stored_already(obs: Store, t0) -> None:
    obs.add_asset(frame("a-1", t0))
    batch = [frame(f"a-{i}", t0 + timedelta(seconds=i)) for i in range(1, 4)]
    obs.add_assets([*batch, batch[2]])  # listed twice in one batch too
    assert [a.id for a in obs.assets_of_task("obs-1.t0")] == ["a-1", "a-2", "a-3"]


def test_a_batch_holding_a_conflict_stores_nothing(obs: Store, t0) -> None:
    obs.add_asset(frame("a-1", t0))
    batch = [frame("a-2", t0), frame("a-1", t0, partial=True), frame("a-3", t0)]
    with pytest.raises(DuplicateId, match="'a-1'"):
        obs.add_assets(batch)
    with pytest.raises(DuplicateId, match="'a-4'"):
        obs.add_assets([frame("a-4", t0), frame("a-4", t0, kind="log")])
    with pytest.raises(NotFound):
        obs.add_assets([frame("a-5", t0), frame("a-6", t0, task="obs-1.t9")])
    assert [a.id for a in obs.assets_of_observation("obs-1")] == ["a-1"], "never half-stored"


def test_two_writers_recording_one_runs_assets_at_once_store_them_once(
    store_url: str, obs: Store, t0
) -> None:
    """The follower and the reconciler, each with its own connection."""
    batch = [frame(f"a-{i}", t0) for i in range(20)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def record() -> None:
        writer = Store.open(store_url, migrate=False)
        try:
            start.wait()
            writer.add_assets(batch)
        except BaseException as exc:
            errors.append(exc)
        finally:
            writer.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(obs.assets_of_observation("obs-1")) == 20
