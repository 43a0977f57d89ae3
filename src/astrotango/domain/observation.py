"""The observation document (observation-format.md) and its parser."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

import pydantic
from pydantic import Field, model_validator

from astrotango.domain.base import (
    DocumentModel,
    FieldValueError,
    UtcDatetime,
    field_errors_from_pydantic,
)
from astrotango.domain.errors import ValidationError
from astrotango.domain.requests import Request
from astrotango.domain.settings import FixedTimeTiming

__all__ = [
    "DataPolicy",
    "Monitoring",
    "Observation",
    "Window",
    "canonical_json",
    "make_observation_id",
    "parse_observation",
]

#: Readable ids: letters, digits, ``_ . -``; they prefix every task id.
OBSERVATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class DataPolicy(StrEnum):
    """Who may see the data an observation produces."""

    PUBLIC = "public"
    PROPRIETARY = "proprietary"
    PRIVATE = "private"


class Window(DocumentModel):
    """The UTC interval in which the observation may run; ``end`` after ``start``."""

    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise FieldValueError("end", "must be after window.start")
        return self

    @property
    def duration_s(self) -> float:
        """Length of the window, seconds."""
        return (self.end - self.start).total_seconds()


class Monitoring(DocumentModel):
    """A cadence series: after each run, again ``cadence_s`` later, until a limit is reached."""

    cadence_s: float = Field(ge=60.0, le=366 * 86_400.0)
    max_observations: int | None = Field(default=None, ge=1, le=100_000)
    end: UtcDatetime | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.max_observations is None and self.end is None:
            raise FieldValueError("max_observations", "give max_observations or end (or both)")
        return self


class Observation(DocumentModel):
    """One submission: settings shared by its requests, and the requests themselves."""

    name: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=100)
    queue: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    priority: int = Field(default=5, ge=1, le=10, description="1 lowest .. 10 highest.")
    iterations: int = Field(default=1, ge=1, le=1_000)
    window: Window
    cancel_on: UtcDatetime | None = None
    allow_reassignment: bool = True
    monitoring: Monitoring | None = None
    data_policy: DataPolicy = DataPolicy.PROPRIETARY
    hidden: bool = Field(default=False, description="Hide the observation from other users.")
    hidden_telemetry: bool = Field(default=False, description="Hide telemetry taken during it.")
    requests: tuple[Request, ...] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _instants_consistent(self) -> Self:
        start = self.window.start
        if self.cancel_on is not None and self.cancel_on < start:
            raise FieldValueError("cancel_on", "must not be before window.start")
        if self.monitoring and self.monitoring.end and self.monitoring.end <= start:
            raise FieldValueError("monitoring.end", "must be after window.start")
        for index, request in enumerate(self.requests):
            timing = request.timing
            if isinstance(timing, FixedTimeTiming) and not (
                start <= timing.start_at <= self.window.end
            ):
                raise FieldValueError(
                    f"requests.{index}.timing.start_at", "must lie inside the window"
                )
        return self

    @property
    def is_monitoring(self) -> bool:
        """Whether this is a cadence (monitoring) observation."""
        return self.monitoring is not None

    def to_document(self) -> dict[str, Any]:
        """The document as JSON-ready data, defaults included."""
        return self.model_dump(mode="json")


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def parse_observation(document: str | bytes | Mapping[str, Any]) -> Observation:
    """Validate an observation document.

    Args:
        document: JSON text, or the already decoded mapping (datetimes may be objects).

    Returns:
        The validated, immutable observation (instants in UTC).

    Raises:
        ValidationError: naming every failing field path and why; nothing is partially kept.
    """
    if isinstance(document, Mapping):
        try:
            document = json.dumps(document, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise ValidationError([("document", f"not JSON data: {exc}")]) from None
    try:
        return Observation.model_validate_json(document)
    except pydantic.ValidationError as exc:
        raise ValidationError(field_errors_from_pydantic(exc)) from None


def canonical_json(observation: Observation) -> str:
    """The document in one canonical JSON form (sorted keys, no spaces, defaults filled)."""
    return json.dumps(observation.to_document(), sort_keys=True, separators=(",", ":"))


def make_observation_id(observation: Observation, submitted_at: datetime) -> str:
    """A stable id: ``obs-`` + 12 hex digits of the hash of the document and submission time.

    Args:
        observation: the validated document.
        submitted_at: when it was accepted (timezone aware); two identical documents submitted
            at different instants get different ids, a replay of one submission the same id.

    Returns:
        The id, e.g. ``obs-3f9a1c0b2d4e``.

    Raises:
        ValueError: ``submitted_at`` is naive.
    """
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone aware")
    payload = canonical_json(observation) + "|" + submitted_at.astimezone(UTC).isoformat()
    return "obs-" + hashlib.sha256(payload.encode()).hexdigest()[:12]
