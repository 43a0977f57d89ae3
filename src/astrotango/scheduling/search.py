"""Iterated local search over block sequences (orienteering with time windows).

Starting from a constructed plan, the per-telescope sequences of :mod:`sequence` are
improved by rounds of "perturb, then fill":

* fill: insert unplanned tasks one at a time, each time the one with the best ratio
  ``value ** power / time used`` at its cheapest position, until none fits; ``power``
  cycles through :data:`POWERS` from round to round (long valuable blocks first, or dense
  ones first), which diversifies the search at no cost;
* perturb, every :data:`FORCE_EVERY`-th round: force in the next most valuable unplanned
  task (round robin) at the start where the blocks it overlaps are worth least, removing
  those (an ejection chain: the fill then re-places them wherever they still fit);
* perturb, otherwise: on every telescope remove ``size`` consecutive movable blocks from
  position ``at``; ``at`` advances by ``size``, ``size`` grows by one each round (both
  wrap) and resets to 1 whenever the best plan improves.

The search returns to the best plan every ``restart`` rounds without improvement and stops
after ``iterations`` rounds, ``patience`` rounds without improvement, or ``effort``
insertion tests. The objective is ``priority x duration`` (merits only choose the final
start times, within each block's slack). Every limit is a count: same input, same plan.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from astrotango.scheduling.problem import Problem
from astrotango.scheduling.scoring import merit_factors, product
from astrotango.scheduling.sequence import Sequences
from astrotango.scheduling.timeline import Placed, Timeline

__all__ = ["beam_fill", "improve", "search"]

Rows = NDArray[np.int64]
Flags = NDArray[np.bool_]

#: Exponents of the value in the fill ratio, one per round in turn.
POWERS = (2.0, 1.0, 1.5, 3.0)
#: Every this many rounds the perturbation forces in an unplanned task.
FORCE_EVERY = 5


def _fill(seqs: Sequences, pool: Rows, on: Flags, power: float = 2.0) -> None:
    """Insert the best-ratio unplanned task until nothing fits.

    Insertions only take time away, so a task that fits nowhere is not tried again.
    """
    w2 = seqs.weight**power
    cands = pool[~on[pool]]
    while cands.size:
        best: tuple[float, int, int, int] | None = None
        fits = np.zeros(cands.size, dtype=bool)
        for tel in range(len(seqs.rows)):
            use = seqs.usable[cands, tel]
            c = cands[use]
            if c.size == 0:
                continue
            used, pos = seqs.options(tel, c)
            fits[use] |= np.isfinite(used)
            ratio = w2[c] / used
            k = int(np.argmax(ratio))
            if ratio[k] > 0.0 and (best is None or ratio[k] > best[0]):
                best = (float(ratio[k]), tel, int(pos[k]), int(c[k]))
        if best is None:
            return
        _, tel, at, row = best
        seqs.insert(tel, at, row)
        on[row] = True
        cands = cands[fits & (cands != row)]


def _snapshot(seqs: Sequences) -> list[list[int]]:
    return [list(r) for r in seqs.rows]


def _restore(seqs: Sequences, order: list[list[int]], on: Flags) -> None:
    for rows in seqs.rows:
        on[rows] = False
    for tel, rows in enumerate(order):
        seqs.set_order(tel, rows)
        on[rows] = True


def search(
    seqs: Sequences,
    pool: Rows,
    iterations: int,
    patience: int,
    restart: int,
    effort: int,
) -> list[list[int]]:
    """Run the iterated local search; returns the best sequences found."""
    on = np.zeros(len(seqs.weight), dtype=bool)
    for rows in seqs.rows:
        on[rows] = True
    _fill(seqs, pool, on)
    best, best_value = _snapshot(seqs), seqs.value
    at, size, stale = 0, 1, 0
    max_size = max(2, max(len(r) for r in seqs.rows) // 2)
    ranked = pool[np.argsort(-seqs.weight[pool], kind="stable")]
    turn = 0
    for it in range(iterations):
        if on[pool].all():
            break
        if it % FORCE_EVERY == 1:
            while on[ranked[turn % ranked.size]]:
                turn += 1
            row = int(ranked[turn % ranked.size])
            turn += 1
            out = seqs.force(row)
            if out is not None:
                on[out] = False
                on[row] = True
        else:
            for tel, rows in enumerate(seqs.rows):
                if rows:
                    on[seqs.remove(tel, at % len(rows), size)] = False
        _fill(seqs, pool, on, POWERS[it % len(POWERS)])
        if seqs.value > best_value + 1e-9:
            best, best_value = _snapshot(seqs), seqs.value
            size, stale = 1, 0
        else:
            stale += 1
            if stale >= patience or seqs.work > effort:
                break
            if stale % restart == 0:
                _restore(seqs, best, on)
        at += size
        size = size + 1 if size < max_size else 1
    return best


def beam_fill(seqs: Sequences, pool: Rows, width: int, children: int) -> None:
    """Fill the free time around the blocks of each sequence by beam search.

    Telescope by telescope and gap by gap (before, between and after the blocks already
    there, which stay), the beam's best sequence of the still unplanned rows of ``pool``
    that fits the gap is put in it: from the earliest end of the block before the gap to
    the latest start of the block after it.
    """
    on = np.zeros(len(seqs.weight), dtype=bool)
    for rows in seqs.rows:
        on[rows] = True
    for tel in range(len(seqs.rows)):
        i = 0
        while i <= len(seqs.rows[tel]):
            rows = seqs.rows[tel]
            a = seqs.early[tel][i - 1] + int(seqs.slots[rows[i - 1]]) if i > 0 else 0
            b = seqs.late[tel][i] if i < len(rows) else seqs.n - 1
            new, _ = seqs.beam(tel, (a, b), pool[~on[pool]], width, children)
            if new:
                seqs.set_order(tel, [*rows[:i], *new, *rows[i:]])
                on[new] = True
            i += len(new) + 1


def _retime(problem: Problem, seqs: Sequences, tel: int, timeline: Timeline) -> None:
    """Place the sequence on ``timeline``, each block at its best-merit start in its slack."""
    rows = seqs.rows[tel]
    t = 0
    for i, row in enumerate(rows):
        slots = int(seqs.slots[row])
        lo, hi = max(seqs.early[tel][i], t), seqs.late[tel][i]
        if row in seqs.fixed:
            cand = np.array([seqs.early[tel][i]])
        else:
            cand = lo + np.flatnonzero(problem.starts(row, tel)[lo : hi + 1])
        merit = product(
            merit_factors(problem, row, tel, cand, timeline.previous_rows(cand)), cand.size
        )
        k = int(np.argmax(merit))
        s = int(cand[k])
        value = float(seqs.weight[row]) * float(merit[k])
        timeline.place(Placed(row, s, slots, value, fixed=row in seqs.fixed))
        t = s + slots


def improve(
    problem: Problem,
    timelines: Sequence[Timeline],
    singles: Sequence[int],
    placed: set[int],
    fresh: bool = False,
) -> bool:
    """Improve ``timelines`` in place by the search; True if the plan changed.

    With ``fresh`` the movable blocks are first planned anew by :func:`beam_fill` around
    the fixed ones, and the search starts from that; the given plan stays unless the
    result beats it.
    """
    config = problem.config
    fixed = [(b.row, tel, b.start) for tel, t in enumerate(timelines) for b in t.blocks.values()]
    fixed = [f for f in fixed if timelines[f[1]].blocks[f[0]].fixed]
    seqs = Sequences(problem, fixed)
    for tel, timeline in enumerate(timelines):
        ordered = sorted(timeline.blocks.values(), key=lambda b: b.start)
        seqs.set_order(tel, [b.row for b in ordered])
    start_value = seqs.value
    pool = np.array(sorted(singles), dtype=np.int64)
    if fresh:
        for tel, rows in enumerate(seqs.rows):
            seqs.set_order(tel, [r for r in rows if r in seqs.fixed])
        beam_fill(seqs, pool, config.beam_width, config.beam_children)
    best = search(
        seqs,
        pool,
        config.beam_search_iterations if fresh else config.search_iterations,
        config.search_patience,
        config.search_restart,
        config.search_effort,
    )
    for tel, rows in enumerate(best):
        seqs.set_order(tel, rows)
    if seqs.value <= start_value + 1e-9:
        return False
    for tel, timeline in enumerate(timelines):
        for row in list(timeline.blocks):
            timeline.remove(row)
        _retime(problem, seqs, tel, timeline)
    placed.clear()
    placed.update(r for rows in seqs.rows for r in rows)
    return True
