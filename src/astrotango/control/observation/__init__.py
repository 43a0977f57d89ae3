"""The ObservationController's logic: submission, lifecycle, reads; dispatch and monitors."""

from __future__ import annotations

from astrotango.control.observation.component_manager import (
    ObservationControllerComponentManager,
)
from astrotango.control.observation.intake import ObservationIntake
from astrotango.control.observation.ledger import Announce, ObservationLedger
from astrotango.control.observation.records import observation_record, task_record, task_spec

__all__ = [
    "Announce",
    "ObservationControllerComponentManager",
    "ObservationIntake",
    "ObservationLedger",
    "observation_record",
    "task_record",
    "task_spec",
]
