"""Exact time-indexed MILP on the planner's own feasibility masks: how loose is ``bound.py``?

Run from the repository root (needs the optional extra ``bench``: ``pip install -e .[bench]``,
i.e. ``highspy``)::

    .venv/bin/python bench/scheduler/exact.py --workload gen-n100 [--seed 1] [--time-limit 200]

The problem is built exactly as ``bound.py``'s individually-feasible check builds it:
``parse_workload`` then ``build_problem(..., PlannerConfig(margin_deg=0.0))``. For every
telescope ``k`` the allowed starts of task ``i`` are the planner's own mask (as
``Sequences`` builds it): ``site.start_ok[i] & scope.start_by_slots[slots[i]] &
scope.task_ok[i]``, i.e. every site gate (altitude, airmass, twilight, moon, window,
cadence...) holds at every sample the block covers, both ends included. A block starting
at sample ``s`` of ``slots[i] = ceil(duration / step)`` steps occupies the steps ``s ..
s + slots - 1`` (step ``j`` spans samples ``j`` and ``j + 1``, ``timeline.Timeline``); two
blocks may share a boundary sample, so the next block may start at ``s + slots``.

Model::

    x[i, k, s] in {0, 1}           for each allowed start s of task i on telescope k
    sum_{k, s} x[i, k, s] <= 1     each task at most once
    sum of x[i, k, s] with s <= j < s + slots[i]  <=  1
                                   per telescope k and step j: no two blocks overlap
    maximise sum priority[i] * duration_s[i] * x[i, k, s]

The planner has no changeover or slew time: slews are only a soft merit (``merits.slew``),
which chooses start times and never enters the benchmark's quality, so the blocks of a
plan may abut and the overlap rows above are exactly the planner's occupancy rule. Tasks
the planner never plans (``max_per_night`` reached, incomplete synchronized groups) are
left out as ``planner._units`` leaves them out. A synchronized group (``sync_group``) is
modelled as ``place_group`` plans it: one binary ``z[g, s]`` per common start ``s`` with
``sum_k x[i, k, s] = z[g, s]`` for every member ``i`` (all members at one start or none;
distinct telescopes follow from the overlap rows). ``peerbench-workload/1`` documents
cannot express groups or parallel pairs, so gen-n100 (and every benchmark workload) has
none; the count is printed.

What it relaxes: only the safety margin. The planner plans with ``margin_deg = 0.02``
(every angular limit tightened by 0.02 deg); the MILP, like ``bound.py``, uses margin 0,
whose masks contain the planner's (every gate is monotone in the margin). Every plan the
planner can return is therefore a feasible point of this MILP (checked on the planner's
actual plan, below), so the MILP optimum, and its dual bound at any time limit, is a valid
UPPER bound on the planner's quality. It is at most ``bound.py``'s fractional knapsack
(which also drops the telescope's time structure) up to the difference between the
planner's sun model and astropy's at the -12 deg line.

Printed, each as a fraction of ``bound.upper_bound``: the LP relaxation (x in [0, 1]),
the MILP's dual bound (no plan on these masks is better) and its best solution found,
and the planner's own q/UB by ``run.py``'s code path (``run._ours``, median of three
runs, and ``run._summary``). HiGHS runs on one thread; with a time limit the figures
depend on the machine's speed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bound import quality, upper_bound  # noqa: E402
from workloads import generate  # noqa: E402

from astrotango.scheduling import PlannerConfig, parse_workload  # noqa: E402
from astrotango.scheduling.planner import _units  # noqa: E402
from astrotango.scheduling.problem import Problem, build_problem  # noqa: E402
from astrotango.scheduling.workload import parse_time  # noqa: E402

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Model:
    """The MILP in column form, with what each column means.

    Attributes:
        problem: The planning problem (margin 0).
        row: Task row of each x column.
        tel: Telescope of each x column.
        start: Start sample of each x column.
        n_z: Number of sync-group start columns (they follow the x columns).
        cost: Objective coefficient per column (x then z).
        col_start, index, value: Column-wise sparse matrix (CSC).
        row_upper, row_lower: Row bounds.
        n_sync_groups: Synchronized groups modelled.
    """

    problem: Problem
    row: Ints
    tel: Ints
    start: Ints
    n_z: int
    cost: NDArray[np.float64]
    col_start: Ints
    index: Ints
    value: NDArray[np.float64]
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    n_sync_groups: int

    @property
    def n_cols(self) -> int:
        """Columns (x and z)."""
        return int(self.cost.size)

    @property
    def n_rows(self) -> int:
        """Rows."""
        return int(self.row_upper.size)


def load_workload(name: str, seed: int) -> dict[str, Any]:
    """``gen-n<N>`` (one telescope, as ``run.py``), ``gen-n<N>-t<K>``, or a JSON file path."""
    m = re.fullmatch(r"gen-n(\d+)(?:-t(\d+))?", name)
    if m:
        return generate(int(m.group(1)), int(m.group(2) or 1), seed=seed)
    doc: dict[str, Any] = json.loads(Path(name).read_text())
    return doc


def build_model(workload: dict[str, Any]) -> Model:
    """The time-indexed MILP of ``workload`` on the planner's masks (margin 0, as ``bound.py``)."""
    w = parse_workload(workload)
    config = PlannerConfig(margin_deg=0.0)
    return model_of(build_problem(w.tasks, w.telescopes, w.start, w.end, config))


