"""Sample documents shipped with the package: the night ``astrotango run`` submits.

``observations/`` holds one observation document per file (every request type and assignment
mode, a mosaic, a series, synchronised and parallel observations, a target of opportunity);
the repository's ``examples/observations`` is a link to it. ``night.json`` is the sample night
as a timeline (:mod:`astrotango.client.scenario`): which document is submitted when.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["night_scenario", "observations_dir"]


def observations_dir() -> Path:
    """The folder of sample observation documents, wherever the package is installed."""
    return Path(str(files(__name__) / "observations"))


def night_scenario() -> Path:
    """The sample night's timeline (``astrotango-scenario/1``)."""
    return Path(str(files(__name__) / "night.json"))
