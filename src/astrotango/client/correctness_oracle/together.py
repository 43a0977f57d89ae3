"""Copies that run together: parallel pairs overlap on two telescopes, sync groups start as one.

The copies of one position (same observation, request, iterations, tile and sweep element;
a different instrument index) of a ``parallel`` or ``parallel_synchronized`` request form a
group. Within each window (a monitoring series has one per run) every two copies' last runs
(the run whose result stands) must overlap in time, on two telescopes; a copy that never ran
in that window is not paired. A sync group's every start must be matched by a start of each
other member within the sync tolerance: no member ever starts alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import combinations

from astrotango.client.correctness_oracle.facts import NightFacts, TaskFacts, TaskRun
from astrotango.client.correctness_oracle.verdict import Allowances, RuleResult, Violation
from astrotango.domain import AssignmentMode

__all__ = ["PARALLEL_RULE", "SYNC_RULE", "parallel_pairs", "sync_groups"]

PARALLEL_RULE = "parallel pairs"
SYNC_RULE = "sync groups"
_PARALLEL = (AssignmentMode.PARALLEL, AssignmentMode.PARALLEL_SYNCHRONIZED)


def parallel_pairs(night: NightFacts, allowances: Allowances) -> RuleResult:
    """Every two copies' last runs in each window overlapped, on distinct telescopes."""
    del allowances  # overlap is exact: any shared instant
    checked, found = 0, []
    for observation in night.observations:
        groups: dict[tuple[int, ...], list[TaskFacts]] = {}
        for task in observation.tasks:
            spec = task.spec
            if spec.assignment_mode in _PARALLEL and spec.request.instruments > 1:
                groups.setdefault(tuple(spec.position)[:-1], []).append(task)
        for copies in groups.values():
            last: dict[tuple[datetime, str], TaskRun] = {}
            for task in copies:
                for run in task.runs:  # oldest first: the last of each window stays
                    last[(observation.window_at(task, run.start)[0], task.id)] = run
            for window in sorted({w for w, _ in last}):
                ran = sorted((tid, run) for (w, tid), run in last.items() if w == window)
                for (a, run_a), (b, run_b) in combinations(ran, 2):
                    checked += 1
                    why = _apart(run_a, run_b, night.end)
                    if why:
                        found.append(Violation(f"{a} and {b}", why, max(run_a.start, run_b.start)))
    return RuleResult(PARALLEL_RULE, checked, tuple(found))


def _apart(a: TaskRun, b: TaskRun, night_end: datetime) -> str:
    """Why two runs did not run in parallel ('' if they did)."""
    spans = f"({_span(a, night_end)} on {a.telescope}, {_span(b, night_end)} on {b.telescope})"
    if a.telescope is None or a.telescope == b.telescope:
        return f"ran on one telescope {spans}"
    if a.start < b.until(night_end) and b.start < a.until(night_end):
        return ""
    return f"did not overlap {spans}"


def _span(run: TaskRun, night_end: datetime) -> str:
    end = "still running" if run.end is None else f"{run.until(night_end):%H:%M:%S}"
    return f"{run.start:%H:%M:%S}-{end}"


def sync_groups(night: NightFacts, allowances: Allowances) -> RuleResult:
    """Every start of a sync group's member matched by every other member's, within tolerance.

    One violation per group, naming the starts that were not matched.
    """
    tolerance = timedelta(seconds=allowances.sync_tolerance_s)
    checked, found = 0, []
    for observation in night.observations:
        groups: dict[str, list[TaskFacts]] = {}
        for task in observation.tasks:
            if task.spec.sync_group is not None:
                groups.setdefault(task.spec.sync_group, []).append(task)
        for group, members in sorted(groups.items()):
            names = sorted(task.id for task in members)
            starts = sorted((run.start, task.id) for task in members for run in task.runs)
            clusters = list(_clusters(starts, tolerance))
            checked += len(clusters)
            bad = [s for c in clusters if sorted(tid for _, tid in c) != names for s in c]
            if bad:
                text = ", ".join(f"{tid} {at:%H:%M:%S}" for at, tid in bad)
                text = f"members not started within {tolerance.total_seconds():g} s: {text}"
                never = [tid for tid in names if tid not in {t for _, t in starts}]
                if never:
                    text += f"; never started: {', '.join(never)}"
                found.append(Violation(group, text, bad[0][0]))
    return RuleResult(SYNC_RULE, checked, tuple(found))


def _clusters(
    starts: list[tuple[datetime, str]], tolerance: timedelta
) -> Iterable[list[tuple[datetime, str]]]:
    """Starts grouped greedily: each group spans at most ``tolerance`` from its first."""
    cluster: list[tuple[datetime, str]] = []
    for start in starts:
        if cluster and start[0] - cluster[0][0] > tolerance:
            yield cluster
            cluster = []
        cluster.append(start)
    if cluster:
        yield cluster
