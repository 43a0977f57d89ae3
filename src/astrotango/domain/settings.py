"""The parts of a request: exposures, constraints, field, sweep patterns, timing, assignment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from astrotango.domain.base import DocumentModel, FieldValueError, UtcDatetime

__all__ = [
    "AssignmentMode",
    "Constraints",
    "DaisyPattern",
    "Exposure",
    "FixedTimeTiming",
    "FlexibleTiming",
    "ImagingTiming",
    "Pattern",
    "RasterPattern",
    "SkyField",
    "TimeBasedTiming",
    "Timing",
    "TimingMode",
    "Twilight",
]

#: The longest single duration any request may ask for (one day), seconds.
MAX_DURATION_S = 86_400.0


class AssignmentMode(StrEnum):
    """How many telescopes a request runs on, and whether they start together."""

    SINGLE = "single"
    PARALLEL = "parallel"
    PARALLEL_SYNCHRONIZED = "parallel_synchronized"


class Twilight(StrEnum):
    """How dark the sky must be: the sun below -6, -12 or -18 degrees."""

    CIVIL = "civil"
    NAUTICAL = "nautical"
    ASTRONOMICAL = "astronomical"


class TimingMode(StrEnum):
    """When a request may run (mission/001)."""

    FLEXIBLE = "flexible"
    FIXED_TIME = "fixed_time"
    TIME_BASED = "time_based"


class Exposure(DocumentModel):
    """``count`` exposures of ``exposure_s`` seconds each through ``filter``."""

    filter: str | None = Field(default=None, min_length=1, max_length=32)
    exposure_s: float = Field(gt=0.0, le=3_600.0, description="One exposure, seconds.")
    count: int = Field(default=1, ge=1, le=10_000)
    binning: int = Field(default=1, ge=1, le=8)


class Constraints(DocumentModel):
    """The astronomical gates the scheduler applies to one request; ``None`` means no gate."""

    max_airmass: float | None = Field(default=None, ge=1.0, le=10.0)
    min_moon_separation_deg: float | None = Field(default=None, ge=0.0, le=180.0)
    max_moon_illumination: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Illuminated fraction of the moon, 0..1."
    )
    min_altitude_deg: float | None = Field(default=None, ge=0.0, le=90.0)
    twilight: Twilight | None = None


class SkyField(DocumentModel):
    """A rectangle on the sky centred on the target, tiled when larger than the field of view.

    ``width_deg`` is the east-west angular width at every declination, ``height_deg`` the
    north-south extent; ``overlap`` is the fraction of the field of view adjacent tiles share.
    """

    width_deg: float = Field(gt=0.0, le=20.0)
    height_deg: float = Field(gt=0.0, le=20.0)
    overlap: float = Field(default=0.1, ge=0.0, lt=1.0)


class DaisyPattern(DocumentModel):
    """A daisy (rosette) scan: ``petals`` petals of ``radius_deg`` around the target.

    The petals are split into ``elements`` sweep elements of consecutive petals (one task
    each); an element's task is centred on the mean of its petals' midpoints.
    """

    kind: Literal["daisy"] = "daisy"
    radius_deg: float = Field(gt=0.0, le=10.0)
    petals: int = Field(ge=1, le=64)
    elements: int = Field(default=1, ge=1, le=64)

    @model_validator(mode="after")
    def _elements_fit(self) -> Self:
        if self.elements > self.petals:
            raise FieldValueError("elements", f"must not exceed petals ({self.petals})")
        return self


class RasterPattern(DocumentModel):
    """A raster map of ``rows`` x ``columns`` cells covering ``width_deg`` x ``height_deg``.

    Each cell is one sweep element (one task), numbered row by row from the south-west
    corner, serpentine (odd rows run back), so consecutive elements are neighbours.
    """

    kind: Literal["raster"] = "raster"
    width_deg: float = Field(gt=0.0, le=20.0)
    height_deg: float = Field(gt=0.0, le=20.0)
    rows: int = Field(ge=1, le=100)
    columns: int = Field(ge=1, le=100)


Pattern = Annotated[DaisyPattern | RasterPattern, Field(discriminator="kind")]


class FlexibleTiming(DocumentModel):
    """Run anywhere inside the observation window (the default)."""

    mode: Literal["flexible"] = "flexible"


class FixedTimeTiming(DocumentModel):
    """Start at ``start_at``, no more than ``tolerance_s`` late (or early)."""

    mode: Literal["fixed_time"] = "fixed_time"
    start_at: UtcDatetime
    tolerance_s: float = Field(default=300.0, ge=0.0, le=MAX_DURATION_S)


class TimeBasedTiming(DocumentModel):
    """Repeat the exposure sequence until ``duration_s`` of observing is reached."""

    mode: Literal["time_based"] = "time_based"
    duration_s: float = Field(gt=0.0, le=MAX_DURATION_S)


#: Timing any request may use.
Timing = Annotated[FlexibleTiming | FixedTimeTiming, Field(discriminator="mode")]
#: Timing of optical imaging, which alone may be time based.
ImagingTiming = Annotated[
    FlexibleTiming | FixedTimeTiming | TimeBasedTiming, Field(discriminator="mode")
]
