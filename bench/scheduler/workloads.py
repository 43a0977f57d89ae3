"""Generator of ``peerbench-workload/1`` documents with the semantics of the shipped samples.

Targets uniform on the sphere with dec >= -60; durations 300..3600 s in whole minutes;
priority 1..10 (higher = more important); max airmass 1.5..2.5; minimum moon separation
20..40 deg; twilight astronomical (60 %) or nautical; ~30 % of tasks get a window of 1..5 h
starting on a 10-minute grid inside the night. One telescope: La Palma, night of
2026-12-15 (18:00Z..08:00Z). Several: sites cycle La Palma, Siding Spring, Cerro Tololo,
McDonald over a 24 h window 12:00Z..12:00Z. Fixed seed -> identical document.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

SITES = [
    {"name": "La Palma", "lat_deg": 28.7606, "lon_deg": -17.8792, "elevation_m": 2326.0},
    {"name": "Siding Spring", "lat_deg": -31.2733, "lon_deg": 149.0617, "elevation_m": 1165.0},
    {"name": "Cerro Tololo", "lat_deg": -30.169, "lon_deg": -70.8063, "elevation_m": 2207.0},
    {"name": "McDonald", "lat_deg": 30.6797, "lon_deg": -104.0247, "elevation_m": 2075.0},
]


def _z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(n_tasks: int, n_telescopes: int = 1, seed: int = 1) -> dict[str, Any]:
    """A workload of ``n_tasks`` tasks on ``n_telescopes`` telescopes."""
    rng = np.random.default_rng(seed)
    if n_telescopes == 1:
        start = datetime(2026, 12, 15, 18, tzinfo=UTC)
        end = datetime(2026, 12, 16, 8, tzinfo=UTC)
        note = (
            "La Palma night of 2026-12-15 (UTC), sunset..sunrise; twilight handled by constraints"
        )
    else:
        start = datetime(2026, 12, 15, 12, tzinfo=UTC)
        end = datetime(2026, 12, 16, 12, tzinfo=UTC)
        note = "24 h UTC window covering one night at every site"
    telescopes = [
        {"id": f"T{i + 1}", "site": dict(SITES[i % len(SITES)])} for i in range(n_telescopes)
    ]
    span_min = int((end - start).total_seconds() // 60)
    tasks = []
    for k in range(n_tasks):
        ra = rng.uniform(0.0, 360.0)
        dec = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-60.0)), 1.0)))
        window = None
        if rng.uniform() < 0.3:
            length = int(rng.integers(6, 31)) * 10
            w0 = start + timedelta(minutes=10 * int(rng.integers(0, (span_min - length) // 10 + 1)))
            window = [_z(w0), _z(w0 + timedelta(minutes=length))]
        tasks.append(
            {
                "id": f"task-{k + 1:04d}" if n_tasks < 10000 else f"task-{k + 1:05d}",
                "ra_deg": round(float(ra), 6),
                "dec_deg": round(float(dec), 6),
                "duration_s": 60 * int(rng.integers(5, 61)),
                "priority": int(rng.integers(1, 11)),
                "constraints": {
                    "max_airmass": round(float(rng.uniform(1.5, 2.5)), 3),
                    "min_moon_separation_deg": round(float(rng.uniform(20.0, 40.0)), 2),
                    "twilight": "astronomical" if rng.uniform() < 0.6 else "nautical",
                },
                "time_window": window,
            }
        )
    return {
        "format": "peerbench-workload/1",
        "n_tasks": n_tasks,
        "n_telescopes": n_telescopes,
        "seed": seed,
        "priority_semantics": "higher is more important (1..10)",
        "night": {"start": _z(start), "end": _z(end), "note": note},
        "site": telescopes[0]["site"],
        "telescopes": telescopes,
        "tasks": tasks,
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tels = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    json.dump(generate(n, tels), sys.stdout, indent=1)
