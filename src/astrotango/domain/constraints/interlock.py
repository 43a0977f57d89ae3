"""Shutdown-interlock rules, pure: the sensor condition, the trigger state, the arming window.

An interlock's trigger is a sensor condition (``rain > 0``), a constraint device's ``isOk``,
or manual only. Fail safe: once the trigger source has produced data, garbage or stale data
counts as TRIGGERED when ``fail_safe`` is set; before any data it is UNKNOWN (the interlock is
armed but blind, which the device reports, rather than shutting down at every start-up).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from astrotango.domain.constraints.base import as_finite_number

__all__ = ["InterlockWindow", "SensorCondition", "TriggerKind", "TriggerState", "judge_reading"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_CONDITION = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*$")


class TriggerKind(StrEnum):
    """What fires an interlock (besides a manual ``Fire``)."""

    MANUAL = "manual"
    SENSOR = "sensor"
    CONSTRAINT = "constraint"


class TriggerState(StrEnum):
    """Whether the trigger condition holds now."""

    UNKNOWN = "UNKNOWN"
    CLEAR = "CLEAR"
    TRIGGERED = "TRIGGERED"


@dataclass(frozen=True, slots=True)
class SensorCondition:
    """``value OP threshold`` fires the interlock, e.g. ``> 0`` for rain."""

    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> SensorCondition:
        """Parse ``"> 0"``, ``">= 15.5"``, ``"< -5"``.

        Raises:
            ValueError: naming ``condition`` and the accepted form.
        """
        match = _CONDITION.match(text)
        if match is None:
            raise ValueError(f"condition: {text!r} is not 'OP NUMBER' with OP one of > >= < <=")
        return cls(match.group(1), float(match.group(2)))

    def __str__(self) -> str:
        return f"{self.op} {self.threshold:g}"

    def holds(self, value: float) -> bool:
        """Whether ``value`` meets the firing condition."""
        return _OPS[self.op](value, self.threshold)


def judge_reading(
    condition: SensorCondition, raw: object, *, fail_safe: bool = True
) -> tuple[TriggerState, str]:
    """Judge one sensor reading; returns the trigger state and a reason.

    Garbage (not a finite number) is TRIGGERED when ``fail_safe``, else UNKNOWN.
    """
    value = as_finite_number(raw)
    if value is None:
        state = TriggerState.TRIGGERED if fail_safe else TriggerState.UNKNOWN
        return state, f"sensor returned garbage ({raw!r})"
    if condition.holds(value):
        return TriggerState.TRIGGERED, f"reading {value:g} {condition}"
    return TriggerState.CLEAR, f"reading {value:g} (fires at {condition})"


@dataclass(frozen=True, slots=True)
class InterlockWindow:
    """When an interlock is armed: enabled, and inside ``[starts_at, expires_at)``."""

    is_enabled: bool = True
    starts_at: datetime | None = None
    expires_at: datetime | None = None

    def armed(self, now: datetime) -> bool:
        """Whether the interlock may fire at ``now``."""
        if not self.is_enabled:
            return False
        if self.starts_at is not None and now < self.starts_at:
            return False
        return self.expires_at is None or now < self.expires_at

    def describe(self, now: datetime) -> str:
        """Why the interlock is (not) armed."""
        if not self.is_enabled:
            return "disabled"
        if self.starts_at is not None and now < self.starts_at:
            return f"not armed before {self.starts_at.isoformat()}"
        if self.expires_at is not None and now >= self.expires_at:
            return f"expired at {self.expires_at.isoformat()}"
        return "armed"
