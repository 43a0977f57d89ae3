"""The migrated schema equals the SQLAlchemy metadata; engine settings; timestamps."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from astrotango.store import Store, open_store
from astrotango.store.engine import (
    alembic_config,
    create_store_engine,
    head_revision,
    upgrade_to_head,
)
from astrotango.store.schema import metadata


def test_migrated_schema_equals_metadata(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == head_revision() == "0003"


def test_every_table_is_created(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= names
    assert "alembic_version" in names


def test_open_is_idempotent(store_url: str) -> None:
    for _ in range(3):
        with open_store(store_url) as again:
            assert again.count_by_status() == {}
    with Store.open(store_url) as again, again.engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v for (v,) in versions] == ["0003"]


def test_sqlite_pragmas(tmp_path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        with store.engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        assert pragma == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "foreign_keys": 1,
            "busy_timeout": 30000,
        }
        assert store.backend == "sqlite"


def test_sqlite_full_synchronous_on_request(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with Store.open(url, sqlite_synchronous="FULL") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://u@h/db"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"SQLite store needs a file|unsupported store backend"):
        create_store_engine(url)


def test_timestamps_come_back_aware_utc(store: Store, make_observation, t0) -> None:
    plus_two = timezone(timedelta(hours=2))
    item = make_observation("obs-tz", start=t0.astimezone(plus_two))
    store.add_observations([item])
    got = store.get_observation("obs-tz")
    assert got.created_at == t0
    assert got.created_at.tzinfo is not None
    assert got.created_at.utcoffset() == timedelta(0)
    assert got.window_end == t0 + timedelta(hours=13)


def test_naive_datetimes_are_refused(store: Store, make_observation) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        store.add_observations([make_observation("obs-naive", start=datetime(2026, 12, 15, 18))])
    assert store.count_by_status() == {}


def _open_in_process(url: str, barrier, results) -> None:
    barrier.wait(timeout=60)
    with Store.open(url) as store:
        results.put(store.count_by_status())


def test_concurrent_first_opens_migrate_once(store_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    n = 3
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [
        ctx.Process(target=_open_in_process, args=(store_url, barrier, results)) for _ in range(n)
    ]
    for proc in procs:
        proc.start()
    assert [results.get(timeout=120) for _ in range(n)] == [{}] * n
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    with Store.open(store_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_downgrade_to_base_and_upgrade_again(store: Store) -> None:
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(connection=conn), "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(store.engine)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
