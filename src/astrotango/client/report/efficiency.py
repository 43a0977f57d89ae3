"""Science efficiency per telescope: time executing science over the time it could observe.

*Observable* time is when every gate the research policy puts on the telescope reads OK (the
observatory's weather and host gates and its own: the sun altitude for an optical telescope,
the mount's sun separation, a cooled camera's temperature) and no interlock covering it has
fired, judged from the night's safety samples (each holds until the next one). *Science* is
the time within it that a task other than a calibration ran on the telescope (parallel runs
count once). *Idle with work* is observable time with nothing running there while a task once
planned on that telescope waited (pending or scheduled, inside its window); each such spell
is put down to the reason of the waiting task's last transition ("planned on ...",
"interrupted: ..."), so an operator sees why a telescope that could observe did not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from astrotango.client.report.rows import (
    TaskRun,
    as_dicts,
    as_mapping,
    as_text,
    aware,
)
from astrotango.client.report.timelines import SafetySample

__all__ = ["EFFICIENCY_HEADERS", "Conditions", "Efficiency", "efficiencies", "efficiency_row"]

#: The columns of :func:`efficiency_row`.
EFFICIENCY_HEADERS = ("telescope", "observable", "science", "efficiency", "idle with work", "why")

_Spans = list[tuple[float, float]]
_WAITING = frozenset({"pending", "scheduled"})


@dataclass(frozen=True, slots=True)
class Conditions:
    """What must hold for a telescope to observe science: short device names."""

    gates: tuple[str, ...]
    interlocks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Efficiency:
    """One telescope's night, in simulated seconds."""

    telescope: str
    observable_s: float
    science_s: float
    idle_with_work_s: float
    #: (reason, seconds of idle observable time a task waited for it), largest first.
    idle_reasons: tuple[tuple[str, float], ...]

    @property
    def efficiency(self) -> float | None:
        """Science over observable time (None when the telescope could never observe)."""
        return self.science_s / self.observable_s if self.observable_s > 0 else None

    def as_dict(self) -> dict[str, Any]:
        """For ``night.json``."""
        return {
            "telescope": self.telescope,
            "observable_s": round(self.observable_s, 1),
            "science_s": round(self.science_s, 1),
            "efficiency": None if self.efficiency is None else round(self.efficiency, 4),
            "idle_with_work_s": round(self.idle_with_work_s, 1),
            "idle_reasons": [[r, round(s, 1)] for r, s in self.idle_reasons],
        }


def efficiencies(
    rows: Sequence[Mapping[str, Any]],
    runs: Sequence[TaskRun],
    samples: Sequence[SafetySample],
    conditions: Mapping[str, Conditions],
    end: datetime,
) -> list[Efficiency]:
    """Every telescope of ``conditions``'s efficiency over the sampled night (to ``end``)."""
    science_tasks = {
        str(t.get("id"))
        for r in rows
        for t in as_dicts(r.get("tasks"))
        if t.get("type") != "calibration"
    }
    stop = aware(end).timestamp()
    out = []
    for telescope, needs in conditions.items():
        observable = _observable(samples, needs, stop)
        own = [r for r in runs if r.telescope == telescope]
        busy = _union((r.start.timestamp(), r.end.timestamp()) for r in own)
        science = _union(
            (r.start.timestamp(), r.end.timestamp()) for r in own if r.task_id in science_tasks
        )
        idle = _minus(observable, busy)
        waits = _waiting(rows, telescope, stop)
        reasons = {
            reason: _measure(_intersect(idle, _union(spans))) for reason, spans in waits.items()
        }
        all_waits = _union(span for spans in waits.values() for span in spans)
        out.append(
            Efficiency(
                telescope,
                observable_s=_measure(observable),
                science_s=_measure(_intersect(observable, science)),
                idle_with_work_s=_measure(_intersect(idle, all_waits)),
                idle_reasons=tuple(
                    sorted(((r, s) for r, s in reasons.items() if s > 0), key=lambda x: -x[1])
                ),
            )
        )
    return out


