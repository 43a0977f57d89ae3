"""Sky geometry for expansion: tiling a field, sweep-pattern elements, offsets on the sphere.

Two conventions, used consistently here and in the tests:

* A *box* of width ``w`` and height ``h`` (degrees) about ``(ra0, dec0)`` is the set of points
  with ``|dec - dec0| <= h/2`` and ``|ra - ra0| * cos(dec) <= w/2``: its east-west angular width
  is ``w`` at every declination, so its extent in right ascension grows with ``1/cos(dec)``.
  Fields and camera footprints (``fov_deg`` square, north up) are boxes; for fields of a few
  degrees a box matches the camera's gnomonic square to well under the tile overlap.
* Sweep elements are placed by true spherical offsets (a rotation, as astropy's
  ``SkyCoord.spherical_offsets_by``): east ``dx_deg`` and north ``dy_deg`` from the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from astrotango.domain.settings import DaisyPattern, RasterPattern, SkyField

__all__ = [
    "MAX_TILE_DEC_DEG",
    "SkyPosition",
    "SweepElement",
    "box_contains",
    "daisy_elements",
    "offset_position",
    "raster_elements",
    "tile_field",
]

#: Tiling is refused when a tile would reach beyond this declination (degrees).
MAX_TILE_DEC_DEG = 89.0
_EPS = 1e-9


@dataclass(frozen=True)
class SkyPosition:
    """An ICRS position, degrees."""

    ra_deg: float
    dec_deg: float


@dataclass(frozen=True)
class SweepElement:
    """One sweep element: its centre and the fraction of the map's duration it takes."""

    center: SkyPosition
    duration_fraction: float


def _wrap180(angle_deg: float) -> float:
    return (angle_deg + 180.0) % 360.0 - 180.0


def box_contains(
    center: SkyPosition, width_deg: float, height_deg: float, ra_deg: float, dec_deg: float
) -> bool:
    """Whether the point lies in the box about ``center`` (see the module docstring)."""
    if abs(dec_deg - center.dec_deg) > height_deg / 2 + _EPS:
        return False
    east_deg = abs(_wrap180(ra_deg - center.ra_deg)) * math.cos(math.radians(dec_deg))
    return east_deg <= width_deg / 2 + _EPS


def _count(span_deg: float, step_deg: float) -> int:
    """Tiles of step ``step_deg`` whose outer centres lie ``span_deg`` apart at most."""
    return 1 if span_deg <= 0 else 1 + math.ceil(span_deg / step_deg - _EPS)


def tile_field(center: SkyPosition, field: SkyField, fov_deg: float) -> list[SkyPosition]:
    """Cover a field with square tiles of ``fov_deg``, adjacent tiles sharing ``overlap``.

    Rows run in declination, ``step = fov * (1 - overlap)`` apart, centred on the target.
    In each row, tiles are ``step / cos(dec_eq)`` apart in right ascension (``dec_eq`` the row's
    declination nearest the equator, where tiles are narrowest in RA), and there are enough of
    them to reach the field's edge at the row's most polar declination (where the field is
    widest in RA). So every point of the field lies in at least one tile.

    Args:
        center: the field's centre.
        field: its size and overlap.
        fov_deg: the square field of view of one tile, degrees.

    Returns:
        Tile centres, rows from south to north, west to east within a row.

    Raises:
        ValueError: ``fov_deg`` is not positive, or a tile would reach beyond
            ``MAX_TILE_DEC_DEG`` (tiling over the pole is not supported).
    """
    if fov_deg <= 0:
        raise ValueError("fov_deg must be positive")
    step = fov_deg * (1.0 - field.overlap)
    half_h = field.height_deg / 2
    n_rows = _count(field.height_deg - fov_deg, step)
    tiles: list[SkyPosition] = []
    for row in range(n_rows):
        dec_c = center.dec_deg + (row - (n_rows - 1) / 2) * step
        if abs(dec_c) + fov_deg / 2 > MAX_TILE_DEC_DEG:
            raise ValueError(f"the field reaches beyond declination ±{MAX_TILE_DEC_DEG:g}°")
        low = max(dec_c - fov_deg / 2, center.dec_deg - half_h)
        high = min(dec_c + fov_deg / 2, center.dec_deg + half_h)
        cos_eq = 1.0 if low <= 0 <= high else max(_cos(low), _cos(high))
        cos_pole = min(_cos(low), _cos(high))
        ra_step = step / cos_eq
        n_cols = _count((field.width_deg - fov_deg) * cos_eq / cos_pole, step)
        for col in range(n_cols):
            ra_c = (center.ra_deg + (col - (n_cols - 1) / 2) * ra_step) % 360.0
            tiles.append(SkyPosition(ra_c, dec_c))
    return tiles


