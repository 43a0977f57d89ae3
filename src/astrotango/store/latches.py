"""Shutdown-interlock latches: one row per interlock, read at start and overwritten in place."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from astrotango.store.records import InterlockLatchRecord
from astrotango.store.rows import select_records, values_of
from astrotango.store.schema import interlock_latches

__all__ = ["get_latch", "put_latch"]


def get_latch(conn: Connection, name: str) -> InterlockLatchRecord | None:
    """The latch of interlock ``name``, or None if it was never written."""
    row = conn.execute(
        select_records(InterlockLatchRecord).where(interlock_latches.c.name == name)
    ).one_or_none()
    return None if row is None else InterlockLatchRecord(*row)


def put_latch(conn: Connection, latch: InterlockLatchRecord) -> None:
    """Insert or overwrite the latch of ``latch.name`` (one statement: an upsert)."""
    values = values_of(latch)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(interlock_latches).values(values)
    changed = {name: stmt.excluded[name] for name in values if name != "name"}
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=changed))
