"""Component managers: the logic behind each device, with injected collaborators."""

from __future__ import annotations

from astrotango.control.component_manager import BaseComponentManager

__all__ = ["BaseComponentManager"]
