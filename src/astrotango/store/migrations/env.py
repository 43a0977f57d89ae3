"""Alembic environment: runs on the connection handed in by astrotango.store.engine."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from astrotango.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("use astrotango.store.engine.alembic_config(connection=| url=)")
    from astrotango.store.engine import create_store_engine

    engine = create_store_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


_main()
