"""The Store's engine handling, shared by its method groups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, StatementError

from astrotango.store.engine import READ_ONLY

__all__ = ["StoreBase"]


class StoreBase:
    """Holds the engine; ``_write()`` is one write transaction, ``_read()`` one read."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tools)."""
        return self._engine

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite): commit or roll back."""
        with _unwrapped_bind_errors(), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read transaction (a deferred ``BEGIN`` on SQLite), rolled back at the end."""
        with _unwrapped_bind_errors(), self._engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            yield conn


@contextmanager
def _unwrapped_bind_errors() -> Iterator[None]:
    """Re-raise a parameter's ValueError/TypeError (e.g. a naive datetime) as itself."""
    try:
        yield
    except StatementError as exc:
        if isinstance(exc, DBAPIError) or not isinstance(exc.orig, ValueError | TypeError):
            raise
        raise type(exc.orig)(*exc.orig.args) from exc