def model_of(problem: Problem) -> Model:
    """The time-indexed MILP of a prepared problem, on its own masks."""
    tasks = problem.tasks
    n_t = problem.grid.n
    n_steps = n_t - 1
    n_tel = len(problem.telescopes)
    units = _units(problem)
    rows_used = sorted(r for u in units for r in u)
    groups = [u for u in units if len(u) > 1]
    slots = tasks.slots.astype(np.int64)
    weight = tasks.priority * np.array([t.duration_s for t in tasks.tasks])

    # x columns: (task row, telescope, start) for every allowed start, as Sequences does
    idx = np.arange(n_t)
    parts: list[tuple[Ints, Ints, Ints]] = []
    use = np.zeros(len(tasks), dtype=bool)
    use[rows_used] = True
    for k in range(n_tel):
        site = problem.sites[problem.site_of[k]]
        scope = problem.scopes[k]
        by_slots = np.stack([scope.start_by_slots[int(s)] for s in tasks.slots])
        ok = site.start_ok & by_slots & scope.task_ok[:, None] & use[:, None]
        r, s = np.nonzero(ok)
        parts.append((r.astype(np.int64), np.full(r.size, k, dtype=np.int64), idx[s]))
    row = np.concatenate([p[0] for p in parts])
    tel = np.concatenate([p[1] for p in parts])
    start = np.concatenate([p[2] for p in parts]).astype(np.int64)
    # a group member may only start where every member of its group can start
    common: list[NDArray[np.bool_]] = []
    for g in groups:
        both = np.ones(n_t, dtype=bool)
        for i in g:
            has = np.zeros(n_t, dtype=bool)
            has[start[row == i]] = True
            both &= has
        common.append(both)
        keep = ~np.isin(row, g) | both[start]
        row, tel, start = row[keep], tel[keep], start[keep]
    n_x = row.size
    d = slots[row]
    assert np.all(start + d <= n_steps), "a block runs past the grid"

    # rows: one per task (at most once), then one per (telescope, step), then the sync rows
    task_row = np.full(len(tasks), -1, dtype=np.int64)
    task_row[rows_used] = np.arange(len(rows_used))
    n_fixed_rows = len(rows_used) + n_tel * n_steps
    cover_col = np.repeat(np.arange(n_x), d)
    offs = np.arange(cover_col.size) - np.repeat(np.cumsum(d) - d, d)
    cover_row = len(rows_used) + tel[cover_col] * n_steps + start[cover_col] + offs
    coo_c = [np.arange(n_x), cover_col]
    coo_r = [task_row[row], cover_row]
    coo_v = [np.ones(n_x), np.ones(cover_col.size)]

    # sync groups: z[g, s] per common start s; sum_k x[i, k, s] - z[g, s] = 0 per member
    n_z = 0
    next_row = n_fixed_rows
    for g, both in zip(groups, common, strict=True):
        for s in np.flatnonzero(both):
            z = n_x + n_z
            n_z += 1
            for i in g:
                cols = np.flatnonzero((row == i) & (start == s))
                coo_c += [cols, np.array([z])]
                coo_r += [np.full(cols.size, next_row), np.array([next_row])]
                coo_v += [np.ones(cols.size), np.array([-1.0])]
                next_row += 1
    n_sync_rows = next_row - n_fixed_rows
    c = np.concatenate(coo_c)
    r = np.concatenate(coo_r)
    v = np.concatenate(coo_v)
    order = np.lexsort((r, c))
    n_cols = n_x + n_z
    col_start = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(np.bincount(c, minlength=n_cols), out=col_start[1:])
    return Model(
        problem=problem,
        row=row,
        tel=tel,
        start=start,
        n_z=n_z,
        cost=np.concatenate([weight[row], np.zeros(n_z)]),
        col_start=col_start,
        index=r[order],
        value=v[order],
        row_lower=np.concatenate([np.full(n_fixed_rows, -np.inf), np.zeros(n_sync_rows)]),
        row_upper=np.concatenate([np.ones(n_fixed_rows), np.zeros(n_sync_rows)]),
        n_sync_groups=len(groups),
    )


