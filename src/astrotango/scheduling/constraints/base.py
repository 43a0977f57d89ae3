"""The one signature every hard constraint has."""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.task import SchedulableTask

__all__ = ["BoolArray", "Constraint", "Scope"]

BoolArray = NDArray[np.bool_]
Scope = Literal["site", "telescope"]


class Constraint(Protocol):
    """A hard gate, vectorised over (tasks x times).

    ``scope`` says whether it depends only on a site's sky (evaluated once per site) or on
    a telescope (``ctx.telescope`` is then set). ``mask`` returns True where allowed, an
    array broadcastable to (n_tasks, n_times). ``describe`` names, for one task, the
    condition that holds where the mask is False (used by explanations).
    """

    @property
    def name(self) -> str:
        """Gate name, e.g. ``"airmass"``."""
        ...

    @property
    def scope(self) -> Scope:
        """``"site"`` or ``"telescope"``."""
        ...

    def mask(self, ctx: EvalContext) -> BoolArray:
        """True where the constraint allows the task at the sample."""
        ...

    def describe(self, task: SchedulableTask) -> str:
        """The blocking condition in words, e.g. ``"airmass above 2.0"``."""
        ...
