"""Sample documents shipped with the package: the night ``astrotango run`` submits.

``observations/`` holds one observation document per file (every request type and assignment
mode, a mosaic, a series, synchronised and parallel observations); the repository's
``examples/observations`` is a link to it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["observations_dir"]


def observations_dir() -> Path:
    """The folder of sample observation documents, wherever the package is installed."""
    return Path(str(files(__name__) / "observations"))
