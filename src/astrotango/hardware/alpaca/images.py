"""An exposure's bookkeeping, its FITS header, and the pixels alpyca downloads, as numpy."""

from __future__ import annotations

import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from alpaca import exceptions as ascom

from astrotango.hardware import fits
from astrotango.hardware.types import ExposureRequest, FocuserStatus, HeaderValue, MountStatus

__all__ = ["Exposure", "download", "exposure_header", "to_numpy"]

#: Image types taken with the shutter closed (StartExposure Light=False).
DARK_TYPES = frozenset({"dark", "bias", "zero"})


@dataclass
class Exposure:
    """One exposure from ``expose`` to ``readout``; ``start`` is None while the wheel moves."""

    request: ExposureRequest
    filter: str
    slot: int | None
    start: datetime | None = None
    end: datetime | None = None
    partial: bool = False
    header: dict[str, HeaderValue] = field(default_factory=dict)

    @property
    def light(self) -> bool:
        """Whether the shutter opens (not a dark or bias frame)."""
        return self.request.image_type.lower() not in DARK_TYPES

    def actual_s(self, now: datetime) -> float:
        """Seconds exposed by ``now`` (the end, when cut short), at most the requested time."""
        if self.start is None:
            return 0.0
        elapsed = ((self.end or now) - self.start).total_seconds()
        return min(self.request.exposure_s, max(0.0, elapsed))


def exposure_header(
    exposure: Exposure,
    start: datetime,
    instrument: str,
    mount: MountStatus | None,
    focuser: FocuserStatus | None = None,
) -> dict[str, HeaderValue]:
    """The header keywords known when the shutter opens (pointing, focus, task, filter, slot)."""
    header = fits.exposure_header(
        exposure.request, start, instrument, exposure.filter, mount, focuser
    )
    if exposure.slot is not None:
        header["FILTSLOT"] = exposure.slot
    return header


def to_numpy(raw: array.array[Any], dimensions: tuple[int, int, int], rank: int) -> np.ndarray:
    """Turn alpyca's flat ImageBytes pixels ([x][y] order) as a numpy image indexed [y, x].

    Args:
        raw: The flat pixels, in the wire's element type (uint16 from most cameras).
        dimensions: ImageArrayInfo Dimension1 (x), Dimension2 (y), Dimension3 (colour planes).
        rank: 2 for a monochrome image, 3 for colour (returned as [plane, y, x]).
    """
    flat = np.frombuffer(raw, dtype=np.dtype(raw.typecode))
    x, y, planes = dimensions
    if rank == 3:
        return flat.reshape(x, y, planes).transpose(2, 1, 0).copy()
    return flat.reshape(x, y).T.copy()


def download(camera: Any) -> np.ndarray:
    """Download the ready image of an alpyca camera (ImageBytes, else JSON) as numpy [y, x].

    Raises:
        alpyca and requests exceptions: translate them with ``transport.call``.
    """
    try:
        raw = camera.ImageArrayRaw
    except ascom.InvalidValueException:  # the server sent JSON, not ImageBytes
        return np.asarray(camera.ImageArray, dtype=np.int32).T.copy()
    info = camera.ImageArrayInfo
    dims = (int(info.Dimension1), int(info.Dimension2), int(info.Dimension3))
    return to_numpy(raw, dims, int(info.Rank))
