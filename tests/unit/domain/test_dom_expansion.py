from __future__ import annotations

import copy
import itertools
import math
import random
from typing import Any

import pytest

from astrotango.domain import (
    ExpansionError,
    IcrsTarget,
    Overheads,
    SkyField,
    expand_observation,
    parse_observation,
    parse_task_id,
)
from astrotango.domain.expansion import time_based_repeats
from astrotango.domain.geometry import (
    SkyPosition,
    box_contains,
    daisy_elements,
    offset_position,
    raster_elements,
    tile_field,
)
from astrotango.domain.settings import DaisyPattern, RasterPattern

WINDOW = {"start": "2026-12-15T18:00:00Z", "end": "2026-12-16T07:00:00Z"}
EXPOSURES = [{"filter": "r", "exposure_s": 60, "count": 2}]


def doc(*requests: dict[str, Any], iterations: int = 1) -> dict[str, Any]:
    return {
        "name": "t",
        "owner": "o",
        "queue": "research",
        "iterations": iterations,
        "window": WINDOW,
        "requests": list(requests),
    }


def imaging(ra: float = 10.0, dec: float = 0.0, **extra: Any) -> dict[str, Any]:
    target = {"name": "x", "ra_deg": ra, "dec_deg": dec}
    return {"type": "optical_imaging", "target": target, "exposures": EXPOSURES, **extra}


def daisy(petals: int, elements: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "radio_mapping",
        "target": {"name": "W51", "ra_deg": 290.92, "dec_deg": 14.51},
        "pattern": {"kind": "daisy", "radius_deg": 1.0, "petals": petals, "elements": elements},
        "frequency_ghz": 1.4,
        "duration_s": 600,
        **extra,
    }


def raster(rows: int, columns: int, **extra: Any) -> dict[str, Any]:
    pattern = {"kind": "raster", "width_deg": 2, "height_deg": 1, "rows": rows, "columns": columns}
    return {
        "type": "radio_mapping",
        "target": {"name": "Orion", "ra_deg": 83.8, "dec_deg": -5.4},
        "pattern": pattern,
        "frequency_ghz": 1.4,
        "duration_s": 600,
        **extra,
    }


TRACK = {
    "type": "radio_tracking",
    "target": {"name": "Cas A", "ra_deg": 350.85, "dec_deg": 58.815},
    "frequency_ghz": 1.42,
    "duration_s": 1800,
}
PAR2 = {"assignment_mode": "parallel", "instruments": 2}
SYNC3 = {"assignment_mode": "parallel_synchronized", "instruments": 3}
FIELD_3_TILES = {"width_deg": 2.7, "height_deg": 1.0, "overlap": 0.1}
FIELD_3X2 = {"width_deg": 3.0, "height_deg": 2.0, "overlap": 0.1}

COUNTS = [
    ("one exposure set", doc(imaging()), 1),
    ("2 obs x 3 request iterations", doc(imaging(iterations=3), iterations=2), 6),
    (
        "2 iterations x 3 tiles x parallel 2",
        doc(imaging(field=FIELD_3_TILES, **PAR2), iterations=2),
        12,
    ),
    ("3x2 deg at dec 60, 1 deg fov", doc(imaging(dec=60.0, field=FIELD_3X2)), 12),
    ("daisy 6 petals in 4 elements x parallel 2", doc(daisy(6, 4, **PAR2)), 8),
    ("daisy 8 petals in 8 elements", doc(daisy(8, 8)), 8),
    ("raster 2x3 x 2 iterations", doc(raster(2, 3, iterations=2)), 12),
    ("synchronized tracking on 3", doc({**TRACK, **SYNC3}), 3),
    ("calibrations", doc({"type": "calibration", "kind": "bias", "count": 11}), 1),
    (
        "mixed",
        doc(imaging(field=FIELD_3_TILES), daisy(6, 3), {**TRACK, **PAR2}, iterations=3),
        3 * (3 + 3 + 2),
    ),
]


