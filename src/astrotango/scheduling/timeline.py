"""One telescope's occupancy: which grid steps are taken, by which task."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Placed", "Timeline"]

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Placed:
    """A block on a timeline: task row, first step, number of steps, value, fixed flag."""

    row: int
    start: int
    slots: int
    value: float
    fixed: bool = False


class Timeline:
    """Steps ``0 .. n_steps - 1`` (step ``i`` spans samples ``i`` to ``i + 1``).

    ``dead`` steps (e.g. daylight for every task) are never used; they only count as
    boundaries when judging how well a block packs against its neighbours.
    """

    def __init__(self, n_steps: int, dead: BoolArray) -> None:
        self.n_steps = n_steps
        self.owner = np.full(n_steps, -1, dtype=np.int64)
        self.dead = dead
        self.blocks: dict[int, Placed] = {}
        self._cache: tuple[IntArray, IntArray, IntArray] | None = None

    def _arrays(self) -> tuple[IntArray, IntArray, IntArray]:
        if self._cache is None:
            n = self.n_steps
            occ = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(self.owner >= 0, out=occ[1:])
            busy = (self.owner >= 0) | self.dead
            idx = np.arange(n)
            last = np.maximum.accumulate(np.where(busy, idx, -1))
            left = np.zeros(n + 1, dtype=np.int64)
            left[1:] = idx - last  # free steps ending just before sample i + 1
            nxt = np.minimum.accumulate(np.where(busy, idx, n)[::-1])[::-1]
            right = np.zeros(n + 1, dtype=np.int64)
            right[:n] = nxt - idx  # free steps starting at sample i
            self._cache = (occ, left, right)
        return self._cache

    def free_starts(self, slots: int) -> BoolArray:
        """Samples where a block of ``slots`` steps finds every step free, (n_steps + 1,)."""
        occ, _, _ = self._arrays()
        n = self.n_steps
        out = np.zeros(n + 1, dtype=bool)
        if slots <= n:
            out[: n + 1 - slots] = occ[slots:] == occ[: n + 1 - slots]
        return out

    def gaps(self, starts: IntArray, slots: int) -> IntArray:
        """Smaller of the free runs left before and after a block at each start, steps."""
        _, left, right = self._arrays()
        out: IntArray = np.minimum(left[starts], right[starts + slots])
        return out

    def place(self, block: Placed) -> None:
        """Occupy the block's steps.

        Raises:
            ValueError: If a step is already taken.
        """
        span = slice(block.start, block.start + block.slots)
        if np.any(self.owner[span] >= 0):
            raise ValueError(f"double booking at step {block.start}")
        self.owner[span] = block.row
        self.blocks[block.row] = block
        self._cache = None

    def remove(self, row: int) -> Placed:
        """Free the steps of task ``row``'s block and return it."""
        block = self.blocks.pop(row)
        self.owner[block.start : block.start + block.slots] = -1
        self._cache = None
        return block

    def overlapping(self, start: int, slots: int) -> list[int]:
        """Rows of the blocks a block at ``start`` of ``slots`` steps would overlap."""
        seg = self.owner[start : start + slots]
        return [int(r) for r in np.unique(seg[seg >= 0])]

    def ejection_cost(self, slots: int) -> NDArray[np.float64]:
        """Per start sample, total value of the blocks a new block would overlap (inf: fixed)."""
        n = self.n_steps
        value = np.zeros(n + 2, dtype=np.float64)
        fixed = np.zeros(n + 2, dtype=np.int64)
        if self.blocks:
            b = np.array(
                [(p.start, p.start + p.slots, p.value, p.fixed) for p in self.blocks.values()]
            )
            lo = np.maximum(0, b[:, 0] - slots + 1).astype(np.int64)
            hi = b[:, 1].astype(np.int64)
            is_fixed = b[:, 3] > 0
            np.add.at(value, lo, np.where(is_fixed, 0.0, b[:, 2]))
            np.add.at(value, hi, np.where(is_fixed, 0.0, -b[:, 2]))
            np.add.at(fixed, lo, is_fixed.astype(np.int64))
            np.add.at(fixed, hi, -is_fixed.astype(np.int64))
        cost = np.cumsum(value)[: n + 1]
        out: NDArray[np.float64] = np.where(np.cumsum(fixed)[: n + 1] > 0, np.inf, cost)
        return out

    def max_free_run(self) -> int:
        """Longest run of free, non-dead steps."""
        _, _, right = self._arrays()
        return int(right.max(initial=0))

    def previous_rows(self, starts: IntArray) -> IntArray:
        """Per start sample, row of the latest block ending at or before it (-1 if none)."""
        taken = self.owner >= 0
        idx = np.where(taken, np.arange(self.n_steps), -1)
        last = np.concatenate([[-1], np.maximum.accumulate(idx)])  # last taken step < sample
        at = last[starts]
        out: IntArray = np.where(at >= 0, self.owner[np.maximum(at, 0)], -1)
        return out
