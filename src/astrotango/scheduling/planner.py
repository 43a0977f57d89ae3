"""The planner: every telescope and site at once, deterministic for the same input.

Algorithm:
    1. Sky model and feasibility: per site, every gate over (tasks x times); a block may
       start at sample ``s`` only if every gate holds at every sample from ``s`` to
       ``s + ceil(duration / step)`` (the block's both ends included).
    2. Construction: synchronized groups and single tasks in order of value density
       (priority x queue priority x static merits), least flexible first among equals; each
       goes to the free feasible start that packs tightest, ties broken by merit.
    3. Repair (above ``search_max_tasks`` tasks): unplanned tasks eject cheaper blocks when
       that raises the total value; the ejected are re-placed wherever they fit (see
       :mod:`repair`).
    4. Gap filling: every still unplanned task is tried once more in the free time.
    5. Search (up to ``search_max_tasks`` tasks, instead of 3): an iterated local search
       over the block order on each telescope with ejection moves (see :mod:`search`).
       Up to ``beam_max_tasks`` tasks it starts from a plan made anew by beam search
       around the groups' fixed blocks (the packing construction is kept only if the
       result does not beat it).
    Above ``beam_max_tasks`` and up to ``multi_start_max_tasks`` tasks, steps 2-5 run once
    per construction rule and the plan of highest ``priority x duration`` (then merit)
    value is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from astrotango.scheduling.block import ScheduledBlock
from astrotango.scheduling.config import PlannerConfig
from astrotango.scheduling.contention import Contention
from astrotango.scheduling.insertion import insert
from astrotango.scheduling.plan_result import Plan
from astrotango.scheduling.problem import Problem, build_problem
from astrotango.scheduling.push import FeasibleStarts
from astrotango.scheduling.repair import repair_pass
from astrotango.scheduling.scoring import merit_factors, product
from astrotango.scheduling.search import improve
from astrotango.scheduling.sync import place_group
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.task_arrays import fixed_start_of
from astrotango.scheduling.telescope import Telescope
from astrotango.scheduling.timeline import Timeline

__all__ = ["plan", "plan_problem"]


def plan(
    tasks: Sequence[SchedulableTask],
    telescopes: Sequence[Telescope],
    start: datetime,
    end: datetime,
    config: PlannerConfig | None = None,
) -> Plan:
    """Plan ``tasks`` on ``telescopes`` between ``start`` and ``end`` (UTC, tz-aware).

    Raises:
        ValueError: On duplicate task or telescope ids, or an invalid horizon.
    """
    if len({t.id for t in tasks}) != len(tasks):
        raise ValueError("duplicate task ids")
    if len({t.id for t in telescopes}) != len(telescopes):
        raise ValueError("duplicate telescope ids")
    if end <= start:
        raise ValueError("end: the horizon must end after it starts")
    if not tasks or not telescopes:
        return Plan(
            (),
            tuple(t.id for t in tasks),
            start,
            end,
            float((config or PlannerConfig()).step_s),
            len(tasks),
        )
    problem = build_problem(tasks, telescopes, start, end, config or PlannerConfig())
    return plan_problem(problem)


def _units(problem: Problem) -> list[list[int]]:
    """Single tasks and synchronized groups, in construction order."""
    tasks = problem.tasks
    groups: dict[str, list[int]] = {}
    units: list[list[int]] = []
    for row, task in enumerate(tasks.tasks):
        if task.max_per_night is not None and task.observed_tonight >= task.max_per_night:
            continue
        if task.sync_group is None or task.sync_size <= 1:
            units.append([row])
        else:
            groups.setdefault(task.sync_group, []).append(row)
    for rows in groups.values():
        if len(rows) == tasks.tasks[rows[0]].sync_size:
            units.append(rows)
    flex = np.zeros(len(tasks), dtype=np.int64)
    for tel in range(len(problem.telescopes)):
        site = problem.sites[problem.site_of[tel]]
        flex += site.start_ok.sum(axis=1) * problem.scopes[tel].task_ok
    units = [u for u in units if all(flex[r] > 0 for r in u)]

    def key(unit: list[int]) -> tuple[float, int, int]:
        density = float(np.mean(tasks.priority[unit]))
        return (-density, int(min(flex[unit])), unit[0])

    return sorted(units, key=key)


def _construct(
    problem: Problem, units: list[list[int]], contention: Contention | None
) -> tuple[list[Timeline], set[int]]:
    grid = problem.grid
    timelines = [
        Timeline(grid.n - 1, problem.dead_steps(j)) for j in range(len(problem.telescopes))
    ]
    placed: set[int] = set()
    for unit in units:
        if len(unit) > 1:
            ok = place_group(problem, timelines, unit)
        else:
            ok = insert(problem, timelines, unit[0], contention)
        if ok:
            placed.update(unit)
            if contention is not None:
                for row in unit:
                    contention.planned(row)
    return timelines, placed


def _total(problem: Problem, timelines: list[Timeline]) -> tuple[float, float]:
    """Plan value without merits (rounded, compared first), then with them."""
    blocks = [b for t in timelines for b in t.blocks.values()]
    tasks = problem.tasks
    base = sum(float(tasks.priority[b.row]) * tasks.tasks[b.row].duration_s for b in blocks)
    return round(base, 6), sum(b.value for b in blocks)


def plan_problem(problem: Problem) -> Plan:
    """Plan a prepared :class:`Problem` (see the module docstring for the algorithm)."""
    units = _units(problem)
    singles = [u[0] for u in units if len(u) == 1]
    best: tuple[list[Timeline], set[int]] | None = None
    config = problem.config
    modes = config.placements
    search = len(problem.tasks) <= config.search_max_tasks
    if len(problem.tasks) > config.multi_start_max_tasks:
        modes = modes[:1]
    fresh = search and len(problem.tasks) <= config.beam_max_tasks
    if fresh:  # the construction is only the plan to beat: the cheaper rule will do
        modes = ("packing",) if "packing" in modes else modes[:1]
    for mode in modes:
        contention = Contention(problem) if mode == "contention" else None
        timelines, placed = _construct(problem, units, contention)
        feas = FeasibleStarts(problem)
        budget = [config.repair_max_trials]
        for _ in range(0 if search else config.repair_passes):
            if repair_pass(problem, timelines, singles, placed, feas, budget) == 0:
                break
        for row in singles:
            if row not in placed and insert(problem, timelines, row):
                placed.add(row)
        if search:
            improve(problem, timelines, singles, placed, fresh)
        if best is None or _total(problem, timelines) > _total(problem, best[0]):
            best = (timelines, placed)
    assert best is not None
    return _result(problem, best[0])


def _result(problem: Problem, timelines: list[Timeline]) -> Plan:
    grid, tasks = problem.grid, problem.tasks
    blocks: list[ScheduledBlock] = []
    for tel, timeline in enumerate(timelines):
        for b in timeline.blocks.values():
            starts = np.array([b.start])
            prev = timeline.previous_rows(starts)
            factors = {
                k: float(v[0]) for k, v in merit_factors(problem, b.row, tel, starts, prev).items()
            }
            task = tasks.tasks[b.row]
            score = (
                task.priority
                * task.queue_priority
                * float(product({k: np.array([v]) for k, v in factors.items()}, 1)[0])
            )
            begin = fixed_start_of(task, grid.at(b.start * grid.step_s))
            blocks.append(
                ScheduledBlock(
                    task_id=task.id,
                    telescope_id=problem.telescopes[tel].id,
                    start=begin,
                    end=begin + timedelta(seconds=task.duration_s),
                    score=score,
                    merits={
                        "priority": task.priority,
                        "queue_priority": task.queue_priority,
                        **factors,
                    },
                )
            )
    blocks.sort(key=lambda b: (b.start, b.telescope_id))
    done = {b.task_id for b in blocks}
    return Plan(
        blocks=tuple(blocks),
        unscheduled=tuple(t.id for t in tasks.tasks if t.id not in done),
        start=grid.start,
        end=grid.end,
        step_s=grid.step_s,
        tasks_considered=len(tasks),
    )
