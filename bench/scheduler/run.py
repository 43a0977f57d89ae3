"""Scheduler benchmark: astrotango vs astroplan's PriorityScheduler, and the scale run.

Run from the repository root::

    .venv/bin/python bench/scheduler/run.py --quick     # astroplan only up to N = 100
    .venv/bin/python bench/scheduler/run.py             # astroplan at every N (~5 min)
    .venv/bin/python bench/scheduler/run.py --no-scale  # comparison only

One telescope (La Palma, night of 2026-12-15), N = 25, 50, 100, 200, 400 from
``workloads.generate`` (seed 1) plus the shipped ``sample-n200-t1.json``; 60 s resolution.
Every block of both plans is checked by ``check.py`` (plain astropy). Quality is
sum(priority x duration_s); the bound is described in ``bound.py``. astrotango's wall time
excludes imports and the one-time astropy warm-up (``warm_up()``), as the CLI reports it;
astroplan's excludes its imports and Observer construction. Scale: 10,000 tasks on 20
telescopes at 4 sites over 24 h, each size in a fresh process (peak RSS by ru_maxrss),
and the growth exponent of the wall time over N = 1000, 2000, 5000, 10000.
Prints a JSON summary and a table; writes ``bench/results/scheduler-*.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bound import quality, upper_bound  # noqa: E402
from check import check_plan  # noqa: E402
from workloads import generate  # noqa: E402

from astrotango.scheduling import plan_workload, warm_up  # noqa: E402

SIZES = [25, 50, 100, 200, 400]
SCALE_SIZES = [1000, 2000, 5000, 10000]
SAMPLE = Path("/work/shared/bench/sample-n200-t1.json")


def _ours(doc: dict[str, Any], repeats: int = 3) -> dict[str, Any]:
    runs = [plan_workload(doc) for _ in range(repeats)]
    assert all(r["blocks"] == runs[0]["blocks"] for r in runs), "non-deterministic plan"
    return {"blocks": runs[0]["blocks"], "wall_s": statistics.median(r["wall_s"] for r in runs)}


def _summary(doc: dict[str, Any], result: dict[str, Any], bound: float) -> dict[str, Any]:
    report = check_plan(doc, result["blocks"])
    q = quality(doc, result["blocks"])
    return {
        "wall_s": round(result["wall_s"], 4),
        "blocks": len(result["blocks"]),
        "violating_blocks": report["violating_blocks"],
        "overlaps": report["overlaps"],
        "duplicates": report["duplicate_tasks"],
        "quality": q,
        "quality_vs_bound": round(q / bound, 4) if bound else None,
    }


def compare(quick: bool) -> list[dict[str, Any]]:
    """astrotango vs astroplan on one telescope at every size."""
    cases: list[tuple[str, dict[str, Any]]] = [(f"gen-n{n}", generate(n, 1, seed=1)) for n in SIZES]
    if SAMPLE.exists():
        cases.insert(4, ("sample-n200", json.loads(SAMPLE.read_text())))
    rows = []
    for name, doc in cases:
        n = len(doc["tasks"])
        bound = upper_bound(doc)
        row: dict[str, Any] = {"workload": name, "n": n, "upper_bound": bound}
        row["astrotango"] = _summary(doc, _ours(doc), bound)
        if quick and n > 100:
            row["astroplan"] = None
        else:
            from peers import run_astroplan

            row["astroplan"] = _summary(doc, run_astroplan(doc), bound)
            row["speedup"] = round(row["astroplan"]["wall_s"] / row["astrotango"]["wall_s"], 1)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def scale_child(n: int, check: bool) -> None:
    """Plan one scale workload in this (fresh) process and print a JSON line."""
    doc = generate(n, 20, seed=1)
    warm_up()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = plan_workload(doc)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line: dict[str, Any] = {
        "n": n,
        "telescopes": 20,
        "sites": 4,
        "wall_s": round(out["wall_s"], 3),
        "peak_rss_mb": round(rss / 1024, 1),
        "rss_before_plan_mb": round(rss_before / 1024, 1),
        "blocks": len(out["blocks"]),
    }
    if check:
        t0 = time.perf_counter()
        report = check_plan(doc, out["blocks"])
        line.update(
            violating_blocks=report["violating_blocks"],
            overlaps=report["overlaps"],
            duplicates=report["duplicate_tasks"],
            check_s=round(time.perf_counter() - t0, 1),
            quality_vs_bound=round(quality(doc, out["blocks"]) / upper_bound(doc), 4),
        )
    print(json.dumps(line))


def scale() -> dict[str, Any]:
    """Each scale size in a fresh interpreter; growth exponent by a log-log least squares."""
    runs = []
    for n in SCALE_SIZES:
        cmd = [sys.executable, __file__, "--scale-child", str(n)]
        if n == SCALE_SIZES[-1]:
            cmd.append("--check")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    xs = [math.log(r["n"]) for r in runs]
    ys = [math.log(r["wall_s"]) for r in runs]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return {"runs": runs, "time_exponent": round(slope, 2)}


def table(rows: list[dict[str, Any]], sc: dict[str, Any] | None) -> str:
    """The human table."""
    head = (
        f"{'workload':<12} {'N':>4} | {'ours s':>7} {'q/UB':>6} {'viol':>4} | "
        f"{'astroplan s':>11} {'q/UB':>6} {'viol':>4} | {'speedup':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        a, p = r["astrotango"], r["astroplan"]
        ps = (
            f"{p['wall_s']:>11.2f} {p['quality_vs_bound']:>6.3f} {p['violating_blocks']:>4}"
            if p
            else f"{'skipped':>11} {'':>6} {'':>4}"
        )
        sp = f"{r['speedup']:>7.0f}x" if p else f"{'':>8}"
        ours = f"{a['wall_s']:>7.3f} {a['quality_vs_bound']:>6.3f} {a['violating_blocks']:>4}"
        lines.append(f"{r['workload']:<12} {r['n']:>4} | {ours} | {ps} | {sp}")
    if sc:
        lines.append("")
        lines.append(f"scale (20 telescopes, 4 sites, 24 h): time exponent {sc['time_exponent']}")
        for r in sc["runs"]:
            extra = (
                f", violating {r['violating_blocks']}, q/UB {r['quality_vs_bound']}"
                if "violating_blocks" in r
                else ""
            )
            lines.append(
                f"  N={r['n']:>6}: {r['wall_s']:>6.2f} s, peak RSS {r['peak_rss_mb']:>7.1f} MB, "
                f"{r['blocks']} blocks{extra}"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip astroplan above N = 100")
    ap.add_argument("--no-scale", action="store_true", help="skip the scale run")
    ap.add_argument("--scale-only", action="store_true", help="only the scale run")
    ap.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.scale_child:
        scale_child(args.scale_child, args.check)
        return
    warm_up()
    rows = [] if args.scale_only else compare(args.quick)
    sc = None if args.no_scale else scale()
    summary = {"quick": args.quick, "comparison": rows, "scale": sc}
    print(json.dumps(summary, indent=1))
    print(table(rows, sc))
    results = HERE.parent / "results"
    results.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (results / f"scheduler-{stamp}.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
