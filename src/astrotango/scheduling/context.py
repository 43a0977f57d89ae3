"""What a constraint sees: one site's sky, a table of tasks and (optionally) one telescope."""

from __future__ import annotations

from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.grid import TimeGrid
from astrotango.scheduling.sky import SiteSky, sin_altitude
from astrotango.scheduling.task_arrays import TaskArrays
from astrotango.scheduling.telescope import Telescope

__all__ = ["EvalContext"]


class EvalContext:
    """Inputs of every constraint, with the (targets x times) geometry computed lazily.

    Attributes:
        grid: The time grid.
        sky: Sky of the site being evaluated.
        tasks: The task rows being evaluated.
        telescope: The telescope, for telescope-scoped constraints (``None`` for sky ones).
        margin_deg: Safety margin added to every angular limit, degrees, so that blocks
            stay feasible for an independent astropy check despite sub-arcsecond differences.
    """

    def __init__(
        self,
        grid: TimeGrid,
        sky: SiteSky,
        tasks: TaskArrays,
        telescope: Telescope | None = None,
        margin_deg: float = 0.02,
    ) -> None:
        self.grid = grid
        self.sky = sky
        self.tasks = tasks
        self.telescope = telescope
        self.margin_deg = margin_deg

    @cached_property
    def times_s(self) -> NDArray[np.float64]:
        """Grid sample times, seconds from the grid start, shape (1, n_times)."""
        return self.grid.offsets_s[None, :]

    @cached_property
    def sin_alt(self) -> NDArray[np.float32]:
        """Sine of target altitude, (n_tasks, n_times), float32."""
        return sin_altitude(self.tasks.vectors, self.sky)

    @cached_property
    def cos_moon_sep(self) -> NDArray[np.float32]:
        """Cosine of the moon-target separation, (n_tasks, n_times), float32."""
        out: NDArray[np.float32] = (self.tasks.vectors @ self.sky.moon_dir.T).astype(np.float32)
        return out
