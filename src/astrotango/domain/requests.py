"""The four request types, told apart by ``type``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from astrotango.domain.base import DocumentModel, FieldValueError
from astrotango.domain.settings import (
    MAX_DURATION_S,
    AssignmentMode,
    Constraints,
    Exposure,
    FlexibleTiming,
    ImagingTiming,
    Pattern,
    SkyField,
    Timing,
)
from astrotango.domain.targets import Target, TargetPositionType

__all__ = [
    "CalibrationKind",
    "CalibrationRequest",
    "OpticalImagingRequest",
    "RadioMappingRequest",
    "RadioTrackingRequest",
    "Request",
    "RequestType",
]

#: Most telescopes one request may ask for at once.
MAX_INSTRUMENTS = 16


class RequestType(StrEnum):
    """The request (and task) types."""

    OPTICAL_IMAGING = "optical_imaging"
    RADIO_TRACKING = "radio_tracking"
    RADIO_MAPPING = "radio_mapping"
    CALIBRATION = "calibration"


class CalibrationKind(StrEnum):
    """Calibration frames and procedures."""

    BIAS = "bias"
    DARK = "dark"
    FLAT = "flat"
    SKY_FLAT = "sky_flat"
    FOCUS = "focus"
    POINTING = "pointing"
    FLUX = "flux"


#: Calibrations that point at a source and so need a target.
TARGETED_CALIBRATIONS = frozenset({CalibrationKind.POINTING, CalibrationKind.FLUX})


class _RequestBase(DocumentModel):
    iterations: int = Field(default=1, ge=1, le=1_000)
    assignment_mode: AssignmentMode = AssignmentMode.SINGLE
    instruments: int = Field(default=1, ge=1, le=MAX_INSTRUMENTS)
    constraints: Constraints = Constraints()
    acceptability_threshold: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description=(
            "Fraction of its exposure time a task cut short by the window end must have"
            " captured to count as completed (LCO's convention); below it, it is not."
        ),
    )
    check_visibility: bool = Field(
        default=True,
        description=(
            "Refuse the submission when no telescope that can take the request can observe"
            " it inside the window; false accepts it anyway."
        ),
    )

    @model_validator(mode="after")
    def _instruments_match_mode(self) -> Self:
        if self.assignment_mode is AssignmentMode.SINGLE and self.instruments != 1:
            raise FieldValueError("instruments", "single assignment uses exactly 1 instrument")
        if self.assignment_mode is not AssignmentMode.SINGLE and self.instruments < 2:
            raise FieldValueError(
                "instruments", f"{self.assignment_mode.value} assignment needs at least 2"
            )
        return self


def _require_sidereal(target: Target, what: str) -> None:
    if target.position_type is not TargetPositionType.SIDEREAL:
        raise FieldValueError(what, "needs a sidereal target (kind icrs or galactic)")


class OpticalImagingRequest(_RequestBase):
    """Images of a target; a ``field`` larger than the field of view is tiled."""

    type: Literal["optical_imaging"] = "optical_imaging"
    target: Target
    exposures: tuple[Exposure, ...] = Field(min_length=1, max_length=50)
    field: SkyField | None = None
    timing: ImagingTiming = FlexibleTiming()

    @model_validator(mode="after")
    def _field_needs_sidereal(self) -> Self:
        if self.field is not None:
            _require_sidereal(self.target, "field")
        return self


class RadioTrackingRequest(_RequestBase):
    """Track a target for ``duration_s`` at ``frequency_ghz``."""

    type: Literal["radio_tracking"] = "radio_tracking"
    target: Target
    frequency_ghz: float = Field(gt=0.0, le=1_000.0)
    duration_s: float = Field(gt=0.0, le=MAX_DURATION_S)
    timing: Timing = FlexibleTiming()


class RadioMappingRequest(_RequestBase):
    """Map around a target with a sweep ``pattern``.

    ``duration_s`` is the whole map's duration (per iteration); each sweep element gets its
    share (daisy: by its number of petals; raster: equal cells).
    """

    type: Literal["radio_mapping"] = "radio_mapping"
    target: Target
    pattern: Pattern
    frequency_ghz: float = Field(gt=0.0, le=1_000.0)
    duration_s: float = Field(gt=0.0, le=MAX_DURATION_S)
    timing: Timing = FlexibleTiming()

    @model_validator(mode="after")
    def _pattern_needs_sidereal(self) -> Self:
        _require_sidereal(self.target, "pattern")
        return self


class CalibrationRequest(_RequestBase):
    """Calibration frames (bias, dark, flats) or procedures (focus, pointing, flux)."""

    type: Literal["calibration"] = "calibration"
    kind: CalibrationKind
    filter: str | None = Field(default=None, min_length=1, max_length=32)
    exposure_s: float | None = Field(default=None, ge=0.0, le=3_600.0)
    count: int = Field(default=1, ge=1, le=1_000)
    frequency_ghz: float | None = Field(default=None, gt=0.0, le=1_000.0)
    target: Target | None = None
    timing: Timing = FlexibleTiming()

    @model_validator(mode="after")
    def _kind_rules(self) -> Self:
        if self.kind is CalibrationKind.BIAS and self.exposure_s:
            raise FieldValueError("exposure_s", "a bias frame has zero exposure")
        if self.kind is CalibrationKind.DARK and not self.exposure_s:
            raise FieldValueError("exposure_s", "a dark frame needs an exposure time > 0")
        if self.kind in TARGETED_CALIBRATIONS and self.target is None:
            raise FieldValueError("target", f"a {self.kind.value} calibration needs a target")
        return self


Request = Annotated[
    OpticalImagingRequest | RadioTrackingRequest | RadioMappingRequest | CalibrationRequest,
    Field(discriminator="type"),
]
