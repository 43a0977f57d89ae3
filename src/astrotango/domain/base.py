"""The base of every submission model, and the bridge from pydantic errors to domain errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from astrotango.domain.errors import FieldError

__all__ = ["DocumentModel", "FieldValueError", "UtcDatetime", "field_errors_from_pydantic"]


class DocumentModel(BaseModel):
    """Immutable, strict, closed: unknown fields and coerced types (``"5"`` for 5) are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FieldValueError(ValueError):
    """Raised by model validators to blame one field, by a path relative to the model."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


#: A timezone-aware instant, normalised to UTC (naive datetimes are refused).
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]

#: Union tags that pydantic inserts into error locations; they are not document fields.
_UNION_TAGS = frozenset(
    {
        "optical_imaging",
        "radio_tracking",
        "radio_mapping",
        "calibration",
        "icrs",
        "galactic",
        "solar_system",
        "altaz",
        "flexible",
        "fixed_time",
        "time_based",
        "daisy",
        "raster",
    }
)
_UNION_FIELDS = frozenset({"target", "timing", "pattern"})


def _clean_loc(loc: tuple[int | str, ...]) -> list[str]:
    parts: list[str] = []
    for i, item in enumerate(loc):
        previous = loc[i - 1] if i else None
        if (
            isinstance(item, str)
            and item in _UNION_TAGS
            and (isinstance(previous, int) or previous in _UNION_FIELDS)
        ):
            continue
        parts.append(str(item))
    return parts


def _reason_and_path(error: Any) -> tuple[list[str], str]:
    path = _clean_loc(tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, FieldValueError):
        return path + [p for p in cause.field.split(".") if p], cause.reason
    if kind == "value_error" and cause is not None:
        return path, str(cause)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = ctx.get("expected_tags", "")
        key = str(ctx.get("discriminator", "type")).strip("'\"")
        if kind == "union_tag_not_found":
            return [*path, key], f"Field required; expected one of {tags}"
        return [*path, key], f"unknown {key} {ctx.get('tag')!r}; expected one of {tags}"
    if kind == "target_kind":
        given = error.get("input")
        if isinstance(given, dict) and "kind" in given:
            return [*path, "kind"], str(error["msg"])
    return path, str(error["msg"])


def field_errors_from_pydantic(exc: pydantic.ValidationError) -> list[FieldError]:
    """Translate a pydantic error into field-named domain errors.

    Args:
        exc: the pydantic error.

    Returns:
        One ``FieldError`` per failure, the path dotted (``requests.0.target.dec_deg``) and
        stripped of pydantic's union tags; a failure of the whole document is named ``document``.
    """
    errors = exc.errors()
    failed_locs = [tuple(e["loc"]) for e in errors]
    out: list[FieldError] = []
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in failed_locs
        ):
            continue  # the items failed; "too short" only echoes that
        path, reason = _reason_and_path(error)
        out.append(FieldError(".".join(path) or "document", reason))
    return out