def efficiency_row(e: Efficiency) -> tuple[str, ...]:
    """One telescope's line of the efficiency table (hours, per cent, the main reasons)."""
    ratio = "-" if e.efficiency is None else f"{100 * e.efficiency:.0f} %"
    why = "; ".join(f"{reason} {seconds / 3600:.1f} h" for reason, seconds in e.idle_reasons[:3])
    return (
        e.telescope,
        f"{e.observable_s / 3600:.1f} h",
        f"{e.science_s / 3600:.1f} h",
        ratio,
        f"{e.idle_with_work_s / 3600:.1f} h",
        why or "-",
    )


def _observable(samples: Sequence[SafetySample], needs: Conditions, stop: float) -> _Spans:
    ordered = sorted(samples, key=lambda s: s.at)
    spans = []
    for sample, after in zip(ordered, [*ordered[1:], None], strict=True):
        t0 = sample.at.timestamp()
        t1 = stop if after is None else after.at.timestamp()
        gates_ok = all(sample.gates.get(g) == "OK" for g in needs.gates)
        clear = not any(sample.interlocks.get(i) for i in needs.interlocks)
        if gates_ok and clear and t1 > t0:
            spans.append((t0, min(t1, stop)))
    return _union(spans)


def _waiting(rows: Sequence[Mapping[str, Any]], telescope: str, stop: float) -> dict[str, _Spans]:
    """Spells during which a task once planned on ``telescope`` waited, by their reason."""
    waits: dict[str, _Spans] = {}
    for row in rows:
        for task in as_dicts(row.get("tasks")):
            task_id = str(task.get("id"))
            history = sorted(
                as_dicts(as_mapping(row.get("task_history")).get(task_id)),
                key=lambda h: as_text(h.get("at")),
            )
            if not _planned_on(task, history, as_mapping(row.get("assignment_history")), telescope):
                continue
            window = (_stamp(task.get("window_start")), _stamp(task.get("window_end")))
            for h, following in zip(history, [*history[1:], None], strict=True):
                if str(h.get("to_status")) not in _WAITING:
                    continue
                t0 = max(_stamp(h.get("at")), window[0])
                t1 = min(stop if following is None else _stamp(following.get("at")), window[1])
                if t1 > t0:
                    reason = _reason(as_text(h.get("reason")))
                    waits.setdefault(reason, []).append((t0, t1))
    return waits


def _planned_on(
    task: Mapping[str, Any],
    history: Iterable[Mapping[str, Any]],
    assignments: Mapping[str, Any],
    telescope: str,
) -> bool:
    if task.get("telescope") == telescope:
        return True
    moved = as_dicts(assignments.get(str(task.get("id"))))
    if any(a.get("to_telescope") == telescope for a in moved):
        return True
    return any(telescope in as_text(h.get("reason")) for h in history)


def _reason(text: str) -> str:
    """A transition's reason without what differs from task to task (ids, times)."""
    head = text.split(" (")[0]
    return head.split(": ")[0] if head.startswith("interrupted") else head


def _stamp(value: object) -> float:
    return aware(datetime.fromisoformat(as_text(value))).timestamp()


def _union(spans: Iterable[tuple[float, float]]) -> _Spans:
    merged: _Spans = []
    for t0, t1 in sorted(s for s in spans if s[1] > s[0]):
        if merged and t0 <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], t1))
        else:
            merged.append((t0, t1))
    return merged


def _intersect(a: _Spans, b: _Spans) -> _Spans:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        t0, t1 = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if t1 > t0:
            out.append((t0, t1))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _minus(a: _Spans, b: _Spans) -> _Spans:
    out = []
    for t0, t1 in a:
        cursor = t0
        for s0, s1 in b:
            if s1 <= cursor or s0 >= t1:
                continue
            if s0 > cursor:
                out.append((cursor, s0))
            cursor = max(cursor, s1)
        if cursor < t1:
            out.append((cursor, t1))
    return out


def _measure(spans: _Spans) -> float:
    return sum(t1 - t0 for t0, t1 in spans)
