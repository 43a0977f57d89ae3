"""What the safety oracle judges: each telescope's, interlock's and gate's timeline of a night.

Timelines are step functions: a sample holds from its time until the next one. Times are
simulated and UTC-aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from astrotango.control_model import ResultCode, TaskStatus
from astrotango.hardware import Site

__all__ = [
    "FiredSample",
    "GateRecord",
    "GateSample",
    "InterlockRecord",
    "NightRecord",
    "ShutdownRecord",
    "TelescopeKind",
    "TelescopeRecord",
    "TelescopeSample",
    "TelescopeShutdown",
]


class TelescopeKind(StrEnum):
    """What "safe" means: optical is closed and parked, radio (no enclosure) is parked."""

    OPTICAL = "optical"
    RADIO = "radio"


@dataclass(frozen=True, slots=True)
class TelescopeSample:
    """A telescope's enclosure and mount from ``at`` (simulated, UTC-aware) on."""

    at: datetime
    open: bool
    unparked: bool


@dataclass(frozen=True, slots=True)
class FiredSample:
    """An interlock's ``fired`` from ``at`` on."""

    at: datetime
    fired: bool


@dataclass(frozen=True, slots=True)
class GateSample:
    """A constraint's ``isOk`` from ``at`` on."""

    at: datetime
    ok: bool


@dataclass(frozen=True, slots=True)
class TelescopeShutdown:
    """How one telescope fared in a storm.

    Attributes:
        status: A ``TaskStatus`` name once its SafeShutdown ended (``STARTING`` or
            ``ACCEPTED`` while under way).
        code: Its ``ResultCode`` once ended, if the record gave one.
        message: Its result message.
    """

    status: str
    code: int | None = None
    message: str = ""

    @property
    def made_safe(self) -> bool:
        """Its SafeShutdown completed, and did not say it failed."""
        return self.status == TaskStatus.COMPLETED.name and self.code in (None, ResultCode.OK)

    @classmethod
    def from_json(cls, entry: object) -> TelescopeShutdown:
        """Read one telescope's entry of a ``lastShutdown`` record (tolerant of junk)."""
        entry = entry if isinstance(entry, Mapping) else {}
        result = entry.get("result")
        code, message = None, ""
        if isinstance(result, list | tuple) and len(result) == 2:
            code = int(result[0]) if isinstance(result[0], int) else None
            message = str(result[1])
        return cls(str(entry.get("status", "?")), code, message)


@dataclass(frozen=True, slots=True)
class ShutdownRecord:
    """One storm (an interlock's SafeShutdown of its scope), as ``lastShutdown`` reports it.

    Attributes:
        reason: Why the interlock fired.
        fired_at: When (simulated, UTC-aware); None if the record did not say.
        telescopes: Device name -> how it fared.
        finished: Whether the storm had ended (its record carries the aggregated result).
        failed: The telescopes the storm names as failed once finished.
    """

    reason: str
    fired_at: datetime | None
    telescopes: Mapping[str, TelescopeShutdown]
    finished: bool
    failed: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: object) -> ShutdownRecord | None:
        """Read a parsed ``lastShutdown`` value; None for the empty record (no storm yet)."""
        if not isinstance(data, Mapping) or not data:
            return None
        raw = data.get("telescopes")
        telescopes = {
            str(name): TelescopeShutdown.from_json(entry)
            for name, entry in (raw.items() if isinstance(raw, Mapping) else ())
        }
        failed = data.get("failed")
        return cls(
            str(data.get("reason", "")),
            _parse_time(data.get("fired_at")),
            telescopes,
            "result" in data,
            tuple(str(n) for n in failed) if isinstance(failed, list | tuple) else (),
        )

    @property
    def key(self) -> tuple[str, str]:
        """What tells one storm from another of the same interlock."""
        return (self.fired_at.isoformat() if self.fired_at else "", self.reason)

    def failures(self, finish_by: datetime) -> list[tuple[str, str]]:
        """``(telescope, text)`` for each telescope it did not make safe.

        Args:
            finish_by: A storm fired before this and not finished has failed (it had its
                allowance); one fired later is still within it and not judged.
        """
        when = f"{self.fired_at:%Y-%m-%d %H:%M:%S}" if self.fired_at else "(unknown time)"
        head = f"SafeShutdown fired {when} ({self.reason or 'no reason'})"
        if not self.finished:
            if self.fired_at is not None and self.fired_at > finish_by:
                return []
            return [
                (name, f"{head}: not finished ({entry.status})")
                for name, entry in self.telescopes.items()
                if not entry.made_safe
            ]
        out = []
        for name in dict.fromkeys([*self.telescopes, *self.failed]):
            entry = self.telescopes.get(name, TelescopeShutdown("?"))
            if name in self.failed or not entry.made_safe:
                out.append((name, f"{head}: {entry.status} {entry.message}".rstrip()))
        return out


def _parse_time(value: object) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TelescopeRecord:
    """One telescope over the night.

    Attributes:
        name: Device name (``astro/telescope/t1``).
        kind: Optical or radio.
        site: Where it stands (for the sun's altitude).
        sun_limit_deg: Highest sun altitude it may be unsafe under, degrees; None for no limit.
        samples: Its enclosure and mount, in any order.
        gates: Device names of its safing gates (constraints whose badness must make it safe).
        interlocks: Interlocks covering it, as it reports them (joined with each
            interlock's own ``telescopes``).
        unchecked: Why part of it could not be checked (an unreadable attribute, a failed
            subscription); a verdict with any is not OK.
    """

    name: str
    kind: TelescopeKind
    site: Site
    sun_limit_deg: float | None
    samples: tuple[TelescopeSample, ...]
    gates: tuple[str, ...] = ()
    interlocks: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InterlockRecord:
    """One interlock over the night: its scope, when it was fired, the storms it ran."""

    name: str
    telescopes: tuple[str, ...]
    samples: tuple[FiredSample, ...]
    shutdowns: tuple[ShutdownRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class GateRecord:
    """One constraint (gate) over the night."""

    name: str
    samples: tuple[GateSample, ...]


@dataclass(frozen=True, slots=True)
class NightRecord:
    """Everything the oracle judges; ``start`` is when the recording began (UTC-aware)."""

    start: datetime
    telescopes: tuple[TelescopeRecord, ...]
    interlocks: tuple[InterlockRecord, ...] = ()
    gates: tuple[GateRecord, ...] = ()
