"""Data products on disk: one FITS file per exposure, headers merged, write errors named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from astrotango.hardware import HardwareError
from astrotango.hardware.fits import data_directory, fits_bytes, write_fits

HEADER = {
    "DATE-OBS": "2026-12-07T21:00:00.000",
    "EXPTIME": 1.0,
    "FILTER": "r",
    "OBJECT": "M31",
    "ATTASKID": "task-7",
    "observation_id": "obs-1",
}


def test_an_array_is_written_with_its_header_size_and_checksum(tmp_path: Path) -> None:
    pixels = np.arange(16, dtype=np.uint16).reshape(4, 4)
    written = write_fits(tmp_path / "night", "t1-cam-1", pixels, HEADER)
    content = Path(written.path).read_bytes()
    assert written.path == str(tmp_path / "night" / "t1-cam-1.fits")
    assert written.size_bytes == len(content)
    assert written.sha256 == hashlib.sha256(content).hexdigest()
    with fits.open(written.path) as hdus:
        assert hdus[0].header["ATTASKID"] == "task-7"
        assert hdus[0].header["FILTER"] == "r"
        assert hdus[0].header["observation_id"] == "obs-1"  # a long name: a HIERARCH card
        assert np.array_equal(hdus[0].data, pixels)
    assert not list((tmp_path / "night").glob("*.part"))


def test_a_received_fits_file_keeps_its_own_cards_and_gains_ours() -> None:
    camera = fits.PrimaryHDU(np.zeros((2, 3), dtype=np.int16))
    camera.header["INSTRUME"] = "CCD Simulator"
    buffer = fits_bytes(camera.data, {"INSTRUME": "CCD Simulator"})
    merged = fits_bytes(buffer, {"ATTASKID": "task-8", "NAXIS1": 999})
    header = fits.Header.fromstring(merged[:2880].decode("ascii"))
    assert header["INSTRUME"] == "CCD Simulator"
    assert header["ATTASKID"] == "task-8"
    assert header["NAXIS1"] == 3  # structural cards follow the data, never the caller


def test_long_and_foreign_text_is_cut_to_fit_its_card() -> None:
    long = "Ω Centauri \x1b[31m" + "x" * 200
    header = fits.Header.fromstring(
        fits_bytes(None, {"OBJECT": long, "observation_identifier": long})[:5760].decode("ascii")
    )
    assert header["OBJECT"].startswith("? Centauri ?[31mxxx")
    assert len(header["OBJECT"]) == 68
    assert header["observation_identifier"].startswith("? Centauri")


def test_a_write_error_is_a_hardware_error_and_leaves_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    with pytest.raises(HardwareError, match="file-not-dir"):
        write_fits(blocked, "t1-cam-2", None, HEADER)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file-not-dir"]


def test_the_data_directory_comes_from_the_property_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ASTROTANGO_DATA_DIR", raising=False)
    assert data_directory() is None
    monkeypatch.setenv("ASTROTANGO_DATA_DIR", "/srv/data")
    assert data_directory() == Path("/srv/data")
    assert data_directory("/mnt/night") == Path("/mnt/night")
