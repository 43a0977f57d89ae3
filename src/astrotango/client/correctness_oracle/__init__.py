"""The correctness oracle: did the night do what the observations asked, as the rules say?

It reads the store after the night (:func:`read_night`; Tango-free) and checks, each rule
independently of the code that made the decisions:

* fixed time: every run of a fixed-time task started within its tolerance of its fixed
  time (plus one dispatcher tick);
* parallel pairs: the copies of a ``parallel`` or ``parallel_synchronized`` position ran
  at the same time, on distinct telescopes;
* sync groups: every start of a sync group's member was matched by each other member's
  within the sync tolerance;
* window ends: no run and no exposure ended after the window it was held to;
* runs end with their observation: no run started after its observation ended, and none
  ran on more than a tick past that end;
* sky constraints: every run start and exposure start satisfied the task's constraints
  (altitude, airmass, horizon limit, moon, twilight), computed with plain astropy;
* lifecycle histories: every observation's and task's history is a path of the lifecycle
  tables, each edge caused by an actor it allows.

The expected figure is zero violations; the table names each one (ids, times, values).
"""

from __future__ import annotations

from astrotango.client.correctness_oracle.facts import (
    Exposure,
    NightFacts,
    ObservationFacts,
    TaskFacts,
    TaskRun,
    read_night,
)
from astrotango.client.correctness_oracle.judge import judge_correctness, judge_store
from astrotango.client.correctness_oracle.sky import Mount
from astrotango.client.correctness_oracle.verdict import (
    DEFAULT_MARGIN_DEG,
    DEFAULT_SYNC_TOLERANCE_S,
    DEFAULT_TICK_S,
    RULE_HEADERS,
    Allowances,
    CorrectnessVerdict,
    RuleResult,
    Violation,
    correctness_table,
    correctness_text,
    correctness_title,
)

__all__ = [
    "DEFAULT_MARGIN_DEG",
    "DEFAULT_SYNC_TOLERANCE_S",
    "DEFAULT_TICK_S",
    "RULE_HEADERS",
    "Allowances",
    "CorrectnessVerdict",
    "Exposure",
    "Mount",
    "NightFacts",
    "ObservationFacts",
    "RuleResult",
    "TaskFacts",
    "TaskRun",
    "Violation",
    "correctness_table",
    "correctness_text",
    "correctness_title",
    "judge_correctness",
    "judge_store",
    "read_night",
]