def activity(model: Model, x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row activities ``A x``."""
    col = np.repeat(np.arange(model.n_cols), np.diff(model.col_start))
    out: NDArray[np.float64] = np.bincount(
        model.index, weights=model.value * x[col], minlength=model.n_rows
    )
    return out


def is_feasible(model: Model, x: NDArray[np.float64], tol: float = 1e-6) -> bool:
    """``x`` is 0/1 and satisfies every row."""
    a = activity(model, x)
    binary = bool(np.all(np.minimum(np.abs(x), np.abs(x - 1.0)) <= tol))
    rows_ok = bool(np.all(a <= model.row_upper + tol) and np.all(a >= model.row_lower - tol))
    return binary and rows_ok


def plan_point(model: Model, blocks: list[dict[str, Any]]) -> NDArray[np.float64] | None:
    """The 0/1 point of a plan (``plan_workload`` blocks); None if a block has no column."""
    problem = model.problem
    rows = {t.id: i for i, t in enumerate(problem.tasks.tasks)}
    tels = {t.id: k for k, t in enumerate(problem.telescopes)}
    col = {
        (int(r), int(k), int(s)): j
        for j, (r, k, s) in enumerate(zip(model.row, model.tel, model.start, strict=True))
    }
    x = np.zeros(model.n_cols)
    for b in blocks:
        off = problem.grid.offset_s(parse_time(b["start"])) / problem.grid.step_s
        s = round(off)
        if abs(off - s) > 1e-6:
            return None
        j = col.get((rows[b["id"]], tels[b["telescope"]], s))
        if j is None:
            return None
        x[j] = 1.0
    if model.n_z:  # z[g, s] = 1 where the group's members start at s (their rows then hold)
        a = activity(model, x)
        for z in range(model.row.size, model.n_cols):
            zrows = model.index[model.col_start[z] : model.col_start[z + 1]]
            x[z] = float(np.all(a[zrows] > 0.5))
    return x


def _lp(model: Model, integer: bool) -> Any:
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.cost
    lp.col_lower_ = np.zeros(model.n_cols)
    lp.col_upper_ = np.ones(model.n_cols)
    inf = highspy.kHighsInf
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -inf, model.row_lower)
    lp.row_upper_ = model.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.col_start.astype(np.int32)
    lp.a_matrix_.index_ = model.index.astype(np.int32)
    lp.a_matrix_.value_ = model.value
    lp.sense_ = highspy.ObjSense.kMaximize
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * model.n_cols
    return lp


def solve(
    model: Model,
    integer: bool,
    time_limit: float = 200.0,
    threads: int = 1,
    log: bool = False,
) -> dict[str, Any]:
    """Solve the LP relaxation or the MILP with HiGHS; objective values are absolute."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("threads", threads)
    h.setOptionValue("time_limit", float(time_limit))
    h.passModel(_lp(model, integer))
    t0 = time.perf_counter()
    h.run()
    wall = time.perf_counter() - t0
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    out: dict[str, Any] = {"status": status, "wall_s": round(wall, 2)}
    if integer:
        has = info.primal_solution_status == 2 or (x.size == model.n_cols and is_feasible(model, x))
        out.update(
            best=float(info.objective_function_value) if has else None,
            dual_bound=float(info.mip_dual_bound),
            gap=float(info.mip_gap),
            nodes=int(info.mip_node_count),
            x=x if has else None,
        )
    else:
        out["value"] = float(info.objective_function_value)
    return out


def blocks_of(model: Model, x: NDArray[np.float64]) -> list[dict[str, Any]]:
    """The plan of a 0/1 point, as ``plan_workload`` blocks."""
    problem = model.problem
    grid, tasks = problem.grid, problem.tasks
    out = []
    for j in np.flatnonzero(x[: model.row.size] > 0.5):
        task = tasks.tasks[int(model.row[j])]
        begin = grid.at(int(model.start[j]) * grid.step_s)
        out.append(
            {
                "id": task.id,
                "telescope": problem.telescopes[int(model.tel[j])].id,
                "start": begin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "step": int(model.start[j]),
                "slots": int(tasks.slots[int(model.row[j])]),
            }
        )
    return sorted(out, key=lambda b: (b["telescope"], b["step"]))


def planner(workload: dict[str, Any], bound: float) -> dict[str, Any]:
    """The planner on ``workload`` by ``run.py``'s code path (median of three, checked)."""
    from run import _ours, _summary

    from astrotango.scheduling import warm_up

    warm_up()
    result = _ours(workload)
    row = _summary(workload, result, bound)
    row["blocks_list"] = result["blocks"]
    return row


def evaluate(
    workload: dict[str, Any],
    time_limit: float = 200.0,
    threads: int = 1,
    log: bool = False,
) -> dict[str, Any]:
    """Everything ``main`` prints, as a dict (values absolute and as fractions of the UB)."""
    t0 = time.perf_counter()
    ub = upper_bound(workload)
    model = build_model(workload)
    build_s = time.perf_counter() - t0
    ours = planner(workload, ub)
    point = plan_point(model, ours.pop("blocks_list"))
    planner_feasible = point is not None and is_feasible(model, point)
    lp = solve(model, integer=False, time_limit=time_limit, threads=threads, log=log)
    milp = solve(model, integer=True, time_limit=time_limit, threads=threads, log=log)
    x = milp.pop("x")
    if x is not None:  # re-check HiGHS's incumbent; its value, recomputed exactly
        assert is_feasible(model, x), "HiGHS returned an infeasible incumbent"
        best = quality(workload, blocks_of(model, x))
        assert abs(best - milp["best"]) < 1e-6 * max(1.0, ub)
        milp["best"] = best

    def frac(v: float | None) -> float | None:
        return None if v is None or not ub else round(v / ub, 4)

    return {
        "tasks": len(workload["tasks"]),
        "telescopes": len(workload["telescopes"]),
        "upper_bound": ub,
        "columns": int(model.row.size),
        "rows": model.n_rows,
        "nonzeros": int(model.index.size),
        "sync_groups": model.n_sync_groups,
        "build_s": round(build_s, 2),
        "lp": {**lp, "vs_bound": frac(lp["value"])},
        "milp": {
            **milp,
            "best_vs_bound": frac(milp["best"]),
            "dual_bound_vs_bound": frac(milp["dual_bound"]),
        },
        "planner": {**ours, "plan_is_milp_feasible": planner_feasible},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="gen-n100", help="gen-n<N>[-t<K>] or a JSON path")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (run.py: 1)")
    ap.add_argument("--time-limit", type=float, default=200.0, help="per solve, seconds")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads")
    ap.add_argument("--log", action="store_true", help="show HiGHS's log")
    args = ap.parse_args()
    doc = load_workload(args.workload, args.seed)
    t0 = time.perf_counter()
    out = evaluate(doc, args.time_limit, args.threads, args.log)
    out = {"workload": args.workload, "seed": args.seed, "time_limit_s": args.time_limit, **out}
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=1))
    lp, milp, ours = out["lp"], out["milp"], out["planner"]
    print(
        f"{args.workload} (seed {args.seed}): UB {out['upper_bound']:.0f}; "
        f"{out['columns']} columns, {out['rows']} rows, {out['sync_groups']} sync groups\n"
        f"  LP relaxation        {lp['vs_bound']}  ({lp['status']}, {lp['wall_s']} s)\n"
        f"  MILP dual bound      {milp['dual_bound_vs_bound']}  "
        f"({milp['status']}, {milp['wall_s']} s, gap {milp['gap']:.4f}, {milp['nodes']} nodes)\n"
        f"  MILP best solution   {milp['best_vs_bound']}\n"
        f"  planner q/UB         {ours['quality_vs_bound']}  ({ours['wall_s']} s, "
        f"{ours['violating_blocks']} violating; its plan is a MILP point: "
        f"{ours['plan_is_milp_feasible']})\n"
        f"  wall {out['wall_s']} s"
    )


if __name__ == "__main__":
    main()
