"""Explanations: which gate blocks a task and when it would next be possible, or why it scored.

Messages read like "airmass above 2 until 23:40 UTC", "moon closer than 30° all night",
"no telescope has a radio receiver", "outside its window (opens 2026-12-16T02:00:00Z)".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from astrotango.scheduling.config import PlannerConfig
from astrotango.scheduling.constraints import (
    BoolArray,
    CapabilityConstraint,
    Constraint,
    TimeWindowConstraint,
)
from astrotango.scheduling.context import EvalContext
from astrotango.scheduling.feasibility import block_starts
from astrotango.scheduling.grid import iso_z
from astrotango.scheduling.plan_result import Plan
from astrotango.scheduling.problem import Problem, build_problem
from astrotango.scheduling.task import SchedulableTask
from astrotango.scheduling.telescope import Telescope

__all__ = ["Explanation", "Reason", "explain_task"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One blocking condition.

    Attributes:
        constraint: Gate name (``"airmass"``, ``"moon_separation"``...) or ``"competition"``.
        telescope_id: The telescope it applies to (``None``: all of them).
        until: When it stops blocking (UTC), ``None`` when it blocks the whole horizon.
        message: The condition in words.
    """

    constraint: str
    telescope_id: str | None
    until: datetime | None
    message: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a task is or is not planned.

    Attributes:
        task_id: The task.
        scheduled: Whether the plan holds a block of it.
        reasons: Blocking conditions (empty when scheduled).
        next_possible: Earliest feasible start on any telescope (UTC), if any.
        merits: For a planned task, every factor of its score by name.
        message: Everything above in one human sentence.
    """

    task_id: str
    scheduled: bool
    reasons: tuple[Reason, ...]
    next_possible: datetime | None
    merits: dict[str, float] = field(default_factory=dict)
    message: str = ""


def _hm(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")


def _scheduled(task: SchedulableTask, plan: Plan) -> Explanation | None:
    block = plan.block_of(task.id)
    if block is None:
        return None
    factors = " x ".join(f"{k} {v:.3g}" for k, v in block.merits.items())
    msg = (
        f"scheduled on {block.telescope_id} {_hm(block.start)} to {_hm(block.end)}; "
        f"score {block.score:.3g} = {factors}"
    )
    return Explanation(task.id, True, (), block.start, dict(block.merits), msg)


def _gate_mask(problem: Problem, gate: Constraint, tel: int) -> BoolArray:
    sky = problem.sites[problem.site_of[tel]].sky
    telescope = problem.telescopes[tel] if gate.scope == "telescope" else None
    ctx = EvalContext(problem.grid, sky, problem.tasks, telescope, problem.config.margin_deg)
    m = np.broadcast_to(np.asarray(gate.mask(ctx), dtype=bool), (1, problem.grid.n))
    return np.array(m[0])


def _all_horizon(gate: Constraint, task: SchedulableTask, problem: Problem, site: str) -> str:
    grid = problem.grid
    if gate.name == "time_window" and task.fixed_start is not None:
        return f"{gate.describe(task)}: outside the horizon or its window"
    if gate.name == "time_window" and task.time_window is not None:
        opens, closes = task.time_window
        if opens >= grid.end or closes <= opens:
            return f"outside its window (opens {iso_z(opens)})"
        if closes <= grid.start:
            return f"outside its window (closed {iso_z(closes)})"
        return f"its window ({iso_z(opens)}..{iso_z(closes)}) is too short or never usable"
    if gate.name == "cadence" and task.cadence_next_eligible is not None:
        return f"not eligible by its cadence before {iso_z(task.cadence_next_eligible)}"
    if gate.name == "altitude":
        limit = max(0.0, task.constraints.min_altitude_deg)
        where = "the horizon" if limit <= 0.0 else f"{limit:g}° altitude"
        return f"never rises above {where} from {site}"
    return f"{gate.describe(task)} all night"


def _timed(gate: Constraint, task: SchedulableTask, mask: BoolArray, problem: Problem) -> Reason:
    grid = problem.grid
    ok = np.flatnonzero(mask)
    if not mask[0]:
        until = grid.at(float(ok[0]) * grid.step_s)
        return Reason(gate.name, None, until, f"{gate.describe(task)} until {_hm(until)}")
    bad = np.flatnonzero(~mask)
    since = grid.at(float(bad[0]) * grid.step_s)
    return Reason(gate.name, None, None, f"{gate.describe(task)} from {_hm(since)}")


def _at_fixed_time(
    task: SchedulableTask, problem: Problem, tel: int, masks: dict[str, BoolArray]
) -> list[Reason]:
    """The gates that fail somewhere in a fixed-time block's allowed interval."""
    assert task.fixed_start is not None
    tel_id = problem.telescopes[tel].id
    when = masks["time_window"] if "time_window" in masks else np.ones(problem.grid.n, bool)
    if not when.any():
        text = _all_horizon(TimeWindowConstraint(), task, problem, "")
        return [Reason("time_window", tel_id, None, text)]
    at = f"at its fixed time {_hm(task.fixed_start)}"
    return [
        Reason(name, tel_id, None, f"{gate.describe(task)} {at}")
        for gate in problem.config.constraints
        if (name := gate.name) in masks and name != "time_window" and not masks[name][when].all()
    ]


