"""Engines for the store's two backends, and the programmatic Alembic upgrade.

SQLite (the embedded default) is one file in WAL mode with ``synchronous=NORMAL``. That is
durable against the death of any process: a commit returns only after its pages have been
written to the ``-wal`` file, i.e. handed to the operating system, whose page cache keeps them
even if the writer is SIGKILLed a microsecond later; the next opener replays the WAL. Only a
power cut or kernel crash can lose the last few commits (never corrupting the file); pass
``sqlite_synchronous="FULL"`` to fsync at every commit when that matters too. Every write
transaction starts with ``BEGIN IMMEDIATE`` so writers queue on the lock (``busy_timeout``)
instead of failing on a read-to-write upgrade; reads use a plain deferred ``BEGIN``.

PostgreSQL is selected by URL (``postgresql+psycopg://user:pass@host/db``); it runs at READ
COMMITTED and the store's conditional UPDATEs give the guarantees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text

__all__ = [
    "MIGRATIONS_DIR",
    "READ_ONLY",
    "SqliteSynchronous",
    "alembic_config",
    "create_store_engine",
    "head_revision",
    "upgrade_to_head",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
"""The Alembic script directory shipped inside the package."""

READ_ONLY = "astrotango_read_only"
"""Execution option that makes the SQLite ``begin`` a deferred (read) transaction."""

SqliteSynchronous = Literal["NORMAL", "FULL"]

_MIGRATION_LOCK_KEY = 0x61737472  # "astr": serialises concurrent upgrades on PostgreSQL


def create_store_engine(
    url: str | URL,
    *,
    sqlite_synchronous: SqliteSynchronous = "NORMAL",
    busy_timeout_s: float = 30.0,
    echo: bool = False,
) -> Engine:
    """Create the engine for a store URL, with the SQLite pragmas installed.

    Args:
        url: ``sqlite:///path/to/file.db`` or ``postgresql+psycopg://...``.
        sqlite_synchronous: SQLite's ``synchronous`` pragma (see the module docstring).
        busy_timeout_s: how long a SQLite writer waits for the write lock, seconds.
        echo: log every SQL statement.

    Raises:
        ValueError: an in-memory SQLite URL (the store is durable by design) or another backend.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("the SQLite store needs a file: sqlite:///path/to/store.db")
        engine = create_engine(parsed, echo=echo)
        _install_sqlite_listeners(engine, sqlite_synchronous, busy_timeout_s)
        return engine
    if backend == "postgresql":
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
        event.listen(engine, "connect", _postgresql_on_connect)
        return engine
    raise ValueError(f"unsupported store backend {backend!r}: use sqlite or postgresql")


def _postgresql_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # timestamptz values then come back already in UTC (no per-value conversion).
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _install_sqlite_listeners(
    engine: Engine, synchronous: SqliteSynchronous, busy_timeout_s: float
) -> None:
    busy_ms = round(busy_timeout_s * 1000)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite must not emit its own BEGIN: the "begin" listener below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def on_begin(conn: Connection) -> None:
        read_only = bool(conn.get_execution_options().get(READ_ONLY, False))
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)


def alembic_config(*, connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config built in code, pointing at the package's migrations.

    Args:
        connection: run the migrations on this connection (inside its transaction).
        url: otherwise, the database URL env.py opens (e.g. for ``command.revision``).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration revision shipped in the package."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Run ``alembic upgrade head`` on the engine; a no-op when already at head.

    Concurrent callers are serialised (SQLite's write lock, a PostgreSQL advisory lock), so
    several processes may open one fresh database at once.
    """
    head = head_revision()
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        command.upgrade(alembic_config(connection=conn), "head")
