"""Greedy insertion of one task into free time, packing tightly and preferring merit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from astrotango.scheduling.contention import Contention
from astrotango.scheduling.problem import Problem
from astrotango.scheduling.scoring import merit_factors, product
from astrotango.scheduling.timeline import Placed, Timeline

__all__ = ["block_value", "insert"]


def block_value(problem: Problem, row: int, tel: int, start: int, timeline: Timeline) -> float:
    """Objective value of a block: ``priority * queue * merits * duration_s``."""
    starts = np.array([start])
    prev = timeline.previous_rows(starts)
    factor = float(product(merit_factors(problem, row, tel, starts, prev), 1)[0])
    tasks = problem.tasks
    return float(tasks.priority[row]) * factor * tasks.tasks[row].duration_s


def insert(
    problem: Problem,
    timelines: Sequence[Timeline],
    row: int,
    contention: Contention | None = None,
) -> bool:
    """Place task ``row`` in free time on the best telescope; False if it fits nowhere.

    Among all free feasible starts, the one taking the least demand of the unplanned tasks
    wins when ``contention`` is given, otherwise the one leaving the smallest free run
    beside the block (tight packing); ties go to the highest merit product, then the lower
    telescope index and earlier start.
    """
    slots = int(problem.tasks.slots[row])
    best: tuple[float, float, int, int] | None = None
    for tel, timeline in enumerate(timelines):
        if not problem.usable(row, tel) or timeline.max_free_run() < slots:
            continue
        cand = np.flatnonzero(problem.starts(row, tel) & timeline.free_starts(slots))
        if cand.size == 0:
            continue
        if contention is None:
            gaps = timeline.gaps(cand, slots).astype(np.float64)
        else:
            gaps = np.round(contention.cost(tel, cand, slots), 9)
        tight = cand[gaps == gaps.min()]
        prev = timeline.previous_rows(tight)
        merit = product(merit_factors(problem, row, tel, tight, prev), tight.size)
        k = int(np.argmax(merit))
        key = (float(gaps.min()), -float(merit[k]), tel, int(tight[k]))
        if best is None or key < best:
            best = key
    if best is None:
        return False
    _, neg_merit, tel, start = best
    value = float(problem.tasks.priority[row]) * -neg_merit * problem.tasks.tasks[row].duration_s
    timelines[tel].place(Placed(row, start, slots, value))
    return True
