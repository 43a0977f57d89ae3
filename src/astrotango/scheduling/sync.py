"""Parallel-synchronized groups: all members start together on distinct telescopes, or none."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from astrotango.scheduling.problem import Problem
from astrotango.scheduling.scoring import merit_factors, product
from astrotango.scheduling.timeline import Placed, Timeline

__all__ = ["place_group"]


def _match(options: list[list[int]]) -> list[int] | None:
    """Assign each member a distinct telescope from its options (augmenting paths)."""
    owner: dict[int, int] = {}

    def augment(m: int, seen: set[int]) -> bool:
        for t in options[m]:
            if t in seen:
                continue
            seen.add(t)
            if t not in owner or augment(owner[t], seen):
                owner[t] = m
                return True
        return False

    for m in range(len(options)):
        if not augment(m, set()):
            return None
    result = [0] * len(options)
    for t, m in owner.items():
        result[m] = t
    return result


def place_group(problem: Problem, timelines: Sequence[Timeline], rows: Sequence[int]) -> bool:
    """Place every member of a group at one common start sample, earliest first.

    Members become fixed blocks (never ejected by the repair pass). Returns False, placing
    nothing, when no common start with a distinct free telescope per member exists.
    """
    n_tel = len(timelines)
    ok = np.zeros((len(rows), n_tel, problem.grid.n), dtype=bool)
    for i, row in enumerate(rows):
        slots = int(problem.tasks.slots[row])
        for j in range(n_tel):
            if problem.usable(row, j):
                ok[i, j] = problem.starts(row, j) & timelines[j].free_starts(slots)
    every = ok.any(axis=1).all(axis=0) & (ok.any(axis=0).sum(axis=0) >= len(rows))
    for s in np.flatnonzero(every):
        options = [[int(t) for t in np.flatnonzero(ok[i, :, s])] for i in range(len(rows))]
        assignment = _match(options)
        if assignment is None:
            continue
        for i, row in enumerate(rows):
            tel = assignment[i]
            starts = np.array([s])
            prev = timelines[tel].previous_rows(starts)
            factor = float(product(merit_factors(problem, row, tel, starts, prev), 1)[0])
            tasks = problem.tasks
            value = float(tasks.priority[row]) * factor * tasks.tasks[row].duration_s
            slots = int(tasks.slots[row])
            timelines[tel].place(Placed(row, int(s), slots, value, fixed=True))
        return True
    return False
