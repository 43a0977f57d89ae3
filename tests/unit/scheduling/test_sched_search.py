"""The local search: keeps plans valid (sync groups fixed) and never lowers their value."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path

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

SAMPLE = Path("/work/shared/bench/sample-n200-t1.json")


@pytest.fixture(scope="module")
def workload():
    if not SAMPLE.exists():
        pytest.skip("shared sample workload not available")
    return parse_workload(json.loads(SAMPLE.read_text()))


def _value(result: Plan, tasks: dict[str, SchedulableTask]) -> float:
    return sum(tasks[b.task_id].priority * tasks[b.task_id].duration_s for b in result.blocks)


def test_search_never_lowers_the_value(workload) -> None:
    tasks = {t.id: t for t in workload.tasks}
    scope = [Telescope("T1", LA_PALMA)]
    without = plan(
        workload.tasks, scope, workload.start, workload.end, PlannerConfig(search_max_tasks=0)
    )
    with_search = plan(workload.tasks, scope, workload.start, workload.end)
    assert _value(with_search, tasks) >= _value(without, tasks)


def test_search_keeps_sync_groups_and_validity(workload) -> None:
    scopes = [Telescope(f"T{i}", LA_PALMA) for i in range(1, 4)]
    cons = TaskConstraints(max_airmass=2.0)
    group = [
        SchedulableTask(
            f"g{i}", 60.0, 30.0, 1800.0, priority=10, constraints=cons, sync_group="g", sync_size=3
        )
        for i in range(3)
    ]
    tasks = [*workload.tasks, *group]
    result = plan(tasks, scopes, workload.start, workload.end)
    blocks = [result.block_of(t.id) for t in group]
    assert all(b is not None for b in blocks)
    assert len({b.start for b in blocks if b}) == 1
    assert len({b.telescope_id for b in blocks if b}) == 3
    per_tel = defaultdict(list)
    for b in result.blocks:
        per_tel[b.telescope_id].append((b.start, b.end))
    for spans in per_tel.values():
        spans.sort()
        assert all(a[1] <= c[0] for a, c in itertools.pairwise(spans))
    ids = [b.task_id for b in result.blocks]
    assert len(ids) == len(set(ids))
    assert plan(tasks, scopes, workload.start, workload.end) == result
