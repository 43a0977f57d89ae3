"""Everything the planner and the explanations derive once from the input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.config import PlannerConfig
from astrotango.scheduling.constraints import BoolArray
from astrotango.scheduling.ephemeris import compute_ephemeris
from astrotango.scheduling.feasibility import (
    SiteFeasibility,
    TelescopeFeasibility,
    site_feasibility,
    telescope_feasibility,
)
from astrotango.scheduling.grid import TimeGrid
from astrotango.scheduling.site import Site
from astrotango.scheduling.sky import site_sky
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.task_arrays import TaskArrays, task_arrays
from astrotango.scheduling.telescope import Telescope

__all__ = ["Problem", "build_problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """The planning input with its sky model and feasibility masks.

    Attributes:
        grid: The time grid.
        tasks: Column table of the tasks.
        telescopes: The telescopes.
        site_of: Index into ``sites`` for each telescope.
        sites: Site-scoped feasibility, one per distinct site.
        scopes: Telescope-scoped feasibility, one per telescope.
        site_any: Whether each task has a feasible start at each site, (n_tasks, n_sites).
        config: The settings used.
    """

    grid: TimeGrid
    tasks: TaskArrays
    telescopes: tuple[Telescope, ...]
    site_of: tuple[int, ...]
    sites: tuple[SiteFeasibility, ...]
    scopes: tuple[TelescopeFeasibility, ...]
    site_any: NDArray[np.bool_]
    config: PlannerConfig

    def starts(self, row: int, tel: int) -> BoolArray:
        """Samples where task ``row`` may start on telescope ``tel`` (ignoring other blocks)."""
        scope = self.scopes[tel]
        if not scope.task_ok[row]:
            return np.zeros(self.grid.n, dtype=bool)
        slots = int(self.tasks.slots[row])
        out: BoolArray = self.sites[self.site_of[tel]].start_ok[row] & scope.start_by_slots[slots]
        return out

    def usable(self, row: int, tel: int) -> bool:
        """Cheap test: can the task possibly run on the telescope?"""
        return bool(self.scopes[tel].task_ok[row] and self.site_any[row, self.site_of[tel]])

    def dead_steps(self, tel: int) -> BoolArray:
        """Steps where no task may observe at the telescope's site (used for packing)."""
        mask = self.sites[self.site_of[tel]].mask
        any_ok: BoolArray = np.asarray(mask.any(axis=0), dtype=bool).reshape(-1)
        if any_ok.size != self.grid.n:
            any_ok = np.zeros(self.grid.n, dtype=bool)
        out: BoolArray = ~(any_ok[:-1] & any_ok[1:])
        return out


def build_problem(
    tasks: Sequence[SchedulableTask],
    telescopes: Sequence[Telescope],
    start: datetime,
    end: datetime,
    config: PlannerConfig,
) -> Problem:
    """Compute the sky of every distinct site once and every feasibility mask."""
    grid = TimeGrid(start, end, config.step_s)
    ephem = compute_ephemeris(grid)
    arrays = task_arrays(tasks, grid, ephem)
    site_list: list[Site] = []
    for tel in telescopes:
        if tel.site not in site_list:
            site_list.append(tel.site)
    skies = [site_sky(ephem, s) for s in site_list]
    sites = tuple(
        site_feasibility(
            grid, sky, arrays, config.constraints, config.margin_deg, config.chunk_tasks
        )
        for sky in skies
    )
    site_of = tuple(site_list.index(t.site) for t in telescopes)
    scopes = tuple(
        telescope_feasibility(
            grid, skies[site_of[i]], arrays, tel, config.constraints, config.margin_deg
        )
        for i, tel in enumerate(telescopes)
    )
    site_any = np.stack([s.start_ok.any(axis=1) for s in sites], axis=1) if sites else None
    return Problem(
        grid=grid,
        tasks=arrays,
        telescopes=tuple(telescopes),
        site_of=site_of,
        sites=sites,
        scopes=scopes,
        site_any=site_any if site_any is not None else np.zeros((len(arrays), 0), dtype=bool),
        config=config,
    )
