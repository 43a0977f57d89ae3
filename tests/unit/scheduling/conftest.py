"""Shared fixtures: La Palma on the night of 2026-12-15, fixed UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import astrotango.astro  # noqa: F401
from astrotango.scheduling import Site, Telescope, TimeGrid

LA_PALMA = Site("La Palma", 28.7606, -17.8792, 2326.0)
START = datetime(2026, 12, 15, 18, tzinfo=UTC)
END = datetime(2026, 12, 16, 8, tzinfo=UTC)


@pytest.fixture
def grid() -> TimeGrid:
    return TimeGrid(START, END, 60.0)


@pytest.fixture
def telescope() -> Telescope:
    return Telescope(id="T1", site=LA_PALMA)
