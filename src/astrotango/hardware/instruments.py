"""What a telescope's instruments are: the ``Instruments`` device property, as models.

The property is a JSON list; each entry is a camera or a receiver, told apart by ``kind``::

    [{"kind": "optical_camera", "name": "cam", "fov_deg": 0.5, "filters": ["g", "r", "i"]},
     {"kind": "radio_receiver", "name": "rx", "beam_deg": 0.6, "band_ghz": [1.0, 2.0]}]
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

__all__ = ["CameraInfo", "InstrumentInfo", "ReceiverInfo", "parse_instruments"]


class _Info(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")


class CameraInfo(_Info):
    """An optical camera: square field of view, filters, detector size."""

    kind: Literal["optical_camera"] = "optical_camera"
    fov_deg: float = Field(gt=0.0, le=20.0, description="Side of the square field, degrees.")
    filters: tuple[str, ...] = Field(default=("clear",), min_length=1)
    pixels: int = Field(default=4096, ge=16, le=65_536, description="Pixels per side.")


class ReceiverInfo(_Info):
    """A radio receiver: its beam and the band it can be tuned in."""

    kind: Literal["radio_receiver"] = "radio_receiver"
    beam_deg: float = Field(gt=0.0, le=30.0, description="Half-power beam width, degrees.")
    band_ghz: tuple[float, float] = Field(description="Lowest and highest frequency, GHz.")
    channels: int = Field(default=1024, ge=1, le=1_048_576)
    bandwidth_mhz: float = Field(default=10.0, gt=0.0, le=10_000.0)

    @model_validator(mode="after")
    def _ordered_band(self) -> Self:
        low, high = self.band_ghz
        if not 0 < low < high:
            raise ValueError("band_ghz: must be [low, high] with 0 < low < high")
        return self


InstrumentInfo = Annotated[CameraInfo | ReceiverInfo, Field(discriminator="kind")]

_LIST = TypeAdapter(tuple[InstrumentInfo, ...])


def parse_instruments(text: str) -> tuple[CameraInfo | ReceiverInfo, ...]:
    """Parse the ``Instruments`` JSON list.

    Raises:
        ValueError: malformed JSON, an unknown kind, a bad field, no instrument, or two
            instruments with the same name (pydantic's ``ValidationError`` is a ValueError).
    """
    instruments = _LIST.validate_json(text)
    if not instruments:
        raise ValueError("instruments: at least one instrument is needed")
    names = [i.name for i in instruments]
    if len(set(names)) != len(names):
        raise ValueError(f"instruments: names must be unique, got {names}")
    return instruments
