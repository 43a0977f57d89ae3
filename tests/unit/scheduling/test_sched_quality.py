"""Plan quality on the benchmark's gen-n50 workload: at least 0.95 of the upper bound.

The workload generator, the bound and the independent astropy check are the benchmark's
own (``bench/scheduler``), loaded by path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from astrotango.scheduling import plan_workload

BENCH = Path(__file__).resolve().parents[3] / "bench" / "scheduler"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_scheduler_{name}", BENCH / f"{name}.py")
    if spec is None or spec.loader is None or not spec.origin or not Path(spec.origin).exists():
        pytest.skip(f"bench/scheduler/{name}.py not available")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen_n50() -> tuple[dict[str, Any], dict[str, Any]]:
    doc = _load("workloads").generate(50, 1, seed=1)
    return doc, plan_workload(doc)


def test_gen_n50_reaches_095_of_the_bound(gen_n50: tuple[dict[str, Any], dict[str, Any]]) -> None:
    doc, result = gen_n50
    bound = _load("bound")
    ratio = bound.quality(doc, result["blocks"]) / bound.upper_bound(doc)
    assert ratio >= 0.95


def test_gen_n50_plan_passes_the_independent_check(
    gen_n50: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    doc, result = gen_n50
    report = _load("check").check_plan(doc, result["blocks"])
    assert report["violating_blocks"] == 0, report["violations"]
    assert report["overlaps"] == 0
    assert report["duplicate_tasks"] == 0
