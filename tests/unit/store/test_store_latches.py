"""Shutdown-interlock latches: one row per interlock, upserted, durable, migrated by 0002."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import inspect

from astrotango.store import InterlockLatchRecord, Store
from astrotango.store.engine import alembic_config, create_store_engine, upgrade_to_head

NAME = "astro/interlock/gusts_r1"


def latch(at: datetime, *, fired: bool = True, reason: str = "gust 25 m/s") -> InterlockLatchRecord:
    return InterlockLatchRecord(NAME, fired, reason if fired else "", at if fired else None, at)


def test_an_interlock_never_fired_has_no_latch(store: Store) -> None:
    assert store.get_interlock_latch(NAME) is None


def test_a_latch_is_written_read_and_overwritten(store: Store, t0: datetime) -> None:
    plus_two = timezone(timedelta(hours=2))
    store.put_interlock_latch(latch(t0.astimezone(plus_two)))
    got = store.get_interlock_latch(NAME)
    assert got == latch(t0)
    assert got is not None and got.fired_at is not None and got.fired_at.utcoffset() == timedelta(0)
    later = t0 + timedelta(hours=1)
    store.put_interlock_latch(latch(later, fired=False))
    assert store.get_interlock_latch(NAME) == InterlockLatchRecord(NAME, False, "", None, later)
    store.put_interlock_latch(InterlockLatchRecord("astro/interlock/rain", True, "rain", t0, t0))
    assert store.get_interlock_latch(NAME) == InterlockLatchRecord(NAME, False, "", None, later)


def test_a_latch_survives_closing_and_reopening(store_url: str, t0: datetime) -> None:
    with Store.open(store_url) as first:
        first.put_interlock_latch(latch(t0))
    with Store.open(store_url) as second:
        assert second.get_interlock_latch(NAME) == latch(t0)


def test_naive_latch_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        store.put_interlock_latch(latch(datetime(2026, 12, 15, 18)))
    assert store.get_interlock_latch(NAME) is None


def test_migration_0002_adds_the_table_to_a_0001_database(store_url: str, t0: datetime) -> None:
    engine = create_store_engine(store_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(connection=conn), "0001")
        assert "interlock_latches" not in inspect(engine).get_table_names()
        upgrade_to_head(engine)
        assert "interlock_latches" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    with Store.open(store_url) as store:
        store.put_interlock_latch(latch(t0))
        assert store.get_interlock_latch(NAME) == latch(t0)
