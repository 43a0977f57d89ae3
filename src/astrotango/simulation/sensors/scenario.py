"""Scenario files: a timeline with noise that drives the sensor simulators.

A scenario (YAML or JSON) gives each quantity a baseline and a noise level, then *episodes*
("clouds roll in at 01:30 for 40 minutes") and *faults* ("the wind sensor stops updating at
03:00 for 10 minutes"). ``at`` is a UTC time of day (``"01:30"``, repeating every day) or an
ISO date-time (once). During an episode the quantity ramps from its baseline to ``value`` over
``ramp_min`` minutes, holds, and ramps back over the last ``ramp_min`` minutes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "DEFAULT_SCENARIO",
    "Episode",
    "FaultEpisode",
    "HostSpec",
    "QuantitySpec",
    "Scenario",
    "SensorFault",
    "load_scenario",
]

#: The scenario shipped in the package (``scenarios/default.yaml``).
DEFAULT_SCENARIO = "default.yaml"


class SensorFault(StrEnum):
    """Injected sensor faults."""

    STALE = "stale"  # the sensor stops updating
    GARBAGE = "garbage"  # the sensor returns NaN, infinities or absurd values
    FIXED = "fixed"  # the sensor is stuck at ``value``


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_at(value: object) -> time | datetime:
    if isinstance(value, time | datetime):
        return value if not isinstance(value, datetime) else value.astimezone(UTC)
    text = str(value)
    if "T" in text or "-" in text:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(f"at: {text!r} needs a time zone")
        return parsed.astimezone(UTC)
    return time.fromisoformat(text)


class _Timed(_Strict):
    """Something that happens at ``at`` (time of day UTC, or ISO) for ``duration_min``."""

    at: time | datetime
    duration_min: float = Field(gt=0.0, le=7 * 24 * 60.0)

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: object) -> time | datetime:
        return _parse_at(value)

    def elapsed_s(self, when: datetime) -> float | None:
        """Seconds since the occurrence covering ``when`` began, or None if none covers it."""
        duration = timedelta(minutes=self.duration_min)
        if isinstance(self.at, datetime):
            starts = [self.at]
        else:
            day = when.astimezone(UTC).date()
            starts = [datetime.combine(day - timedelta(days=n), self.at, UTC) for n in range(8)]
        for start in starts:
            if start <= when < start + duration:
                return (when - start).total_seconds()
        return None


class Episode(_Timed):
    """A quantity moving to ``value`` for a while (clouds rolling in, a cooler failing)."""

    quantity: str = Field(min_length=1)
    value: float
    ramp_min: float = Field(default=0.0, ge=0.0)

    def weight(self, when: datetime) -> float:
        """How far the quantity has moved toward ``value`` at ``when`` (0 to 1)."""
        elapsed = self.elapsed_s(when)
        if elapsed is None:
            return 0.0
        ramp_s = min(self.ramp_min * 60.0, self.duration_min * 30.0)
        if ramp_s <= 0:
            return 1.0
        remaining = self.duration_min * 60.0 - elapsed
        return max(0.0, min(1.0, elapsed / ramp_s, remaining / ramp_s))


class FaultEpisode(_Timed):
    """A sensor fault on a timeline."""

    sensor: str = Field(min_length=1)
    fault: SensorFault
    value: float | None = None


class QuantitySpec(_Strict):
    """Baseline and Gaussian noise (one standard deviation) of one quantity."""

    baseline: float
    noise: float = Field(default=0.0, ge=0.0)


class HostSpec(_Strict):
    """The host's battery, storage and camera, in the units their names carry."""

    battery_capacity_wh: float = Field(default=2000.0, gt=0.0)
    battery_start_pct: float = Field(default=80.0, ge=0.0, le=100.0)
    solar_peak_w: float = Field(default=400.0, ge=0.0)
    load_w: float = Field(default=60.0, ge=0.0)
    storage_start_gb: float = Field(default=500.0, ge=0.0)
    write_rate_gb_per_h: float = Field(default=2.0, ge=0.0)
    camera_setpoint_c: float = Field(default=-20.0, ge=-150.0, le=40.0)
    camera_max_delta_c: float = Field(default=40.0, ge=0.0)
    camera_tau_s: float = Field(default=300.0, gt=0.0)
    ambient_c: float = Field(default=8.0, ge=-60.0, le=60.0)
    site_longitude_deg: float = Field(default=-17.88, ge=-180.0, le=180.0)


def _default_weather() -> dict[str, QuantitySpec]:
    return {
        "cloud_cover": QuantitySpec(baseline=10.0, noise=2.0),
        "wind_speed": QuantitySpec(baseline=4.0, noise=0.8),
        "humidity": QuantitySpec(baseline=40.0, noise=2.0),
        "rain": QuantitySpec(baseline=0.0),
    }


class Scenario(_Strict):
    """A whole scenario: baselines, episodes, faults and a noise seed."""

    name: str = "unnamed"
    description: str = ""
    seed: int = 0
    weather: dict[str, QuantitySpec] = Field(default_factory=_default_weather)
    host: HostSpec = Field(default_factory=HostSpec)
    episodes: tuple[Episode, ...] = ()
    faults: tuple[FaultEpisode, ...] = ()

    def episode_value(self, quantity: str, base: float, when: datetime) -> float:
        """``base`` moved by every episode of ``quantity`` covering ``when``."""
        value = base
        for episode in self.episodes:
            if episode.quantity == quantity:
                weight = episode.weight(when)
                value = value * (1.0 - weight) + episode.value * weight
        return value

    def fault_at(self, sensor: str, when: datetime) -> FaultEpisode | None:
        """The scheduled fault of ``sensor`` at ``when``, if any."""
        for fault in self.faults:
            if fault.sensor == sensor and fault.elapsed_s(when) is not None:
                return fault
        return None


def load_scenario(source: str | Path | None = None) -> Scenario:
    """Load a scenario file (``.yaml``/``.yml``/``.json``); None or ``""`` loads the default.

    Raises:
        ValueError: the file cannot be read or does not describe a valid scenario.
    """
    try:
        if not source:
            text = resources.files(__package__).joinpath("scenarios", DEFAULT_SCENARIO).read_text()
            suffix = ".yaml"
        else:
            path = Path(source)
            text, suffix = path.read_text(encoding="utf-8"), path.suffix.lower()
        data: Any = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"scenario {source or DEFAULT_SCENARIO!s}: {exc}") from exc
    return Scenario.model_validate(data or {})
