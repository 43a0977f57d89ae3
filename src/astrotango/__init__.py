"""astrotango: Tango Controls device servers that run a robotic observatory end to end."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
