"""A simulated night replayed in the same run dir starts on an empty store.

Observation ids hash the document and its submission instant, so the sample night replayed
into the last night's store refused its first submission ("an id is already stored").
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrotango.launcher import System

BASE = Path(__file__).resolve().parents[3] / "tango-db"
NIGHT = datetime(2026, 12, 15, 17, 30, tzinfo=UTC)


def last_night(run_dir: Path) -> None:
    (run_dir / "astrotango.db").write_text("last night")
    (run_dir / "astrotango.db-wal").write_text("wal")
    (run_dir / "report").mkdir()
    (run_dir / "report" / "night.html").write_text("<p>last night</p>")


def test_last_night_moves_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASTROTANGO_STORE_URL", raising=False)
    last_night(tmp_path)
    (tmp_path / "previous").mkdir()
    (tmp_path / "previous" / "astrotango.db").write_text("two nights ago")
    System(BASE, tmp_path, sim_start=NIGHT)._set_aside_last_night()
    assert not (tmp_path / "astrotango.db").exists() and not (tmp_path / "report").exists()
    assert (tmp_path / "previous" / "astrotango.db").read_text() == "last night"
    assert (tmp_path / "previous" / "report" / "night.html").exists()
    assert (tmp_path / "previous" / "astrotango.db-wal").exists()


def test_an_operator_store_is_never_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASTROTANGO_STORE_URL", f"sqlite:///{tmp_path / 'astrotango.db'}x")
    last_night(tmp_path)
    System(BASE, tmp_path, sim_start=NIGHT)._set_aside_last_night()
    assert (tmp_path / "astrotango.db").read_text() == "last night"
    assert not (tmp_path / "previous").exists()
