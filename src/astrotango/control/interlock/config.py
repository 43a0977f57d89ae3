"""An interlock's configuration and what it shows, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from astrotango.domain.constraints import Scope, SensorCondition, TriggerKind, TriggerState

__all__ = ["InterlockConfig", "InterlockRefused", "InterlockView", "UnsafeTelescope"]


class InterlockRefused(Exception):
    """A Fire, Reset or disarming that the interlock's rules do not allow now (says why)."""


@dataclass(frozen=True, slots=True)
class InterlockConfig:
    """What one interlock watches and what it shuts down.

    Attributes:
        name: The interlock's device name.
        scope: Telescope (exactly one telescope) or observatory (one or more).
        telescopes: Telescope device names in scope.
        trigger: Sensor condition, constraint ``isOk``, or manual only.
        trigger_device: The sensor or constraint device ('' for manual).
        trigger_attribute: The sensor attribute (sensor triggers only).
        condition: The firing condition (sensor triggers only).
        fail_safe: Whether garbage, stale data or a lost trigger device fires the interlock.
        max_data_age_s: Clock seconds without a sensor reading after which data is stale.
        shutdown_timeout_s: Clock seconds to wait for each telescope's SafeShutdown to finish.
        retry_delay_s: Clock seconds before the first retry of a telescope that is not safe;
            each further retry waits twice as long ...
        max_retry_delay_s: ... but never longer than this (clock seconds).
    """

    name: str
    scope: Scope
    telescopes: tuple[str, ...]
    trigger: TriggerKind = TriggerKind.MANUAL
    trigger_device: str = ""
    trigger_attribute: str = ""
    condition: SensorCondition | None = None
    fail_safe: bool = True
    max_data_age_s: float = 120.0
    shutdown_timeout_s: float = 300.0
    retry_delay_s: float = 5.0
    max_retry_delay_s: float = 120.0

    def __post_init__(self) -> None:
        if self.scope is Scope.TELESCOPE and len(self.telescopes) != 1:
            raise ValueError("telescopes: a telescope-scoped interlock names exactly one telescope")
        if not self.telescopes:
            raise ValueError("telescopes: an observatory interlock names at least one telescope")
        if len(set(self.telescopes)) != len(self.telescopes):
            raise ValueError("telescopes: a telescope is named twice")
        if self.trigger is not TriggerKind.MANUAL and not self.trigger_device:
            raise ValueError(f"trigger_device: a {self.trigger} trigger needs a device")
        if self.trigger is TriggerKind.SENSOR and (
            not self.trigger_attribute or self.condition is None
        ):
            raise ValueError("trigger_attribute: a sensor trigger needs an attribute and condition")
        if self.max_data_age_s <= 0 or self.shutdown_timeout_s <= 0:
            raise ValueError("max_data_age_s: ages and timeouts must be greater than 0")
        if not 0 < self.retry_delay_s <= self.max_retry_delay_s:
            raise ValueError("retry_delay_s: must be greater than 0 and at most max_retry_delay_s")

    def describe_trigger(self) -> str:
        """The trigger in words, e.g. ``astro/weather/1/rain > 0``."""
        if self.trigger is TriggerKind.SENSOR:
            return f"{self.trigger_device}/{self.trigger_attribute} {self.condition}"
        if self.trigger is TriggerKind.CONSTRAINT:
            return f"{self.trigger_device} not OK"
        return "manual"


@dataclass(frozen=True, slots=True)
class UnsafeTelescope:
    """A telescope in scope whose SafeShutdown failed and that is not confirmed safe since.

    Attributes:
        name: The telescope device.
        reason: Why its last attempt failed.
        retries: Retries made so far (0: only the storm's attempt).
        next_retry_at: When the next retry is due (clock time); None while one runs.
    """

    name: str
    reason: str
    retries: int = 0
    next_retry_at: datetime | None = None

    def describe(self) -> str:
        """One line for the device status, e.g. ``t2 (enclosure stuck; retry 3 at 01:02:03)``."""
        when = "retrying" if self.next_retry_at is None else f"at {self.next_retry_at:%H:%M:%S}"
        return f"{self.name} ({self.reason}; retry {self.retries + 1} {when})"


@dataclass(frozen=True, slots=True)
class InterlockView:
    """What the device shows: fired or not, why, the trigger, the last shutdown, the unsafe."""

    fired: bool = False
    reason: str = ""
    fired_at: datetime | None = None
    armed: bool = True
    armed_reason: str = "armed"
    trigger_state: TriggerState = TriggerState.UNKNOWN
    trigger_reason: str = "no trigger data yet"
    command_id: str = ""
    last_shutdown: dict[str, Any] = field(default_factory=dict)
    unsafe: tuple[UnsafeTelescope, ...] = ()

    @property
    def unsafe_telescopes(self) -> tuple[str, ...]:
        """The names of the telescopes in scope not confirmed safe, in scope order."""
        return tuple(u.name for u in self.unsafe)
