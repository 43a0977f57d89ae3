"""A telescope as the planner sees it: a site, instruments and whether it can observe."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from astrotango.scheduling.site import Site

__all__ = ["Telescope"]


@dataclass(frozen=True, slots=True)
class Telescope:
    """One schedulable telescope.

    Attributes:
        id: Unique identifier (e.g. the Tango device name or ``"T1"``).
        site: Where it stands; telescopes with equal sites share one sky model.
        capabilities: Instrument kinds it carries, e.g. ``{"optical"}`` or ``{"radio"}``.
        fov_deg: Field of view (diameter), degrees.
        available: False when offline, interlocked or its operational constraints fail.
        unavailable_until: Predicted time (UTC) from which it can observe again, e.g. the
            predicted good-weather time; ``None`` when it can observe now.
        min_altitude_deg: The mount's horizon limit: it refuses to point lower.
        closed_queues: Queues whose policy's gates forbid observing on it now (their tasks
            are not planned here; the other queues' are).
    """

    id: str
    site: Site
    capabilities: frozenset[str] = field(default_factory=lambda: frozenset({"optical"}))
    fov_deg: float = 1.0
    available: bool = True
    unavailable_until: datetime | None = None
    min_altitude_deg: float = 0.0
    closed_queues: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.fov_deg <= 0.0:
            raise ValueError(f"fov_deg must be positive: {self.fov_deg}")