@pytest.mark.parametrize(("document", "count"), [pytest.param(d, c, id=i) for i, d, c in COUNTS])
def test_expansion_counts(document: dict[str, Any], count: int) -> None:
    tasks = expand_observation(parse_observation(document), "obs-1", fov_deg=1.0)
    assert len(tasks) == count
    assert len({t.id for t in tasks}) == count


def test_ids_are_stable_readable_and_parse_back() -> None:
    document = doc(imaging(field=FIELD_3_TILES, **PAR2), daisy(6, 4), iterations=2)
    first = expand_observation(parse_observation(document), "obs-abc")
    again = expand_observation(parse_observation(copy.deepcopy(document)), "obs-abc")
    assert [t.id for t in first] == [t.id for t in again]
    assert first == again
    assert first[0].id == "obs-abc-r0-i0-j0-t0-e0-n0"
    assert first[5].id == "obs-abc-r0-i0-j0-t2-e0-n1"
    for task in first:
        assert parse_task_id(task.id) == ("obs-abc", task.position)


def test_bad_observation_id_is_a_bug() -> None:
    with pytest.raises(ValueError):
        expand_observation(parse_observation(doc(imaging())), "obs 1/2")


def test_parallel_synchronized_shares_one_group_and_parallel_none() -> None:
    tasks = expand_observation(parse_observation(doc({**TRACK, **SYNC3}, {**TRACK, **PAR2})), "o")
    synced = [t for t in tasks if t.request_index == 0]
    assert {t.sync_group for t in synced} == {"o-r0-i0-j0-t0-e0-sync"}
    assert [t.instrument_index for t in synced] == [0, 1, 2]
    assert all(t.sync_group is None for t in tasks if t.request_index == 1)


def test_synchronized_groups_per_tile_and_iteration() -> None:
    document = doc(imaging(field=FIELD_3_TILES, **SYNC3), iterations=2)
    tasks = expand_observation(parse_observation(document), "o")
    groups: dict[str | None, int] = {}
    for task in tasks:
        groups[task.sync_group] = groups.get(task.sync_group, 0) + 1
    assert len(groups) == 2 * 3 and set(groups.values()) == {3}


def test_durations_from_exposures_and_overheads() -> None:
    overheads = Overheads(slew_s=30, settle_s=5, readout_s=2, filter_change_s=10)
    exposures = [{"filter": "g", "exposure_s": 60, "count": 2}, {"filter": "r", "exposure_s": 30}]
    document = doc(
        imaging(exposures=exposures),
        imaging(timing={"mode": "time_based", "duration_s": 900}),
        TRACK,
        daisy(6, 4),
        {"type": "calibration", "kind": "dark", "exposure_s": 100, "count": 3},
    )
    tasks = expand_observation(parse_observation(document), "o", overheads=overheads)
    by_request = {t.request_index: t.duration_s for t in tasks if t.element_index == 0}
    assert by_request[0] == 35 + 2 * 62 + 32 + 10
    # time based: the whole passes that fit 900 s, readouts counted: 7 x 2 x (60 + 2) s
    assert by_request[1] == 35 + 7 * 2 * 62
    assert by_request[2] == 35 + 1800
    assert by_request[3] == pytest.approx(35 + 600 * 2 / 6)  # element 0 has petals 0 and 1
    assert by_request[4] == 5 + 3 * 102
    mapping = [t.duration_s - 35 for t in tasks if t.request_index == 3]
    assert sum(mapping) == pytest.approx(600)


def test_task_carries_window_settings_and_request() -> None:
    observation = parse_observation(doc(imaging(field=FIELD_3_TILES)))
    task = expand_observation(observation, "o")[1]
    assert task.window == observation.window
    assert task.priority == 5 and task.allow_reassignment
    assert task.exposures == observation.requests[0].exposures
    assert task.frequency_ghz is None
    assert isinstance(task.target, IcrsTarget) and task.target.name == "x"


# ---- tiling geometry ----------------------------------------------------------------------


