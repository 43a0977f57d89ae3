"""The gate of one constraint as data: its states, the transition table, its status value.

:data:`GATE_TRANSITIONS` lists, for every move between :class:`GateState` values, the causes
allowed to make it (staying put is always allowed); :mod:`.gate` checks every step against it.
A :class:`GateStatus` is everything known about one gate at one time; its JSON is the status
snapshot (which threshold was crossed, and since when).

Times are timezone-aware datetimes of the injected clock; durations are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from astrotango.domain.constraints.base import ThresholdName

__all__ = [
    "GATE_TRANSITIONS",
    "MAX_FORCE_CLEAR_S",
    "OPEN_STATES",
    "Crossing",
    "ForceClear",
    "GateCause",
    "GateSettings",
    "GateState",
    "GateStatus",
]

#: Longest force-clear an operator may set, seconds (one week).
MAX_FORCE_CLEAR_S = 7 * 86_400.0


class GateState(StrEnum):
    """Where a constraint's gate stands."""

    NO_DATA = "NO_DATA"
    BAD = "BAD"
    SETTLING = "SETTLING"
    OK = "OK"
    STALE = "STALE"
    INACTIVE = "INACTIVE"


class GateCause(StrEnum):
    """What moved the gate."""

    GOOD_READING = "good_reading"
    BAD_READING = "bad_reading"
    TIME = "time"
    DEACTIVATE = "deactivate"
    ACTIVATE = "activate"


#: States in which the gate is open (before any force-clear).
OPEN_STATES = frozenset({GateState.OK, GateState.INACTIVE})

_S, _G, _B, _T = GateState, GateCause.GOOD_READING, GateCause.BAD_READING, GateCause.TIME
#: (from, to) -> the causes allowed to make that move; staying put is always allowed.
GATE_TRANSITIONS: MappingProxyType[tuple[GateState, GateState], frozenset[GateCause]] = (
    MappingProxyType(
        {
            (_S.NO_DATA, _S.BAD): frozenset({_B}),
            (_S.NO_DATA, _S.SETTLING): frozenset({_G}),
            (_S.NO_DATA, _S.OK): frozenset({_G}),  # stability threshold 0
            (_S.NO_DATA, _S.STALE): frozenset({_T}),  # a reading already too old on arrival
            (_S.BAD, _S.SETTLING): frozenset({_G}),
            (_S.BAD, _S.OK): frozenset({_G}),
            (_S.BAD, _S.STALE): frozenset({_T}),
            (_S.SETTLING, _S.BAD): frozenset({_B}),
            (_S.SETTLING, _S.OK): frozenset({_G, _T}),
            (_S.SETTLING, _S.STALE): frozenset({_T}),
            (_S.OK, _S.BAD): frozenset({_B}),
            (_S.OK, _S.STALE): frozenset({_T}),
            (_S.STALE, _S.BAD): frozenset({_B}),
            (_S.STALE, _S.SETTLING): frozenset({_G}),
            (_S.STALE, _S.OK): frozenset({_G}),
            **{(s, _S.INACTIVE): frozenset({GateCause.DEACTIVATE}) for s in GateState},
            (_S.INACTIVE, _S.NO_DATA): frozenset({GateCause.ACTIVATE}),
        }
    )
)


class GateSettings(BaseModel):
    """How a gate judges time.

    Attributes:
        stability_threshold_s: Seconds good readings must hold before the gate opens.
        max_data_age_s: Seconds after the last reading at which the data is too old.
        is_active: Whether the constraint gates at all.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    stability_threshold_s: float = Field(default=0.0, ge=0.0, le=86_400.0)
    max_data_age_s: float = Field(default=300.0, gt=0.0, le=30 * 86_400.0)
    is_active: bool = True


@dataclass(frozen=True, slots=True)
class Crossing:
    """Which threshold was crossed, by what, and since when."""

    threshold: ThresholdName
    limit: float | None
    value: float | None
    since: datetime
    reason: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO times)."""
        return {
            "threshold": self.threshold,
            "limit": self.limit,
            "value": self.value,
            "since": self.since.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ForceClear:
    """An operator's time-limited override that opens the gate."""

    reason: str
    since: datetime
    until: datetime

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO times)."""
        return {
            "reason": self.reason,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class GateStatus:
    """Everything known about one gate at :attr:`evaluated_at` (a snapshot is its JSON).

    Attributes:
        state: The gate state.
        evaluated_at: When this status was computed.
        since: When the gate last opened or closed (force-clear aside).
        value: The last usable reading, or None.
        last_update: When the last reading (usable or not) arrived, or None.
        good_since: Start of the current run of good readings, or None.
        crossing: The threshold crossed while the gate is closed by data, or None.
        forced: The force-clear in effect, or None.
        reason: A human sentence for operators.
    """

    state: GateState
    evaluated_at: datetime
    since: datetime
    value: float | None = None
    last_update: datetime | None = None
    good_since: datetime | None = None
    crossing: Crossing | None = None
    forced: ForceClear | None = None
    reason: str = "no reading yet"

    @classmethod
    def initial(cls, now: datetime, settings: GateSettings) -> GateStatus:
        """The status before any reading."""
        if not settings.is_active:
            return cls(GateState.INACTIVE, now, now, reason="constraint inactive")
        return cls(GateState.NO_DATA, now, now)

    @property
    def is_open(self) -> bool:
        """Whether the data (force-clear aside) lets observations run."""
        return self.state in OPEN_STATES

    @property
    def is_ok(self) -> bool:
        """Whether the gate is open, by data or by a force-clear in effect."""
        return self.is_open or self.forced is not None

    def to_json(self) -> dict[str, Any]:
        """The snapshot document: state, verdict, which threshold was crossed and when."""

        def iso(when: datetime | None) -> str | None:
            return None if when is None else when.isoformat()

        return {
            "state": self.state.value,
            "is_ok": self.is_ok,
            "timestamp": self.evaluated_at.isoformat(),
            "since": self.since.isoformat(),
            "value": self.value,
            "last_update": iso(self.last_update),
            "good_since": iso(self.good_since),
            "crossed": None if self.crossing is None else self.crossing.to_json(),
            "force_cleared": None if self.forced is None else self.forced.to_json(),
            "reason": self.reason,
        }
