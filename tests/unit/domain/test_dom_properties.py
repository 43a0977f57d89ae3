from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from astrotango.domain import expand_observation, parse_observation, parse_task_id

WINDOW = {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"}
modes = st.sampled_from(["single", "parallel", "parallel_synchronized"])


@st.composite
def assignment(draw: st.DrawFn) -> dict[str, Any]:
    mode = draw(modes)
    instruments = 1 if mode == "single" else draw(st.integers(2, 4))
    return {
        "assignment_mode": mode,
        "instruments": instruments,
        "iterations": draw(st.integers(1, 3)),
    }


@st.composite
def request(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A request and its positions (tiles / sweep elements / 1)."""
    kind = draw(st.sampled_from(["imaging", "daisy", "raster", "tracking", "calibration"]))
    target = {"name": "x", "ra_deg": draw(st.floats(0, 359.9)), "dec_deg": draw(st.floats(-70, 70))}
    base = draw(assignment())
    if kind == "imaging":
        columns, rows = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        # width/height chosen so the tiling along an equatorial row is exact: fov 1, overlap 0
        field = {"width_deg": 0.5, "height_deg": 0.5, "overlap": 0.0}
        positions = 1
        if columns > 1 or rows > 1:
            target["dec_deg"] = 0.0
            field = {"width_deg": float(columns) - 0.01, "height_deg": float(rows), "overlap": 0.0}
            positions = columns * rows
        exposures = [{"exposure_s": 10.0, "count": 2}]
        return (
            {
                "type": "optical_imaging",
                "target": target,
                "exposures": exposures,
                "field": field,
                **base,
            },
            positions,
        )
    radio = {"target": target, "frequency_ghz": 1.4, "duration_s": 100.0, **base}
    if kind == "daisy":
        petals = draw(st.integers(1, 12))
        elements = draw(st.integers(1, petals))
        pattern = {"kind": "daisy", "radius_deg": 1.0, "petals": petals, "elements": elements}
        return {"type": "radio_mapping", "pattern": pattern, **radio}, elements
    if kind == "raster":
        rows, columns = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        pattern = {
            "kind": "raster",
            "width_deg": 1,
            "height_deg": 1,
            "rows": rows,
            "columns": columns,
        }
        return {"type": "radio_mapping", "pattern": pattern, **radio}, rows * columns
    if kind == "tracking":
        return {"type": "radio_tracking", **radio}, 1
    return {"type": "calibration", "kind": "bias", "count": 3, **base}, 1


@settings(max_examples=60, deadline=None)
@given(st.lists(request(), min_size=1, max_size=4), st.integers(1, 3))
def test_count_is_the_product_and_ids_are_unique_and_stable(requests, iterations) -> None:
    document = {
        "name": "p",
        "owner": "o",
        "queue": "research",
        "iterations": iterations,
        "window": WINDOW,
        "requests": [r for r, _ in requests],
    }
    observation = parse_observation(document)
    tasks = expand_observation(observation, "obs-prop", fov_deg=1.0)
    expected = iterations * sum(
        r["iterations"] * positions * r["instruments"] for r, positions in requests
    )
    assert len(tasks) == expected
    ids = [t.id for t in tasks]
    assert len(set(ids)) == len(ids)
    assert ids == [t.id for t in expand_observation(parse_observation(document), "obs-prop")]
    for task in tasks:
        assert parse_task_id(task.id) == ("obs-prop", task.position)
        synchronized = task.assignment_mode == "parallel_synchronized"
        assert (task.sync_group is not None) == synchronized
