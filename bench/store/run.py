"""Store benchmark: bulk and one-by-one insertion rates, and the pending-task query.

Run from the repository root::

    .venv/bin/python bench/store/run.py            # SQLite, 10,000 observations x 5 tasks
    .venv/bin/python bench/store/run.py --url postgresql+psycopg://astro:astro@127.0.0.1/astro_test

Prints one JSON object (the figures) and then a one-line summary. Targets: at least 2,000
observations/s inserted into SQLite, pending-task query over 50,000 tasks under 200 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sized
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from astrotango.store import (
    NewObservation,
    ObservationRecord,
    Store,
    TaskRecord,
    TransitionRecord,
)

T0 = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)
TARGET_OBS_PER_S = 2000.0
TARGET_PENDING_MS = 200.0


def make_batch(prefix: str, count: int, tasks_per: int) -> list[NewObservation]:
    """``count`` observations like a real submission (a ~1.5 kB document, 5 tasks each)."""
    items = []
    for i in range(count):
        oid = f"{prefix}-{i:06d}"
        start = T0 + timedelta(minutes=i % 1440)
        end = start + timedelta(hours=12)
        document = json.dumps(
            {
                "name": f"field {i}",
                "owner": "org-astro",
                "queue": "research",
                "priority": i % 10,
                "window": {"start": start.isoformat(), "end": end.isoformat()},
                "requests": [
                    {
                        "type": "optical_imaging",
                        "target": {"name": f"T{i}", "ra_deg": i % 360, "dec_deg": 41.269},
                        "field": {"width_deg": 3.0, "height_deg": 2.0, "overlap": 0.1},
                        "exposures": [{"filter": f, "exposure_s": 120, "count": 3} for f in "gri"],
                        "constraints": {"max_airmass": 2.0, "twilight": "astronomical"},
                    }
                ]
                * 3,
            }
        )
        obs = ObservationRecord(
            id=oid, name=f"field {i}", owner="org-astro", queue="research", status="pending",
            priority=i % 10, document=document, created_at=T0, updated_at=T0,
            window_start=start, window_end=end,
        )  # fmt: skip
        tasks = [
            TaskRecord(
                id=f"{oid}.r0.i0.t{k}.n0",
                observation_id=oid,
                request_index=0,
                type="optical_imaging",
                status="pending",
                window_start=start,
                window_end=end,
                duration_s=420.0,
                spec=spec(i, k),
            )
            for k in range(tasks_per)
        ]
        created = TransitionRecord("observation", oid, None, "pending", "user", "submitted", T0)
        items.append(NewObservation(obs, tasks, created))
    return items


def spec(i: int, k: int) -> str:
    """A task specification like the expansion's: a tile centre and its exposures."""
    exposures = [{"filter": "r", "exposure_s": 120, "count": 3}]
    return json.dumps(
        {"tile": k, "ra_deg": i % 360, "dec_deg": 41.0 + k * 0.5, "exposures": exposures}
    )


@contextmanager
def fresh_store(url: str | None, directory: Path, name: str) -> Iterator[Store]:
    """A migrated empty store: a new SQLite file, or a new schema in the PostgreSQL database."""
    if url is None:
        with Store.open(f"sqlite:///{directory / name}") as store:
            yield store
        return
    schema = f"bench_{os.getpid()}_{name.split('.')[0]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        with Store.open(scoped) as store:
            yield store
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def insert_in_batches(store: Store, items: list[NewObservation], batch: int) -> float:
    """Seconds to add ``items`` with ``add_observations`` in transactions of ``batch``."""
    started = time.perf_counter()
    for i in range(0, len(items), batch):
        store.add_observations(items[i : i + batch])
    return time.perf_counter() - started


def time_query(query: Callable[[], Sized], runs: int) -> tuple[list[float], int]:
    """Milliseconds of each of ``runs`` calls, and the number of rows the last one returned."""
    times: list[float] = []
    result: Sized = ()
    for _ in range(runs):
        result = ()  # free the previous result outside the timed region
        started = time.perf_counter()
        result = query()
        times.append((time.perf_counter() - started) * 1000)
    return times, len(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=10_000)
    parser.add_argument("--tasks-per-observation", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--single", type=int, default=2_000, help="one-per-transaction inserts")
    parser.add_argument("--runs", type=int, default=7, help="pending-query repetitions")
    parser.add_argument("--url", default=None, help="a PostgreSQL URL instead of SQLite")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    n, per = args.observations, args.tasks_per_observation

    with tempfile.TemporaryDirectory(prefix="astrotango-bench-") as tmp:
        directory = Path(tmp)
        with fresh_store(args.url, directory, "bulk.db") as store:
            backend = store.backend
            bulk_s = insert_in_batches(store, make_batch("bulk", n, per), args.batch)
            gc.collect()  # the submissions are gone, as in a scheduler process
            with store.engine.connect() as conn:
                n_tasks = conn.execute(text("SELECT count(*) FROM tasks")).scalar_one()
            pending_runs, n_pending = time_query(store.pending_tasks, args.runs)
            full_runs, _ = time_query(lambda: store.tasks_by_status("pending"), 3)
            first_100_runs, _ = time_query(lambda: store.pending_tasks(limit=100), args.runs)

        singles = make_batch("single", args.single, per)
        with fresh_store(args.url, directory, "single.db") as store:
            started = time.perf_counter()
            for item in singles:
                store.add_observations([item])
            single_s = time.perf_counter() - started

    figures = {
        "backend": backend,
        "observations": n,
        "tasks": n_tasks,
        "batch_size": args.batch,
        "bulk_insert_s": round(bulk_s, 3),
        "bulk_obs_per_s": round(n / bulk_s),
        "bulk_tasks_per_s": round(n_tasks / bulk_s),
        "single_observations": args.single,
        "single_obs_per_s": round(args.single / single_s),
        "pending_tasks_returned": n_pending,
        "pending_query_median_ms": round(statistics.median(pending_runs), 1),
        "pending_query_runs_ms": [round(ms, 1) for ms in pending_runs],
        "pending_first_100_median_ms": round(statistics.median(first_100_runs), 2),
        "pending_full_records_median_ms": round(statistics.median(full_runs), 1),
        "target_obs_per_s": TARGET_OBS_PER_S,
        "target_pending_ms": TARGET_PENDING_MS,
    }
    ok = (
        figures["bulk_obs_per_s"] >= TARGET_OBS_PER_S
        and figures["pending_query_median_ms"] < TARGET_PENDING_MS
    )
    figures["meets_targets"] = ok
    print(json.dumps(figures, indent=2))
    print(
        f"store bench ({backend}): {n} observations / {n_tasks} tasks inserted at "
        f"{figures['bulk_obs_per_s']} obs/s in batches of {args.batch} "
        f"({figures['single_obs_per_s']} obs/s one per transaction); pending-task query over "
        f"{n_pending} tasks {figures['pending_query_median_ms']} ms median "
        f"(first 100: {figures['pending_first_100_median_ms']} ms; as full TaskRecords: "
        f"{figures['pending_full_records_median_ms']} ms) -- "
        f"{'meets' if ok else 'MISSES'} targets (>= {TARGET_OBS_PER_S:.0f} obs/s, "
        f"< {TARGET_PENDING_MS:.0f} ms)"
    )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
