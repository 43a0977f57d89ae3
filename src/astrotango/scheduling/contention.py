"""Contention: how much the still unplanned tasks want each step of each telescope.

If an unplanned task's start were drawn uniformly from its feasible starts, it would cover
step ``i`` with probability ``cover[i] / n_starts``; weighted by its priority and summed over
tasks (and shared among the telescopes of a site) this is the step's demand. Placing a
block where demand is low leaves the contested times to the tasks that need them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.problem import Problem

__all__ = ["Contention"]

F64 = NDArray[np.float64]


class Contention:
    """Per-site demand over steps, updated as tasks are planned or unplanned."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        n_sites = len(problem.sites)
        n_steps = problem.grid.n - 1
        self.per_tel = np.bincount(np.array(problem.site_of, dtype=np.int64), minlength=n_sites)
        self.demand = np.zeros((n_sites, n_steps))
        slots = problem.tasks.slots
        for j, site in enumerate(problem.sites):
            ok = site.start_ok[:, :n_steps]
            n = np.maximum(ok.sum(axis=1), 1)
            weight = problem.tasks.priority / n / max(1, int(self.per_tel[j]))
            # cover[k, i] = starts of k in (i - slots_k, i]; summed per block length so no
            # (tasks x steps) float array is ever built
            for d in np.unique(slots):
                rows = np.flatnonzero(slots == d)
                c = np.zeros(n_steps + 1)
                np.cumsum(weight[rows] @ ok[rows], out=c[1:])
                lo = np.maximum(np.arange(1, n_steps + 1) - int(d), 0)
                self.demand[j] += c[1:] - c[lo]
        self._removed: set[int] = set()

    def _contribution(self, row: int, site: int) -> F64:
        problem = self.problem
        ok = problem.sites[site].start_ok[row, :-1].astype(np.float64)
        n = ok.sum()
        if n == 0.0:
            return np.zeros_like(ok)
        slots = int(problem.tasks.slots[row])
        cover = np.convolve(ok, np.ones(slots))[: ok.size]
        out: F64 = cover * problem.tasks.priority[row] / n / max(1, int(self.per_tel[site]))
        return out

    def planned(self, row: int) -> None:
        """Remove the demand of a task that got a block."""
        if row in self._removed:
            return
        self._removed.add(row)
        for j in range(len(self.problem.sites)):
            if self.problem.site_any[row, j]:
                self.demand[j] -= self._contribution(row, j)

    def unplanned(self, row: int) -> None:
        """Restore the demand of a task that lost its block."""
        if row not in self._removed:
            return
        self._removed.discard(row)
        for j in range(len(self.problem.sites)):
            if self.problem.site_any[row, j]:
                self.demand[j] += self._contribution(row, j)

    def cost(self, tel: int, starts: NDArray[np.int64], slots: int) -> F64:
        """Demand a block of ``slots`` steps at each start would take away."""
        d = self.demand[self.problem.site_of[tel]]
        c = np.concatenate([[0.0], np.cumsum(d)])
        out: F64 = c[starts + slots] - c[starts]
        return out
