"""The reference component: a self-test that exercises the long-running-command machinery."""

from __future__ import annotations

from astrotango.control.reference.component_manager import ExerciseSpec, ReferenceComponentManager

__all__ = ["ExerciseSpec", "ReferenceComponentManager"]
