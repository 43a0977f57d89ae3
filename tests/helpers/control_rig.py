"""The observation controller's parts on a real store, with telescopes the test drives by hand.

:class:`ControlRig` is the common ground of the control tests: a store, a manual clock at the
test night, the one writer (its announcements kept), the telescope links a test chose, and a
dispatcher over them. Each test file subclasses it for what it drives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sched_rig import NIGHT

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake, ObservationLedger
from astrotango.control.observation.dispatch import Dispatcher
from astrotango.control.observation.fleet import Fleet
from astrotango.control.observation.links import TelescopeLink
from astrotango.control.observation.outcomes import OutcomeHandler
from astrotango.store import Store, TaskRecord, TransitionRecord

T1, T2 = "astro/telescope/t1", "astro/telescope/t2"

__all__ = ["T1", "T2", "ControlRig"]


class ControlRig:
    """A store, a clock, the ledger and telescope links; dispatchers made over them."""

    def __init__(self, store: Store, links: Mapping[str, TelescopeLink]) -> None:
        self.store = store
        self.clock = ManualClock(NIGHT)
        self.announced: list[TransitionRecord] = []
        self.ledger = ObservationLedger(store, self.clock, self.announced.append)
        self.links = dict(links)

    def new_dispatcher(self, **kwargs: Any) -> Dispatcher:
        """A dispatcher over the rig's store and telescopes (a fresh one: a restart)."""
        return Dispatcher(self.ledger, Fleet(self.links), OutcomeHandler(self.ledger), **kwargs)

    def submit(self, document: dict[str, Any]) -> str:
        """Submit through the real intake at the rig's time; the new observation's id."""
        return ObservationIntake(self.store, clock=self.clock).submit(json.dumps(document))

    def status(self, observation_id: str) -> str:
        return self.store.get_observation(observation_id).status

    def task(self, task_id: str) -> TaskRecord:
        return self.store.get_task(task_id)

    def tasks(self, observation_id: str) -> list[TaskRecord]:
        return self.store.tasks_of_observation(observation_id)
