"""The ObservationController's logic: submission now; dispatch and monitors to come."""

from __future__ import annotations

from astrotango.control.observation.intake import ObservationIntake
from astrotango.control.observation.records import observation_record, task_record, task_spec

__all__ = ["ObservationIntake", "observation_record", "task_record", "task_spec"]
