"""Insertion by pushing: make room for a block by sliding its neighbours along the timeline.

Blocks that start at or after the new start are pushed right (each to its next feasible
start after the one before it), blocks that start before it are pushed left, as far as a
chain of overlaps requires. Fails when a pushed block is fixed or finds no feasible start.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.insertion import block_value
from astrotango.scheduling.problem import Problem
from astrotango.scheduling.timeline import Placed, Timeline

__all__ = ["FeasibleStarts", "try_push"]

IntArray = NDArray[np.int64]


class FeasibleStarts:
    """Sorted feasible start samples per (task row, telescope), computed on first use."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self._cache: dict[tuple[int, int], IntArray] = {}

    def of(self, row: int, tel: int) -> IntArray:
        """The sorted feasible starts."""
        key = (row, tel)
        if key not in self._cache:
            self._cache[key] = np.flatnonzero(self.problem.starts(row, tel))
        return self._cache[key]

    def at_or_after(self, row: int, tel: int, sample: int) -> int | None:
        """First feasible start >= ``sample``."""
        arr = self.of(row, tel)
        i = int(np.searchsorted(arr, sample, side="left"))
        return int(arr[i]) if i < arr.size else None

    def at_or_before(self, row: int, tel: int, sample: int) -> int | None:
        """Last feasible start <= ``sample``."""
        arr = self.of(row, tel)
        i = int(np.searchsorted(arr, sample, side="right")) - 1
        return int(arr[i]) if i >= 0 else None


def _moves(
    ordered: Sequence[Placed], tel: int, s: int, slots: int, feas: FeasibleStarts
) -> dict[int, int] | None:
    moves: dict[int, int] = {}
    frontier = s + slots
    for b in ordered:
        if b.start < s:
            continue
        if b.start >= frontier:
            break
        ns = None if b.fixed else feas.at_or_after(b.row, tel, frontier)
        if ns is None:
            return None
        moves[b.row] = ns
        frontier = ns + b.slots
    frontier = s
    for b in reversed(ordered):
        if b.start >= s:
            continue
        if b.start + b.slots <= frontier:
            break
        ns = None if b.fixed else feas.at_or_before(b.row, tel, frontier - b.slots)
        if ns is None:
            return None
        moves[b.row] = ns
        frontier = ns
    return moves


def try_push(
    problem: Problem,
    timelines: Sequence[Timeline],
    row: int,
    feas: FeasibleStarts,
    max_candidates: int = 64,
) -> bool:
    """Insert task ``row`` by pushing neighbours; True (and applied) if the value rises.

    Candidate starts are the task's feasible starts adjacent to an existing block (just
    after one ends, or just before one starts), plus its first and last feasible start.
    """
    slots = int(problem.tasks.slots[row])
    for tel, timeline in enumerate(timelines):
        if not problem.usable(row, tel) or not timeline.blocks:
            continue
        free = int(np.sum((timeline.owner < 0) & ~timeline.dead))
        own = feas.of(row, tel)
        if free < slots or own.size == 0:
            continue
        ordered = sorted(timeline.blocks.values(), key=lambda b: b.start)
        edges = {own[0], own[-1]}
        for b in ordered:
            edges.update((b.start + b.slots, b.start - slots))
        ok = problem.starts(row, tel)
        cands = sorted(e for e in edges if 0 <= e < ok.size and ok[e])[:max_candidates]
        for s in cands:
            moves = _moves(ordered, tel, s, slots, feas)
            if moves is None:
                continue
            old = [timeline.remove(r) for r in moves]
            try:
                shifted = [Placed(b.row, moves[b.row], b.slots, b.value, b.fixed) for b in old]
                for b in shifted:
                    timeline.place(b)
                timeline.place(Placed(row, s, slots, 0.0))
            except ValueError:  # chain overlapped a block it did not move: undo
                for r in [*moves, row]:
                    if r in timeline.blocks:
                        timeline.remove(r)
                for b in old:
                    timeline.place(b)
                continue
            timeline.remove(row)
            timeline.place(Placed(row, s, slots, block_value(problem, row, tel, s, timeline)))
            return True
    return False
