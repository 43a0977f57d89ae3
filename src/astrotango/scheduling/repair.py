"""Improvement pass: insert an unplanned task by ejecting blocks, then re-place them.

For an unplanned task, candidate starts on each telescope are tried in order of the total
value of the blocks they overlap (cheapest first, one trial per distinct set of overlapped
blocks, ``trials_per_task`` at most). A trial removes the overlapped blocks, places the
task, and re-inserts the removed ones wherever they fit; it is kept when the plan's total
value rises, otherwise undone. Every kept trial strictly raises the total, so passes end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from astrotango.scheduling.insertion import block_value, insert
from astrotango.scheduling.problem import Problem
from astrotango.scheduling.push import FeasibleStarts, try_push
from astrotango.scheduling.timeline import Placed, Timeline

__all__ = ["repair_pass"]

#: Largest relative change merits are assumed to make to a block value when pruning trials.
MERIT_SLACK = 0.1


def _min_density(timeline: Timeline, problem: Problem) -> float:
    if not timeline.blocks:
        return 0.0
    return min(float(problem.tasks.priority[b.row]) for b in timeline.blocks.values())


def _where(timelines: Sequence[Timeline], row: int) -> tuple[int, Placed] | None:
    for tel, t in enumerate(timelines):
        if row in t.blocks:
            return tel, t.blocks[row]
    return None


def _trial(
    problem: Problem, timelines: Sequence[Timeline], row: int, tel: int, s: int, placed: set[int]
) -> bool:
    timeline = timelines[tel]
    tasks = problem.tasks
    slots = int(tasks.slots[row])
    removed = [timeline.remove(r) for r in timeline.overlapping(s, slots)]
    estimate = float(tasks.priority[row]) * tasks.tasks[row].duration_s
    timeline.place(Placed(row, s, slots, estimate))
    gain = estimate - sum(b.value for b in removed)
    back: list[int] = []
    for b in sorted(removed, key=lambda b: (-b.value, b.row)):
        if insert(problem, timelines, b.row):
            back.append(b.row)
            found = _where(timelines, b.row)
            gain += found[1].value if found else 0.0
    if gain > -MERIT_SLACK * estimate:  # only then is the exact (merit) value worth computing
        timeline.remove(row)
        value = block_value(problem, row, tel, s, timeline)
        timeline.place(Placed(row, s, slots, value))
        if gain - estimate + value > 1e-9:
            placed.add(row)
            for b in removed:
                if b.row not in back:
                    placed.discard(b.row)
            return True
    for r in back:
        found = _where(timelines, r)
        if found is not None:
            timelines[found[0]].remove(r)
    timeline.remove(row)
    for b in removed:
        timeline.place(b)
    return False


def repair_pass(
    problem: Problem,
    timelines: Sequence[Timeline],
    order: Sequence[int],
    placed: set[int],
    feas: FeasibleStarts,
    budget: list[int],
    trials_per_task: int = 3,
) -> int:
    """One pass over the unplanned tasks of ``order``; returns the number of kept moves.

    Each task is first tried by pushing neighbours aside (no loss), then by ejection while
    ``budget[0]`` (ejection trials left, decremented in place) is positive.
    """
    tasks = problem.tasks
    moves = 0
    densities = [_min_density(t, problem) for t in timelines]
    for row in order:
        if row in placed:
            continue
        if try_push(problem, timelines, row, feas):
            placed.add(row)
            moves += 1
            continue
        slots = int(tasks.slots[row])
        options: list[tuple[float, int, int]] = []
        for tel, timeline in enumerate(timelines):
            if densities[tel] > tasks.priority[row] or not problem.usable(row, tel):
                continue
            cost = np.where(problem.starts(row, tel), timeline.ejection_cost(slots), np.inf)
            finite = np.flatnonzero(np.isfinite(cost))
            if finite.size == 0:
                continue
            # one candidate per distinct cost level (distinct overlapped sets), cheapest first
            levels, first = np.unique(cost[finite], return_index=True)
            for c, k in list(zip(levels, first, strict=True))[:trials_per_task]:
                options.append((float(c), tel, int(finite[k])))
        for _, tel, s in sorted(options)[:trials_per_task]:
            if budget[0] <= 0:
                return moves
            budget[0] -= 1
            if _trial(problem, timelines, row, tel, s, placed):
                moves += 1
                densities = [_min_density(t, problem) for t in timelines]
                break
    return moves
