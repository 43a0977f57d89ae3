"""Planner properties: no overlaps, each task once, windows, sync groups, determinism."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import END, LA_PALMA, START

from astrotango.scheduling import (
    Plan,
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


@pytest.fixture(scope="module")
def two_scopes():
    return (Telescope("T1", LA_PALMA), Telescope("T2", LA_PALMA))


@pytest.fixture(scope="module")
def result(workload, two_scopes) -> Plan:
    return plan(workload.tasks, two_scopes, workload.start, workload.end)


def test_no_overlap_and_each_task_once(result: Plan) -> None:
    per_tel = defaultdict(list)
    for b in result.blocks:
        per_tel[b.telescope_id].append((b.start, b.end))
    for spans in per_tel.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    ids = [b.task_id for b in result.blocks]
    assert len(ids) == len(set(ids))
    assert set(result.unscheduled).isdisjoint(ids)
    assert len(ids) + len(result.unscheduled) == result.tasks_considered


def test_windows_durations_and_horizon_respected(result: Plan, workload) -> None:
    tasks = {t.id: t for t in workload.tasks}
    assert result.blocks
    for b in result.blocks:
        task = tasks[b.task_id]
        assert b.end - b.start == timedelta(seconds=task.duration_s)
        assert workload.start <= b.start and b.end <= workload.end
        if task.time_window is not None:
            assert task.time_window[0] <= b.start and b.end <= task.time_window[1]


def test_deterministic(workload, two_scopes, result: Plan) -> None:
    again = plan(workload.tasks, two_scopes, workload.start, workload.end)
    assert again == result


def test_merit_breakdown_explains_the_score(result: Plan) -> None:
    for b in result.blocks:
        product = 1.0
        for v in b.merits.values():
            product *= v
        assert b.score == pytest.approx(product)
        assert {"priority", "queue_priority", "airmass", "transit", "slew"} <= set(b.merits)


def test_sync_group_starts_together_on_distinct_telescopes() -> None:
    scopes = [Telescope(f"T{i}", LA_PALMA) for i in range(1, 4)]
    cons = TaskConstraints(max_airmass=2.0)
    group = [
        SchedulableTask(
            f"g{i}", 60.0, 30.0, 1800.0, priority=5, constraints=cons, sync_group="g", sync_size=3
        )
        for i in range(3)
    ]
    blocker = SchedulableTask("busy", 60.0, 30.0, 3 * 3600.0, priority=10, constraints=cons)
    incomplete = SchedulableTask("h0", 60.0, 30.0, 600.0, sync_group="h", sync_size=2)
    result = plan([*group, blocker, incomplete], scopes, START, END)
    blocks = [result.block_of(t.id) for t in group]
    assert all(b is not None for b in blocks)
    assert len({b.start for b in blocks if b}) == 1
    assert len({b.telescope_id for b in blocks if b}) == 3
    assert result.block_of("busy") is not None
    assert result.block_of("h0") is None  # all or nothing: its partner is missing


def test_unavailable_telescope_gets_nothing_and_capability_routes() -> None:
    radio_scope = Telescope("R1", LA_PALMA, capabilities=frozenset({"radio"}))
    off = Telescope("T9", LA_PALMA, available=False)
    tasks = [
        SchedulableTask("radio", 60.0, 30.0, 600.0, required_capability="radio"),
        SchedulableTask("optical", 60.0, 30.0, 600.0),
    ]
    result = plan(tasks, [radio_scope, off], START, END)
    assert result.block_of("radio") is not None and result.block_of("radio").telescope_id == "R1"
    assert result.block_of("optical") is None


def test_window_forces_the_block_inside() -> None:
    w = (datetime(2026, 12, 16, 2, tzinfo=UTC), datetime(2026, 12, 16, 3, tzinfo=UTC))
    task = SchedulableTask("w", 60.0, 30.0, 1800.0, time_window=w)
    block = plan([task], [Telescope("T1", LA_PALMA)], START, END).block_of("w")
    assert block is not None and w[0] <= block.start and block.end <= w[1]
