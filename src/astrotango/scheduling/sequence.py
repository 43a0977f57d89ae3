"""Plans as ordered sequences per telescope, each block at its earliest feasible start.

Any plan can be left-shifted: in time order, move each block to the earliest feasible start
at or after the end of the one before it; starts only move earlier, so the plan stays valid.
A plan is therefore fully described by the order of its blocks on each telescope. For
every block the earliest (``early``) and latest (``late``) starts that keep the whole
sequence feasible are kept; a task fits between two neighbours exactly when its earliest
feasible start after the first one ends lets it end by the second one's latest start.

Feasible starts are tabulated as "next feasible start at or after sample t" and "last
feasible start at or before t" per (task, telescope), so every test is an array lookup.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.problem import Problem

__all__ = ["Sequences"]

IntArray = NDArray[np.int32]
F64 = NDArray[np.float64]

#: "No feasible start" in the next-start table; far beyond any grid.
NONE = 1 << 29


class Sequences:
    """Per telescope, the ordered rows of its blocks with their earliest and latest starts.

    Args:
        problem: The planning problem.
        fixed: Blocks that may not move, ``(row, telescope, start)``; they become singleton
            start sets and are never removed by :meth:`remove`.
    """

    def __init__(self, problem: Problem, fixed: Sequence[tuple[int, int, int]] = ()) -> None:
        self.n = problem.grid.n
        n_tel = len(problem.telescopes)
        tasks = problem.tasks
        self.slots = tasks.slots.astype(np.int32)
        self.weight: F64 = tasks.priority * np.array([t.duration_s for t in tasks.tasks])
        self.nxt: list[IntArray] = []
        self.prv: list[IntArray] = []
        self.usable = np.zeros((len(tasks), n_tel), dtype=bool)
        idx = np.arange(self.n, dtype=np.int32)
        for tel in range(n_tel):
            site = problem.sites[problem.site_of[tel]]
            scope = problem.scopes[tel]
            by_slots = np.stack([scope.start_by_slots[int(s)] for s in tasks.slots])
            ok = site.start_ok & by_slots & scope.task_ok[:, None]
            for row, t, s in fixed:
                if t == tel:
                    ok[row] = idx == s
            self.usable[:, tel] = ok.any(axis=1)
            nxt = np.full((len(tasks), self.n + 1), NONE, dtype=np.int32)
            nxt[:, : self.n] = np.minimum.accumulate(np.where(ok, idx, NONE)[:, ::-1], axis=1)[
                :, ::-1
            ]
            self.nxt.append(nxt)
            self.prv.append(np.maximum.accumulate(np.where(ok, idx, -1), axis=1).astype(np.int32))
        self.rows: list[list[int]] = [[] for _ in range(n_tel)]
        self.early: list[list[int]] = [[] for _ in range(n_tel)]
        self.late: list[list[int]] = [[] for _ in range(n_tel)]
        self.fixed = {row for row, _, _ in fixed}
        self.value = 0.0
        self.work = 0
        self._cache: dict[int, tuple[IntArray, IntArray]] = {}

    def set_order(self, tel: int, rows: Sequence[int]) -> None:
        """Replace telescope ``tel``'s sequence (must be feasible in this order)."""
        old = self.rows[tel]
        self.value += float(self.weight[list(rows)].sum()) - float(self.weight[old].sum())
        self.rows[tel] = list(rows)
        self.early[tel] = [0] * len(rows)
        self.late[tel] = [0] * len(rows)
        self._forward(tel, 0, len(rows))
        self._backward(tel, len(rows) - 1, len(rows))

    def _forward(self, tel: int, lo: int, force: int) -> None:
        """Earliest starts from position ``lo`` on.

        Stops at the first unchanged one after the first ``force`` (whose stored values
        are not theirs): the rest then follow unchanged.
        """
        self._cache.pop(tel, None)
        rows, nxt, slots, early = self.rows[tel], self.nxt[tel], self.slots, self.early[tel]
        t = early[lo - 1] + int(slots[rows[lo - 1]]) if lo > 0 else 0
        for i in range(lo, len(rows)):
            s = int(nxt[rows[i], t])
            if s >= NONE:
                raise ValueError("infeasible sequence")
            if i >= lo + force and s == early[i]:
                return
            early[i] = s
            t = s + int(slots[rows[i]])

    def _backward(self, tel: int, hi: int, force: int) -> None:
        """Latest starts from position ``hi`` down, as :meth:`_forward` in reverse."""
        self._cache.pop(tel, None)
        rows, prv, slots, late = self.rows[tel], self.prv[tel], self.slots, self.late[tel]
        t = late[hi + 1] if hi + 1 < len(rows) else self.n - 1
        for i in range(hi, -1, -1):
            d = int(slots[rows[i]])
            s = int(prv[rows[i], t - d]) if t >= d else -1
            if s < 0:
                raise ValueError("infeasible sequence")
            if i <= hi - force and s == late[i]:
                return
            late[i] = s
            t = s

    def insert(self, tel: int, pos: int, row: int) -> None:
        """Insert ``row`` before position ``pos`` of telescope ``tel``'s sequence."""
        self.rows[tel].insert(pos, row)
        self.early[tel].insert(pos, 0)
        self.late[tel].insert(pos, 0)
        self.value += float(self.weight[row])
        self._forward(tel, pos, 1)
        self._backward(tel, pos, 1)

    def remove(self, tel: int, lo: int, count: int) -> list[int]:
        """Remove up to ``count`` movable blocks from position ``lo`` on; returns their rows."""
        rows = self.rows[tel]
        gone = [i for i in range(lo, min(lo + count, len(rows))) if rows[i] not in self.fixed]
        if not gone:
            return []
        out = [rows[i] for i in gone]
        for i in reversed(gone):
            del rows[i], self.early[tel][i], self.late[tel][i]
        self.value -= float(self.weight[out].sum())
        self._forward(tel, gone[0], 0)
        if gone[-1] - len(gone) >= 0:
            self._backward(tel, gone[-1] - len(gone), 0)
        return out

    def _bounds(self, tel: int) -> tuple[IntArray, IntArray]:
        """Per insertion position: end of the block before, latest start of the next.

        The latest start past the last block is ``n`` (the grid end bounds the block).
        """
        cached = self._cache.get(tel)
        if cached is None:
            rows = self.rows[tel]
            ends = np.zeros(len(rows) + 1, dtype=np.int32)
            if rows:
                ends[1:] = np.asarray(self.early[tel], dtype=np.int32) + self.slots[rows]
            cached = (ends, np.asarray([*self.late[tel], self.n], dtype=np.int32))
            self._cache[tel] = cached
        return cached

    def options(self, tel: int, cands: IntArray) -> tuple[F64, IntArray]:
        """Best insertion of each candidate on ``tel``: (time used, position).

        Time used is the block's duration plus the idle time it leaves before itself;
        ``inf`` where the candidate fits nowhere.
        """
        ends, limit = self._bounds(tel)
        self.work += cands.size * ends.size
        finish = self.nxt[tel][cands[:, None], ends[None, :]] + self.slots[cands][:, None]
        used = np.where(finish <= limit, finish - ends, NONE)
        pos = np.argmin(used, axis=1)
        best = used[np.arange(cands.size), pos].astype(np.float64)
        best[best >= NONE] = np.inf
        return best, pos.astype(np.int32)

    def force(self, row: int) -> list[int] | None:
        """Insert ``row`` where the blocks it overlaps are worth least; remove those.

        Overlap is judged on the earliest-start schedule; fixed blocks are never removed.
        Returns the removed rows (None, inserting nothing, if the task fits nowhere).
        """
        best: tuple[float, int, int] | None = None
        for tel in range(len(self.rows)):
            if not self.usable[row, tel]:
                continue
            starts = np.flatnonzero(self.nxt[tel][row, :-1] == np.arange(self.n))
            rows = self.rows[tel]
            begin = np.asarray(self.early[tel], dtype=np.int64)
            end = begin + self.slots[rows]
            over = (begin[None, :] < starts[:, None] + int(self.slots[row])) & (
                end[None, :] > starts[:, None]
            )
            price = np.array([np.inf if r in self.fixed else self.weight[r] for r in rows])
            cost = np.where(over, price[None, :], 0.0).sum(axis=1) if rows else starts * 0.0
            k = int(np.argmin(cost))
            if np.isfinite(cost[k]) and (best is None or float(cost[k]) < best[0]):
                best = (float(cost[k]), tel, int(starts[k]))
        if best is None:
            return None
        _, tel, s = best
        rows, early = self.rows[tel], self.early[tel]
        d = int(self.slots[row])
        keep = [i for i, r in enumerate(rows) if early[i] + self.slots[r] <= s or early[i] >= s + d]
        out = [r for i, r in enumerate(rows) if i not in set(keep)]
        pos = sum(1 for i in keep if early[i] < s)
        order = [rows[i] for i in keep]
        self.set_order(tel, [*order[:pos], row, *order[pos:]])
        return out

    def beam(
        self, tel: int, span: tuple[int, int], cands: NDArray[np.int64], width: int, children: int
    ) -> tuple[list[int], float]:
        """Most valuable sequence of ``cands`` found by a beam search in ``span``.

        ``span = (a, b)``: the first block may start at sample ``a`` or later, the last
        must end by ``b``. A state is a partial sequence (its end, the rows it used); each
        grows by its ``children`` best next blocks (each at its earliest start, ranked by
        ``weight ** 2 / time used``), and the ``width`` states of highest value plus a
        fractional-knapsack estimate of what still fits after them survive the level.
        Returns the best sequence met and its value.
        """
        a, b = span
        nxt, weight = self.nxt[tel], self.weight
        cands = cands[self.usable[cands, tel]]
        cands = cands[nxt[cands, a] + self.slots[cands] <= b]  # those with a start in the span
        d = self.slots[cands].astype(np.int64)
        w = weight[cands]
        order = np.argsort(-(w / d), kind="stable")
        cands, d, w = cands[order], d[order], w[order]
        density = w / d
        last = self.prv[tel][cands, -1].astype(np.int64)  # latest start
        last = np.where(last + d <= b, last, -1)  # -1: cannot end in the span
        nxt_c = nxt[cands].T  # (samples, candidates)
        keys = (cands.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        ends, values = np.array([a]), np.array([0.0])
        sigs = np.zeros(1, dtype=np.uint64)
        used = np.zeros((1, cands.size), dtype=bool)
        history: list[tuple[IntArray, IntArray]] = []
        best = (0.0, -1, -1)
        while cands.size:
            finish = nxt_c[ends].astype(np.int64) + d[None, :]
            ok = ~used & (finish <= b)
            self.work += ok.size
            if not ok.any():
                break
            ratio = np.where(ok, w**2 / np.maximum(finish - ends[:, None], 1), -1.0)
            k = min(children, cands.size)
            top = np.argpartition(-ratio, k - 1, axis=1)[:, :k]
            parent = np.repeat(np.arange(ends.size), k)
            child = top.ravel()
            keep = ok[parent, child]
            parent, child = parent[keep], child[keep]
            c_end = finish[parent, child]
            c_value = values[parent] + w[child]
            c_used = used[parent]
            c_used[np.arange(child.size), child] = True
            free = ~c_used & (last[None, :] >= c_end[:, None])
            dur = np.where(free, d[None, :], 0)
            room = (b - c_end)[:, None] - (np.cumsum(dur, axis=1) - dur)
            guide = c_value + (np.clip(room, 0, dur) * density[None, :]).sum(axis=1)
            c_sig = sigs[parent] + keys[child]
            ranked = np.argsort(-guide, kind="stable")
            # one state per (end, rows used): the first (best) of each in rank order
            ident = c_sig[ranked] ^ (
                c_end[ranked].astype(np.uint64) * np.uint64(0xD1B54A32D192ED03)
            )
            _, first = np.unique(ident, return_index=True)
            pick = ranked[np.sort(first)[:width]]
            history.append((parent[pick].astype(np.int32), child[pick].astype(np.int32)))
            ends, values, used, sigs = c_end[pick], c_value[pick], c_used[pick], c_sig[pick]
            j = int(np.argmax(values))
            if values[j] > best[0]:
                best = (float(values[j]), len(history) - 1, j)
        value, level, j = best
        rows: list[int] = []
        while level >= 0:
            parents, chosen_rows = history[level]
            rows.append(int(cands[chosen_rows[j]]))
            j = int(parents[j])
            level -= 1
        return rows[::-1], value
