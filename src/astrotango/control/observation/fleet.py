"""The telescopes as the controller knows them, shared by dispatch, monitors, reconciliation.

One object, passed in, never rebuilt by each. It holds each telescope's link, which
telescopes are offline, and every run held: the runs the dispatcher started and follows
(``running``) and the running tasks the reconciler adopted after a restart (``adopted``). A
run has one owner until it is settled; the lock is held by whoever reads and changes these
together.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from astrotango.control.observation.links import TelescopeLink

__all__ = ["Fleet", "Running"]


@dataclass
class Running:
    """A task executing on a telescope, held under the fencing token of its claim.

    ``interrupted``: why the controller stopped it (its end re-queues it); ``ended``: the
    controller (or another writer) ended the task itself, so its end only records assets.
    """

    task_id: str
    observation_id: str
    telescope: str
    token: int
    command_id: str = ""
    interrupted: str = ""
    ended: bool = False
    sync_group: str | None = None


class Fleet:
    """Links, offline telescopes and held runs of one controller.

    Args:
        links: Telescope device name -> its link.
    """

    def __init__(self, links: Mapping[str, TelescopeLink]) -> None:
        self.links = dict(links)
        self.offline: set[str] = set()
        self.lock = threading.RLock()
        #: Runs the dispatcher started and follows, by task id.
        self.running: dict[str, Running] = {}
        #: Running tasks nobody followed, adopted by the reconciler until it settles them.
        self.adopted: dict[str, Running] = {}

    def online(self) -> list[str]:
        """Telescopes not marked offline, by name."""
        return sorted(set(self.links) - self.offline)

    def held(self) -> list[Running]:
        """Every run held: followed, or adopted by the reconciler."""
        return [*self.running.values(), *self.adopted.values()]

    def follows(self, task_id: str) -> bool:
        """Whether a run of the task is held (followed, or adopted)."""
        return task_id in self.running or task_id in self.adopted

    def release(self, run: Running) -> bool:
        """Take ``run`` from its owner; False if no one holds it (any more)."""
        for owner in (self.running, self.adopted):
            if owner.get(run.task_id) is run:
                del owner[run.task_id]
                return True
        return False
