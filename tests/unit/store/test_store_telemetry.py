"""Assets with task_info, constraint snapshots as a time series, the series history."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from astrotango.store import (
    AssetRecord,
    DuplicateId,
    NotFound,
    SeriesRunRecord,
    SnapshotRecord,
    Store,
)


def test_assets_with_task_info(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-1", n_tasks=2)])
    light = AssetRecord(
        id="a-1", observation_id="obs-1", task_id="obs-1.t0", kind="fits", created_at=t0,
        metadata={"filter": "r", "exposure_s": 120}, task_info={"task_id": "obs-1.t0", "tile": 0},
    )  # fmt: skip
    partial = AssetRecord(
        id="a-2", observation_id="obs-1", task_id="obs-1.t1", kind="fits",
        created_at=t0 + timedelta(minutes=1), partial=True, task_info={"task_id": "obs-1.t1"},
    )  # fmt: skip
    store.add_asset(light)
    store.add_asset(partial)
    assert store.assets_of_observation("obs-1") == [light, partial]
    assert store.assets_of_task("obs-1.t1") == [partial]
    assert store.assets_of_task("obs-1.t1")[0].partial is True
    store.add_asset(light)  # the same asset again: a no-op (see test_store_assets.py)
    with pytest.raises(DuplicateId, match="a-1"):
        store.add_asset(dataclasses.replace(light, kind="log"))  # a different one
    with pytest.raises(NotFound, match="no observation 'obs-9'"):
        store.add_asset(AssetRecord("a-3", "obs-9", None, "log", t0))


def test_snapshots_are_a_time_series(store: Store, t0) -> None:
    for minute in range(10):
        store.add_snapshot(
            SnapshotRecord(
                constraint_name="weather", timestamp=t0 + timedelta(minutes=minute),
                is_ok=minute < 7, value=float(minute * 10), data={"cloud_pct": minute * 10},
            )
        )  # fmt: skip
    store.add_snapshot(SnapshotRecord("battery", t0, True, 98.0))
    window = store.snapshots("weather", t0 + timedelta(minutes=2), t0 + timedelta(minutes=5))
    assert [s.value for s in window] == [20.0, 30.0, 40.0]
    assert window[0].data == {"cloud_pct": 20}
    assert len(store.snapshots("weather")) == 10
    assert len(store.snapshots("weather", limit=3)) == 3
    latest = store.latest_snapshot("weather")
    assert latest is not None
    assert (latest.timestamp, latest.is_ok) == (t0 + timedelta(minutes=9), False)
    assert store.latest_snapshot("rain") is None


def test_series_history(store: Store, make_observation, t0) -> None:
    store.add_observations([make_observation("obs-m")])
    runs = [
        SeriesRunRecord("obs-m", 1, "completed", t0, t0 + timedelta(days=1)),
        SeriesRunRecord(
            "obs-m",
            2,
            "failed",
            t0 + timedelta(days=1),
            t0 + timedelta(days=2),
            reason="window closed",
            tasks_completed=1,
            tasks=3,
        ),
    ]
    for run in reversed(runs):
        store.add_series_run(run)
    assert store.series_history("obs-m") == runs
    with pytest.raises(DuplicateId, match="series run 1"):
        store.add_series_run(runs[0])
    with pytest.raises(NotFound):
        store.add_series_run(SeriesRunRecord("obs-x", 1, "completed", t0))


def test_migration_0003_keeps_older_series_runs_with_nothing_claimed(
    store_url: str, make_observation, t0
) -> None:
    """A series run recorded before 0003 reads back as 0 of 0 tasks, no reason."""
    from alembic import command
    from sqlalchemy import inspect

    from astrotango.store.engine import alembic_config, create_store_engine, upgrade_to_head

    with Store.open(store_url) as store:
        store.add_observations([make_observation("obs-m")])
        store.add_series_run(
            SeriesRunRecord("obs-m", 1, "failed", t0, None, reason="x", tasks_completed=1, tasks=2)
        )
    engine = create_store_engine(store_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), "0002")
        columns = {c["name"] for c in inspect(engine).get_columns("series_history")}
        assert not {"reason", "tasks_completed", "tasks"} & columns
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    with Store.open(store_url) as store:
        assert store.series_history("obs-m") == [SeriesRunRecord("obs-m", 1, "failed", t0)]
