"""The beam search that plans small problems: valid sequences, fixed and grouped work kept."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from conftest import LA_PALMA

from astrotango.scheduling import (
    Plan,
    PlannerConfig,
    SchedulableTask,
    TaskConstraints,
    Telescope,
    parse_workload,
    plan,
)
from astrotango.scheduling.problem import build_problem
from astrotango.scheduling.search import beam_fill
from astrotango.scheduling.sequence import Sequences

SAMPLE = Path("/work/shared/bench/sample-n200-t1.json")
#: Below ``PlannerConfig.beam_max_tasks``: these problems take the beam path.
SMALL = 100


@pytest.fixture(scope="module")
def workload():
    if not SAMPLE.exists():
        pytest.skip("shared sample workload not available")
    return parse_workload(json.loads(SAMPLE.read_text()))


def _value(result: Plan, tasks: list[SchedulableTask]) -> float:
    by_id = {t.id: t for t in tasks}
    return sum(by_id[b.task_id].priority * by_id[b.task_id].duration_s for b in result.blocks)


def _assert_valid(result: Plan) -> None:
    per_tel = defaultdict(list)
    for b in result.blocks:
        per_tel[b.telescope_id].append((b.start, b.end))
    for spans in per_tel.values():
        spans.sort()
        assert all(a[1] <= c[0] for a, c in itertools.pairwise(spans)), "no overlap"
    ids = [b.task_id for b in result.blocks]
    assert len(ids) == len(set(ids)), "each task at most once"


def test_the_beam_sequence_fits_its_span_and_is_feasible(workload) -> None:
    tasks = workload.tasks[:SMALL]
    problem = build_problem(
        tasks, [Telescope("T1", LA_PALMA)], workload.start, workload.end, PlannerConfig()
    )
    seqs = Sequences(problem)
    span = (120, 480)
    rows, value = seqs.beam(0, span, np.arange(len(tasks)), width=20, children=8)
    assert rows and len(rows) == len(set(rows))
    t = span[0]
    for row in rows:  # each block at its earliest feasible start after the one before
        t = int(seqs.nxt[0][row, t]) + int(seqs.slots[row])
    assert t <= span[1]
    seqs.set_order(0, rows)  # raises if the order is infeasible
    assert value == pytest.approx(seqs.value)


def test_beam_fill_keeps_fixed_blocks_and_fills_around_them(workload) -> None:
    tasks = workload.tasks[:SMALL]
    problem = build_problem(
        tasks, [Telescope("T1", LA_PALMA)], workload.start, workload.end, PlannerConfig()
    )
    fixed_row = next(r for r in range(len(tasks)) if problem.starts(r, 0).any())
    start = int(np.flatnonzero(problem.starts(fixed_row, 0))[0])
    seqs = Sequences(problem, [(fixed_row, 0, start)])
    seqs.set_order(0, [fixed_row])
    beam_fill(seqs, np.arange(len(tasks)), width=20, children=8)
    assert fixed_row in seqs.rows[0]
    assert seqs.early[0][seqs.rows[0].index(fixed_row)] == start
    assert len(seqs.rows[0]) > 1


def test_the_beam_path_never_loses_to_its_construction(workload) -> None:
    tasks = workload.tasks[:SMALL]
    scope = [Telescope("T1", LA_PALMA)]
    greedy = PlannerConfig(search_max_tasks=0, placements=("packing",), repair_passes=0)
    without = plan(tasks, scope, workload.start, workload.end, greedy)
    result = plan(tasks, scope, workload.start, workload.end)
    assert _value(result, tasks) >= _value(without, tasks)
    _assert_valid(result)
    assert plan(tasks, scope, workload.start, workload.end) == result, "deterministic"


def test_the_beam_path_keeps_sync_groups_and_fixed_times(workload) -> None:
    scopes = [Telescope(f"T{i}", LA_PALMA) for i in range(1, 4)]
    cons = TaskConstraints(max_airmass=2.0)
    group = [
        SchedulableTask(
            f"g{i}", 60.0, 30.0, 1800.0, priority=10, constraints=cons, sync_group="g", sync_size=3
        )
        for i in range(3)
    ]
    at = workload.start + timedelta(hours=5)
    timed = SchedulableTask(
        "timed", 60.0, 30.0, 600.0, priority=1, fixed_start=at, start_tolerance_s=120.0
    )
    tasks = [*workload.tasks[:SMALL], *group, timed]
    result = plan(tasks, scopes, workload.start, workload.end)
    blocks = [result.block_of(t.id) for t in group]
    assert all(b is not None for b in blocks)
    assert len({b.start for b in blocks if b}) == 1
    assert len({b.telescope_id for b in blocks if b}) == 3
    block = result.block_of("timed")
    if block is not None:
        assert abs((block.start - at).total_seconds()) <= 120.0
    _assert_valid(result)