#: Gates answered once per task and telescope, whatever the time (asked before the others).
_PER_TELESCOPE_TASK = frozenset({"capability", "queue"})


def _blocked(task: SchedulableTask, problem: Problem) -> list[Reason]:
    gates = problem.config.constraints
    slots = problem.tasks.slots
    cap = next((g for g in gates if g.name == "capability"), None)
    capable = [
        j
        for j, t in enumerate(problem.telescopes)
        if cap is None or CapabilityConstraint.can_take(task, t)
    ]
    if not capable:
        msg = cap.describe(task) if cap else "no capable telescope"
        return [Reason("capability", None, None, msg)]
    reasons: list[Reason] = []
    for tel in capable:
        tel_id = problem.telescopes[tel].id
        site = problem.telescopes[tel].site.name
        if task.queue in problem.telescopes[tel].closed_queues:
            text = f"{tel_id} closed to queue {task.queue!r} (its policy's gates fail)"
            reasons.append(Reason("queue", tel_id, None, text))
            continue
        masks = {
            g.name: _gate_mask(problem, g, tel) for g in gates if g.name not in _PER_TELESCOPE_TASK
        }
        if task.fixed_start is not None:
            reasons.extend(_at_fixed_time(task, problem, tel, masks))
            continue
        whole = [g for g in gates if g.name in masks and not masks[g.name].any()]
        for g in whole:
            text = _all_horizon(g, task, problem, site)
            if g.name == "availability":
                text = f"{tel_id} unavailable for the whole horizon"
            reasons.append(Reason(g.name, tel_id, None, text))
        if whole:
            continue
        for g in gates:
            if g.name not in masks or masks[g.name].all():
                continue
            others = np.logical_and.reduce([m for k, m in masks.items() if k != g.name])
            if block_starts((others & masks[g.name])[None, :], slots).any():
                continue
            if block_starts(others[None, :], slots).any():
                r = _timed(g, task, masks[g.name], problem)
                reasons.append(Reason(r.constraint, tel_id, r.until, r.message))
        if not reasons or all(r.telescope_id != tel_id for r in reasons):
            for g in gates:
                if g.name in masks and not masks[g.name].all():
                    r = _timed(g, task, masks[g.name], problem)
                    reasons.append(Reason(r.constraint, tel_id, r.until, r.message))
    return reasons


def _first_start(problem: Problem) -> tuple[datetime, str] | None:
    best: tuple[int, str] | None = None
    for tel, t in enumerate(problem.telescopes):
        ok = np.flatnonzero(problem.starts(0, tel))
        if ok.size and (best is None or int(ok[0]) < best[0]):
            best = (int(ok[0]), t.id)
    if best is None:
        return None
    return problem.grid.at(best[0] * problem.grid.step_s), best[1]


def explain_task(
    task: SchedulableTask,
    telescopes: Sequence[Telescope],
    start: datetime,
    end: datetime,
    plan: Plan | None = None,
    config: PlannerConfig | None = None,
) -> Explanation:
    """Say why ``task`` is (not) in ``plan`` over the horizon ``[start, end]``.

    For a planned task: its telescope, times and merit breakdown. Otherwise each blocking
    gate per telescope with when it stops blocking, and the next feasible start if any.
    """
    if plan is not None:
        done = _scheduled(task, plan)
        if done is not None:
            return done
    problem = build_problem([task], telescopes, start, end, config or PlannerConfig())
    first = _first_start(problem)
    if first is not None:
        when, tel_id = first
        msg = f"possible from {_hm(when)} on {tel_id}, but its time went to higher-value tasks"
        if plan is None:
            msg = f"possible from {_hm(when)} on {tel_id}"
        reason = Reason("competition", tel_id, when, msg)
        return Explanation(task.id, False, (reason,), when, {}, msg)
    reasons = _blocked(task, problem)
    unique = list(dict.fromkeys(r.message for r in reasons))
    return Explanation(task.id, False, tuple(reasons), None, {}, "; ".join(unique))
