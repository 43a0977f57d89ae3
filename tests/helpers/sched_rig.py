"""Shared set-up for the Scheduler tests: a store with observations and three telescopes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NIGHT = datetime(2026, 12, 15, 20, 0, tzinfo=UTC)
LA_PALMA = {"lat_deg": 28.7606, "lon_deg": -17.8816, "elevation_m": 2396.0, "site": "La Palma"}
TELESCOPES = [
    {
        "id": "astro/telescope/t1",
        **LA_PALMA,
        "capabilities": ["optical"],
        "fov_deg": 1.2,
        "filters": ["g", "r", "i", "z"],
        "min_altitude_deg": 15.0,
    },
    {
        "id": "astro/telescope/t2",
        **LA_PALMA,
        "capabilities": ["optical"],
        "fov_deg": 0.25,
        "filters": ["U", "B", "V", "R", "I", "g", "r", "Halpha"],
        "min_altitude_deg": 20.0,
    },
    *(
        {"id": f"astro/telescope/{name}", **LA_PALMA, "capabilities": ["radio"], "fov_deg": 1.2}
        | {"min_altitude_deg": 10.0}
        for name in ("r1", "r2")
    ),
]


def example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / "observations" / f"{name}.json").read_text())


def single_target(
    name: str,
    ra_deg: float,
    dec_deg: float,
    *,
    window: tuple[str, str] | None = None,
    min_moon_separation_deg: float | None = None,
) -> dict[str, Any]:
    """A one-request imaging observation of one target."""
    doc = copy.deepcopy(example("m31_mosaic"))
    doc["name"] = name
    doc["iterations"] = 1
    doc["priority"] = 5
    request = doc["requests"][0]
    request["target"] = {"name": name, "ra_deg": ra_deg, "dec_deg": dec_deg}
    request.pop("field", None)
    request["constraints"] = {"max_airmass": 2.0}
    if min_moon_separation_deg is not None:
        request["constraints"]["min_moon_separation_deg"] = min_moon_separation_deg
    doc["requests"] = [request]
    if window is not None:
        doc["window"] = {"start": window[0], "end": window[1]}
        doc.pop("cancel_on", None)
    doc.pop("monitoring", None)
    return doc


def moon_position(at: datetime) -> tuple[float, float]:
    from astropy.coordinates import get_body
    from astropy.time import Time

    import astrotango.astro  # noqa: F401

    moon = get_body("moon", Time(at))  # geocentric direction (not the barycentric .icrs)
    return float(moon.ra.deg), float(moon.dec.deg)
