"""May telescope T observe under policy P now? If not, which constraints fail, since when.

Pure: the caller supplies the latest known status of each constraint device (from its
events). Observatory-level constraints apply to every telescope; telescope-level ones are
layered on top; both must pass. A constraint with no known status fails (fail safe).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from astrotango.domain.policy import ObservingPolicy

__all__ = ["ConstraintView", "Eligibility", "FailingConstraint", "check_eligibility"]

Level = Literal["observatory", "telescope"]


@dataclass(frozen=True, slots=True)
class ConstraintView:
    """The latest status of one constraint device, as its events told it.

    Attributes:
        is_ok: Whether its gate is open.
        since: When it last opened or closed, or None if unknown.
        state: Its gate state name (``OK``, ``BAD``, ``STALE``, ...), or ``UNKNOWN``.
        reason: Its human explanation (which threshold was crossed).
    """

    is_ok: bool
    since: datetime | None = None
    state: str = "UNKNOWN"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FailingConstraint:
    """One constraint that keeps a telescope from observing."""

    name: str
    level: Level
    since: datetime | None
    state: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO time)."""
        since = None if self.since is None else self.since.isoformat()
        return {
            "name": self.name,
            "level": self.level,
            "since": since,
            "state": self.state,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The answer: allowed or not, and every failing constraint (observatory level first)."""

    telescope: str
    policy: str
    allowed: bool
    failing: tuple[FailingConstraint, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "telescope": self.telescope,
            "policy": self.policy,
            "allowed": self.allowed,
            "failing": [f.to_json() for f in self.failing],
        }


def check_eligibility(
    policy: ObservingPolicy, telescope: str, statuses: Mapping[str, ConstraintView]
) -> Eligibility:
    """Decide whether ``telescope`` may observe under ``policy`` given the known statuses."""
    failing: list[FailingConstraint] = []
    levels: list[tuple[Level, tuple[str, ...]]] = [
        ("observatory", policy.observatory_constraints),
        ("telescope", tuple(policy.telescope_constraints.get(telescope, ()))),
    ]
    for level, names in levels:
        for name in names:
            view = statuses.get(name)
            if view is None:
                failing.append(FailingConstraint(name, level, None, "UNKNOWN", "no status yet"))
            elif not view.is_ok:
                failing.append(FailingConstraint(name, level, view.since, view.state, view.reason))
    return Eligibility(telescope, policy.name, not failing, tuple(failing))