def test_3x2_field_at_dec_60_rows_and_columns() -> None:
    center = SkyPosition(150.0, 60.0)
    tiles = tile_field(center, SkyField(width_deg=3, height_deg=2, overlap=0.1), 1.0)
    rows = sorted({round(t.dec_deg, 9) for t in tiles})
    assert rows == pytest.approx([59.1, 60.0, 60.9])
    for dec in rows:
        row = sorted(t.ra_deg for t in tiles if round(t.dec_deg, 9) == dec)
        assert len(row) == 4
        # tile RA spacing grows with 1/cos(dec) of the row's equatorward edge
        low = max(dec - 0.5, 59.0)
        assert row[1] - row[0] == pytest.approx(0.9 / math.cos(math.radians(low)))


def _sample_field(center: SkyPosition, field: SkyField, rng: random.Random, n: int):
    half_w, half_h = field.width_deg / 2, field.height_deg / 2
    points = []
    for fx in (-1, -0.5, 0, 0.5, 1):
        for fy in (-1, -0.5, 0, 0.5, 1):
            points.append((fx * half_w, fy * half_h))
    points += [(rng.uniform(-half_w, half_w), rng.uniform(-half_h, half_h)) for _ in range(n)]
    for east, north in points:
        dec = center.dec_deg + north
        ra = (center.ra_deg + east / math.cos(math.radians(dec))) % 360
        assert box_contains(center, field.width_deg, field.height_deg, ra, dec)
        yield ra, dec


@pytest.mark.parametrize(
    ("ra", "dec", "width", "height", "overlap", "fov"),
    [
        (150.0, 60.0, 3.0, 2.0, 0.1, 1.0),
        (10.68, 41.27, 3.0, 2.0, 0.1, 1.0),
        (359.8, 0.0, 5.0, 5.0, 0.0, 1.0),
        (0.2, -75.0, 4.0, 6.0, 0.2, 0.7),
        (200.0, 85.0, 3.0, 3.0, 0.05, 0.5),
        (83.8, -5.4, 0.5, 0.5, 0.1, 1.0),
        (45.0, 30.0, 12.0, 1.0, 0.5, 2.0),
    ],
)
def test_every_point_of_the_field_is_covered(ra, dec, width, height, overlap, fov) -> None:
    center = SkyPosition(ra, dec)
    field = SkyField(width_deg=width, height_deg=height, overlap=overlap)
    tiles = tile_field(center, field, fov)
    rng = random.Random(1234)
    for point_ra, point_dec in _sample_field(center, field, rng, 3000):
        assert any(box_contains(t, fov, fov, point_ra, point_dec) for t in tiles), (
            point_ra,
            point_dec,
        )


def test_tiles_respect_the_overlap_inside_the_field() -> None:
    fov, overlap = 1.0, 0.25
    field = SkyField(width_deg=4, height_deg=3, overlap=overlap)
    tiles = tile_field(SkyPosition(30.0, 45.0), field, fov)
    decs = sorted({round(t.dec_deg, 9) for t in tiles})
    assert all(b - a == pytest.approx(fov * (1 - overlap)) for a, b in itertools.pairwise(decs))
    for dec in decs:
        row = sorted(t.ra_deg for t in tiles if round(t.dec_deg, 9) == dec)
        edge = max(dec - fov / 2, 45.0 - 1.5)  # the row's equatorward edge inside the field
        for a, b in itertools.pairwise(row):
            assert fov - (b - a) * math.cos(math.radians(edge)) >= overlap * fov - 1e-9


def test_small_field_is_one_tile_at_the_target() -> None:
    tiles = tile_field(SkyPosition(1.0, 2.0), SkyField(width_deg=0.5, height_deg=0.5), 1.0)
    assert tiles == [SkyPosition(1.0, 2.0)]


def test_field_over_the_pole_is_refused_naming_the_field() -> None:
    document = doc(imaging(dec=88.0, field={"width_deg": 2, "height_deg": 4}))
    with pytest.raises(ExpansionError) as caught:
        expand_observation(parse_observation(document), "o")
    assert caught.value.fields == ("requests.0.field",)


# ---- sweep elements (checked against astropy) --------------------------------------------


