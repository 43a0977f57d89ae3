"""Store fixtures: every store test runs on SQLite (a tmp file) and, when
ASTROTANGO_TEST_PG_URL is set, on PostgreSQL in a fresh schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, make_url, text

from astrotango.store import NewObservation, ObservationRecord, Store, TaskRecord, TransitionRecord

PG_URL = os.environ.get("ASTROTANGO_TEST_PG_URL")
T0 = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not PG_URL,
                reason="PostgreSQL store tests need ASTROTANGO_TEST_PG_URL "
                "(e.g. postgresql+psycopg://astro:astro@127.0.0.1:5432/astro_test)",
            ),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A URL to an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.close()


def observation(
    obs_id: str,
    *,
    n_tasks: int = 5,
    status: str = "pending",
    queue: str = "research",
    start: datetime = T0,
    task_status: str = "pending",
    telescope: str | None = None,
) -> NewObservation:
    """An observation with ``n_tasks`` tasks (ids ``<obs_id>.t<i>``) and its creation."""
    end = start + timedelta(hours=13)
    obs = ObservationRecord(
        id=obs_id,
        name=f"name of {obs_id}",
        owner="org-astro",
        queue=queue,
        status=status,
        priority=5,
        document='{"name": "' + obs_id + '", "requests": []}',
        created_at=start,
        updated_at=start,
        window_start=start,
        window_end=end,
    )
    tasks = [
        TaskRecord(
            id=f"{obs_id}.t{i}",
            observation_id=obs_id,
            request_index=i,
            type="optical_imaging",
            status=task_status,
            window_start=start + timedelta(minutes=i),
            window_end=end,
            duration_s=360.0,
            spec='{"ra_deg": 10.68, "dec_deg": 41.27}',
            telescope=telescope,
        )
        for i in range(n_tasks)
    ]
    created = TransitionRecord("observation", obs_id, None, status, "user", "submitted", start)
    return NewObservation(obs, tasks, created)


@pytest.fixture
def make_observation() -> Callable[..., NewObservation]:
    """The :func:`observation` factory."""
    return observation


@pytest.fixture
def t0() -> datetime:
    """The start of every test observation's window (2026-12-15T18:00Z)."""
    return T0


@pytest.fixture
def scheduled_task(store: Store) -> str:
    """The id of a task that is scheduled on tel1 and unclaimed (observation ``obs-claim``)."""
    item = observation("obs-claim", n_tasks=1, task_status="scheduled", telescope="tel1")
    store.add_observations([item])
    return item.tasks[0].id
