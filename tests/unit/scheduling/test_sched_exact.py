"""The benchmark's exact MILP (``bench/scheduler/exact.py``) on tiny workloads.

Its optimum must lie between the planner's quality (every plan is a point of the MILP)
and ``bound.py``'s fractional knapsack. ``highspy`` is the optional extra ``bench``, not
part of ``test``: without it these tests skip.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from astrotango.scheduling import plan_workload

pytest.importorskip(
    "highspy", reason="highspy not installed (optional extra: pip install -e .[bench])"
)

BENCH = Path(__file__).resolve().parents[3] / "bench" / "scheduler"


def _load(name: str) -> ModuleType:
    path = BENCH / f"{name}.py"
    if not path.exists():
        pytest.skip(f"bench/scheduler/{name}.py not available")
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_scheduler_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("n_tasks", "n_telescopes"), [(5, 1), (6, 2)])
def test_milp_optimum_between_planner_and_bound(n_tasks: int, n_telescopes: int) -> None:
    exact, bound = _load("exact"), _load("bound")
    doc = _load("workloads").generate(n_tasks, n_telescopes, seed=1)
    blocks = plan_workload(doc)["blocks"]
    planned = bound.quality(doc, blocks)
    ub = bound.upper_bound(doc)

    model = exact.build_model(doc)
    point = exact.plan_point(model, blocks)
    assert point is not None and exact.is_feasible(model, point)  # the plan is a MILP point
    milp = exact.solve(model, integer=True, time_limit=60.0)
    lp = exact.solve(model, integer=False, time_limit=60.0)

    assert milp["status"] == "Optimal"
    assert milp["x"] is not None and exact.is_feasible(model, milp["x"])
    assert planned > 0.0
    assert milp["best"] >= planned - 1e-6
    assert milp["best"] <= ub + 1e-6
    assert milp["dual_bound"] <= lp["value"] + 1e-6 * ub
    assert bound.quality(doc, exact.blocks_of(model, milp["x"])) == pytest.approx(milp["best"])
