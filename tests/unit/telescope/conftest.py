"""Fixtures: component managers over the simulator, closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tel_rig import Rig


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig().start()
    yield made
    made.cm.close()


@pytest.fixture
def make_rig() -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []

    def build(**kwargs: Any) -> Rig:
        made.append(Rig(**kwargs).start())
        return made[-1]

    yield build
    for item in made:
        item.cm.close()