def _astropy_offset(center: SkyPosition, east: float, north: float) -> tuple[float, float]:
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    import astrotango.astro  # noqa: F401

    c = SkyCoord(center.ra_deg * u.deg, center.dec_deg * u.deg, frame="icrs")
    moved = c.spherical_offsets_by(east * u.deg, north * u.deg)
    return float(moved.ra.deg), float(moved.dec.deg)


@pytest.mark.parametrize(
    ("ra", "dec", "east", "north"),
    [(290.92, 14.51, 0.5, 0.0), (10.0, 60.0, -1.0, 0.7), (359.9, -30.0, 0.3, -2.0)],
)
def test_offsets_match_astropy(ra, dec, east, north) -> None:
    ours = offset_position(SkyPosition(ra, dec), east, north)
    theirs = _astropy_offset(SkyPosition(ra, dec), east, north)
    assert ours.ra_deg == pytest.approx(theirs[0], abs=1e-9)
    assert ours.dec_deg == pytest.approx(theirs[1], abs=1e-9)


def test_daisy_elements_chunk_the_petals() -> None:
    center = SkyPosition(290.92, 14.51)
    pattern = DaisyPattern(radius_deg=1.0, petals=6, elements=4)
    elements = daisy_elements(center, pattern)
    assert [e.duration_fraction for e in elements] == pytest.approx([2 / 6, 1 / 6, 2 / 6, 1 / 6])
    one_each = daisy_elements(center, DaisyPattern(radius_deg=1.0, petals=4, elements=4))
    north = one_each[0].center  # petal 0 points north, its midpoint radius/2 out
    assert north.ra_deg == pytest.approx(center.ra_deg)
    assert north.dec_deg == pytest.approx(center.dec_deg + 0.5)
    whole = daisy_elements(center, DaisyPattern(radius_deg=1.0, petals=5, elements=1))
    assert whole[0].center.ra_deg == pytest.approx(center.ra_deg)
    assert whole[0].center.dec_deg == pytest.approx(center.dec_deg)
    assert whole[0].duration_fraction == 1.0


def test_raster_cells_are_serpentine_and_centred() -> None:
    center = SkyPosition(83.8, -5.4)
    cells = raster_elements(center, RasterPattern(width_deg=2, height_deg=1, rows=2, columns=2))
    expected = [(-0.5, -0.25), (0.5, -0.25), (0.5, 0.25), (-0.5, 0.25)]
    for cell, (east, north) in zip(cells, expected, strict=True):
        ra, dec = _astropy_offset(center, east, north)
        assert cell.center.ra_deg == pytest.approx(ra, abs=1e-9)
        assert cell.center.dec_deg == pytest.approx(dec, abs=1e-9)
        assert cell.duration_fraction == 0.25


def test_galactic_target_is_converted_with_astropy() -> None:
    target = {"kind": "galactic", "name": "GC", "l_deg": 0.0, "b_deg": 0.0}
    document = doc(
        {**raster(1, 1), "target": target},
    )
    (task,) = expand_observation(parse_observation(document), "o")
    assert isinstance(task.target, IcrsTarget)
    assert task.target.ra_deg == pytest.approx(266.405, abs=1e-3)
    assert task.target.dec_deg == pytest.approx(-28.936, abs=1e-3)


def test_a_time_based_request_plans_the_passes_that_fit_its_duration() -> None:
    """The SN run: 900 s estimated 970 s, planned as 16 x 60 s frames (readouts left out)."""
    overheads = Overheads()  # slew 60, settle 10, readout 5, filter change 5
    exposures = [{"filter": "B", "exposure_s": 60}, {"filter": "V", "exposure_s": 60}]
    document = doc(imaging(exposures=exposures, timing={"mode": "time_based", "duration_s": 900}))
    observation = parse_observation(document)
    [task] = expand_observation(observation, "o", overheads=overheads)
    one_pass = 60 + 5 + 5 + 60 + 5  # B, readout, change to V, V, readout
    assert time_based_repeats(observation.requests[0], overheads) == 6  # 6 x 135 + 5 x 5 <= 900
    assert task.duration_s == 70 + 6 * one_pass + 5 * 5
    assert task.duration_s - 70 <= 900, "observing time stays inside the asked duration"