def _cos(dec_deg: float) -> float:
    return math.cos(math.radians(dec_deg))


def offset_position(center: SkyPosition, dx_deg: float, dy_deg: float) -> SkyPosition:
    """The point ``dx_deg`` east and ``dy_deg`` north of ``center`` (spherical offset)."""
    a, b = math.radians(dx_deg), math.radians(dy_deg)
    x, y, z = math.cos(b) * math.cos(a), math.cos(b) * math.sin(a), math.sin(b)
    d0, r0 = math.radians(center.dec_deg), math.radians(center.ra_deg)
    # rotate by -dec0 about y (tilt the offset frame up to dec0), then by ra0 about z
    x, z = x * math.cos(d0) - z * math.sin(d0), x * math.sin(d0) + z * math.cos(d0)
    x, y = x * math.cos(r0) - y * math.sin(r0), x * math.sin(r0) + y * math.cos(r0)
    ra = math.degrees(math.atan2(y, x)) % 360.0
    dec = math.degrees(math.asin(max(-1.0, min(1.0, z))))
    return SkyPosition(ra, dec)


def daisy_elements(center: SkyPosition, pattern: DaisyPattern) -> list[SweepElement]:
    """Split a daisy into ``pattern.elements`` chunks of consecutive petals.

    Petal ``j`` points at position angle ``360 * j / petals`` (north through east) and belongs
    to element ``floor(j * elements / petals)``. An element is centred on the mean of its
    petals' midpoints (``radius_deg / 2`` out along each petal); its duration share is its
    number of petals over ``petals``.
    """
    chunks: list[list[int]] = [[] for _ in range(pattern.elements)]
    for petal in range(pattern.petals):
        chunks[petal * pattern.elements // pattern.petals].append(petal)
    mid = pattern.radius_deg / 2
    out: list[SweepElement] = []
    for petals in chunks:
        angles = [math.radians(360.0 * j / pattern.petals) for j in petals]
        dx = mid * sum(math.sin(t) for t in angles) / len(angles)
        dy = mid * sum(math.cos(t) for t in angles) / len(angles)
        dx, dy = (0.0 if abs(v) < _EPS else v for v in (dx, dy))
        out.append(SweepElement(offset_position(center, dx, dy), len(petals) / pattern.petals))
    return out


def raster_elements(center: SkyPosition, pattern: RasterPattern) -> list[SweepElement]:
    """One element per raster cell, row by row from the south-west, serpentine.

    Cell ``(row, column)`` is centred ``-width/2 + (column + 0.5) * width/columns`` east and
    ``-height/2 + (row + 0.5) * height/rows`` north of the target; odd rows run east to west.
    Each cell takes an equal share of the duration.
    """
    share = 1.0 / (pattern.rows * pattern.columns)
    out: list[SweepElement] = []
    for row in range(pattern.rows):
        dy = -pattern.height_deg / 2 + (row + 0.5) * pattern.height_deg / pattern.rows
        columns = range(pattern.columns) if row % 2 == 0 else reversed(range(pattern.columns))
        for col in columns:
            dx = -pattern.width_deg / 2 + (col + 0.5) * pattern.width_deg / pattern.columns
            out.append(SweepElement(offset_position(center, dx, dy), share))
    return out
