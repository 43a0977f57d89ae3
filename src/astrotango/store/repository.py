"""The Store: every read and write of observations, tasks, their history and interlock latches.

Each method is one transaction: it happens entirely or not at all, and once it returns it
survives the death of any process (see :mod:`astrotango.store.engine`). Status legality is the
domain's business; the store guarantees atomicity, optimistic concurrency (a version column:
of two writers holding the same version exactly one wins) and exclusive claims (fencing
tokens: a task never runs twice, a zombie executor cannot overwrite).

The methods are grouped by concern in five flat classes (observations, tasks, queries,
telemetry, interlock latches) over one engine holder, so each file stays small; ``Store`` is
their union.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import URL

from astrotango.store._latch_api import LatchMethods
from astrotango.store._observation_api import ObservationMethods
from astrotango.store._query_api import QueryMethods
from astrotango.store._task_api import TaskMethods
from astrotango.store._telemetry_api import TelemetryMethods
from astrotango.store.engine import SqliteSynchronous, create_store_engine, upgrade_to_head

__all__ = ["Store", "default_store_url", "open_store"]


class Store(ObservationMethods, TaskMethods, QueryMethods, TelemetryMethods, LatchMethods):
    """The durable store, on SQLite (one file) or PostgreSQL, chosen by URL."""

    @classmethod
    def open(
        cls,
        url: str | URL,
        *,
        migrate: bool = True,
        sqlite_synchronous: SqliteSynchronous = "NORMAL",
        busy_timeout_s: float = 30.0,
    ) -> Store:
        """Open the store at ``url`` and upgrade its schema to the newest migration.

        The upgrade is idempotent and safe when several processes open one database at once.

        Args:
            url: ``sqlite:///path/store.db`` or ``postgresql+psycopg://user:pw@host/db``.
            migrate: run ``alembic upgrade head`` (skip only when a tool migrates separately).
            sqlite_synchronous: ``NORMAL`` survives any process kill; ``FULL`` power loss too.
            busy_timeout_s: how long a SQLite writer waits for the write lock, seconds.

        Raises:
            ValueError: an in-memory SQLite URL or an unsupported backend.
        """
        engine = create_store_engine(
            url, sqlite_synchronous=sqlite_synchronous, busy_timeout_s=busy_timeout_s
        )
        if migrate:
            upgrade_to_head(engine)
        return cls(engine)

    def __enter__(self) -> Store:
        return self


def open_store(
    url: str | URL,
    *,
    migrate: bool = True,
    sqlite_synchronous: SqliteSynchronous = "NORMAL",
    busy_timeout_s: float = 30.0,
) -> Store:
    """Open (and migrate) the store at ``url``; the same as :meth:`Store.open`."""
    return Store.open(
        url, migrate=migrate, sqlite_synchronous=sqlite_synchronous, busy_timeout_s=busy_timeout_s
    )


def default_store_url() -> str:
    """``$ASTROTANGO_STORE_URL``, else a SQLite file in the user's state directory.

    The launcher sets the variable so every server of one system shares one store; a
    multi-host deployment points it at PostgreSQL.
    """
    configured = os.environ.get("ASTROTANGO_STORE_URL")
    if configured:
        return configured
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    folder = state / "astrotango"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'astrotango.db'}"
