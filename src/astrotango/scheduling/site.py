"""An observing site on the WGS84 ellipsoid."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Site"]


@dataclass(frozen=True, slots=True)
class Site:
    """Where a telescope stands.

    Attributes:
        name: Human name, e.g. ``"La Palma"``.
        lat_deg: Geodetic latitude, degrees north.
        lon_deg: Longitude, degrees east-positive.
        elevation_m: Height above the WGS84 ellipsoid, metres.
    """

    name: str
    lat_deg: float
    lon_deg: float
    elevation_m: float = 0.0

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat_deg <= 90.0:
            raise ValueError(f"lat_deg out of range: {self.lat_deg}")
        if not -360.0 <= self.lon_deg <= 360.0:
            raise ValueError(f"lon_deg out of range: {self.lon_deg}")
