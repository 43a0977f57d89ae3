"""Writing data products to disk: one FITS file per exposure, with standard headers.

Every camera driver (the simulator, INDI, Alpaca) hands its pixels and header to
:func:`write_fits`; the asset then carries the file's path, size and checksum. A full disk or an
unwritable directory is an :class:`~astrotango.hardware.errors.HardwareError` (an upload error:
mission/001's ``acquisition_complete → failed``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import itertools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits

from astrotango.hardware.errors import HardwareError
from astrotango.hardware.types import (
    Asset,
    ExposureRequest,
    FocuserStatus,
    HeaderValue,
    MountStatus,
    Site,
    TaskInfo,
)

__all__ = [
    "DATA_DIR_ENV",
    "FitsFile",
    "data_directory",
    "exposure_header",
    "fits_bytes",
    "focus_header",
    "frame_asset",
    "new_asset_id",
    "pointing_header",
    "task_header",
    "telescope_header",
    "write_asset",
    "write_fits",
]

#: Where data products go when the device does not say (the launcher sets it per run).
DATA_DIR_ENV = "ASTROTANGO_DATA_DIR"

#: FITS keywords are at most 8 characters; longer names go in as HIERARCH cards.
_KEYWORD = 8
#: A card is 80 characters: a string value gets what its keyword, "= " or " = ", and its
#: quotes leave.
_CARD = 80
#: Numbers the data products of this process (asset ids are unique within a run).
_COUNTER = itertools.count(1)


@dataclass(frozen=True)
class FitsFile:
    """A written data product: where it is, how big, and its SHA-256."""

    path: str
    size_bytes: int
    sha256: str


def data_directory(configured: str = "") -> Path | None:
    """Where data products go: ``configured``, else ``$ASTROTANGO_DATA_DIR``, else None."""
    chosen = configured or os.environ.get(DATA_DIR_ENV, "")
    return Path(chosen) if chosen else None


def fits_bytes(data: np.ndarray | bytes | None, header: Mapping[str, HeaderValue]) -> bytes:
    """A FITS file in memory: ``data`` (an array, a FITS file's bytes, or None) with ``header``.

    When ``data`` is a whole FITS file (an INDI BLOB), its primary header keeps what the camera
    wrote and gains ``header``'s keywords.
    """
    if isinstance(data, bytes | bytearray):
        with fits.open(io.BytesIO(data)) as received:
            hdu = fits.PrimaryHDU(received[0].data, received[0].header)
    else:
        hdu = fits.PrimaryHDU(None if data is None else np.asarray(data))
    structural = {"SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "EXTEND", "BZERO", "BSCALE"}
    for key, value in header.items():
        if key.upper() in structural:
            continue
        card = key if len(key) <= _KEYWORD and key.isupper() else f"HIERARCH {key}"
        room = _CARD - len(card) - 5 if card.startswith("HIERARCH") else _CARD - _KEYWORD - 4
        hdu.header[card] = _card_value(value, room)
    out = io.BytesIO()
    hdu.writeto(out)
    return out.getvalue()


def write_fits(
    directory: Path, name: str, data: np.ndarray | bytes | None, header: Mapping[str, HeaderValue]
) -> FitsFile:
    """Write ``<directory>/<name>.fits`` atomically (a temporary file, then a rename).

    Raises:
        HardwareError: the directory cannot be made or the file cannot be written (disk full,
            permissions); nothing is left half-written under the final name.
    """
    content = fits_bytes(data, header)
    path = directory / f"{name}.fits"
    partial = path.with_suffix(".fits.part")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the directory itself may be what failed
            partial.unlink(missing_ok=True)
        raise HardwareError(f"writing {path} failed: {exc.strerror or exc}") from exc
    return FitsFile(str(path), len(content), hashlib.sha256(content).hexdigest())


def _card_value(value: HeaderValue, room: int) -> HeaderValue:
    """A string cut to the ``room`` its card leaves, in printable ASCII (what FITS holds)."""
    if isinstance(value, str):
        printable = "".join(c if " " <= c <= "~" else "?" for c in value)
        return printable.replace("'", "")[:room]
    return value


def new_asset_id(telescope: str, instrument: str, start: datetime) -> str:
    """A unique data product id: telescope, instrument, start (to the second), sequence."""
    return f"{telescope}-{instrument}-{start.strftime('%Y%m%dT%H%M%S')}-{next(_COUNTER):05d}"


def exposure_header(
    request: ExposureRequest,
    start: datetime,
    instrument: str,
    filter_name: str,
    mount: MountStatus | None,
    focuser: FocuserStatus | None = None,
) -> dict[str, HeaderValue]:
    """The standard keywords known when the shutter opens: time, target, filter, pointing, task.

    ``mount`` is where the mount pointed then (None or in fault: no pointing keywords, else
    :func:`pointing_header`); ``focuser`` where the focuser stood (None: no focuser, no
    focus keywords, else :func:`focus_header`).
    """
    task = request.task
    header: dict[str, HeaderValue] = {
        "DATE-OBS": start.isoformat(timespec="milliseconds").replace("+00:00", ""),
        "OBJECT": task.target or "none",
        "IMAGETYP": request.image_type,
        "FILTER": filter_name,
        "INSTRUME": instrument,
        "XBINNING": request.binning,
        "YBINNING": request.binning,
        **task_header(task),
    }
    if mount is not None and not mount.fault:
        header.update(pointing_header(mount))
    if focuser is not None:
        header.update(focus_header(focuser))
    return header


def focus_header(
    focuser: FocuserStatus, fwhm_arcsec: float | None = None
) -> dict[str, HeaderValue]:
    """Where the focuser stood: ``FOCUSPOS`` (steps), ``FOCTEMP`` (deg C) when it has a sensor.

    ``fwhm_arcsec``, the stars' full width at half maximum (arcseconds) when the driver
    knows it (the simulator models it), goes in as ``FWHM``.
    """
    header: dict[str, HeaderValue] = {"FOCUSPOS": int(focuser.position_steps)}
    if focuser.temperature_c is not None:
        header["FOCTEMP"] = round(focuser.temperature_c, 2)
    if fwhm_arcsec is not None:
        header["FWHM"] = round(fwhm_arcsec, 3)
    return header


def pointing_header(mount: MountStatus) -> dict[str, HeaderValue]:
    """Where the mount points (ICRS RA/DEC, ALT/AZ, tracking) and, above 1 degree, AIRMASS.

    ``AIRMASS`` is the plane-parallel ``sec z``.
    """
    header: dict[str, HeaderValue] = {
        "RA": round(mount.ra_deg, 5),
        "DEC": round(mount.dec_deg, 5),
        "ALT": round(mount.alt_deg, 3),
        "AZ": round(mount.az_deg, 3),
        "TRACKING": mount.tracking,
    }
    if mount.alt_deg > 1.0:
        header["AIRMASS"] = round(1.0 / math.sin(math.radians(mount.alt_deg)), 4)
    return header


def telescope_header(telescope_id: str, site: Site) -> dict[str, HeaderValue]:
    """The keywords every data product of a telescope carries: which telescope, where."""
    return {
        "TELESCOP": telescope_id,
        "OBSERVAT": site.name,
        "SITELAT": site.latitude_deg,
        "SITELONG": site.longitude_deg,
        "SITEELEV": site.elevation_m,
    }


def task_header(task: TaskInfo) -> dict[str, HeaderValue]:
    """The task a data product belongs to, as FITS keywords."""
    return {"ATTASKID": task.task_id, "ATOBSID": task.observation_id, "ATSUBTSK": task.subtask}


def frame_asset(
    directory: Path | None,
    *,
    kind: str,
    instrument: str,
    start: datetime,
    duration_s: float,
    partial: bool,
    header: Mapping[str, HeaderValue],
    task: TaskInfo,
    data: np.ndarray | bytes | None,
) -> Asset:
    """One frame's asset, written (:func:`write_asset`): what every camera and receiver reads out.

    Its id comes from ``header``'s TELESCOP, the instrument and the start.

    Raises:
        HardwareError: the file cannot be written.
    """
    asset = Asset(
        asset_id=new_asset_id(str(header["TELESCOP"]), instrument, start),
        kind=kind,
        instrument=instrument,
        start_time=start,
        duration_s=duration_s,
        partial=partial,
        header=header,
        task_info=task.as_dict(),
    )
    return write_asset(directory, asset, data)


def write_asset(
    directory: Path | None,
    asset: Asset,
    data: np.ndarray | bytes | None,
) -> Asset:
    """Write ``asset``'s file as ``<directory>/<asset id>.fits``; the asset with its file.

    ``directory`` None writes nothing (a simulator run without a data directory).

    Raises:
        HardwareError: the file cannot be written.
    """
    if directory is None:
        return asset
    written = write_fits(directory, asset.asset_id, data, asset.header)
    return dataclasses.replace(
        asset, path=written.path, size_bytes=written.size_bytes, sha256=written.sha256
    )
