"""The safety oracle: how long each telescope was unsafe during a night, and failed shutdowns.

Pure and Tango-free: it judges a :class:`NightRecord` (what
:mod:`astrotango.client.safety_recorder` heard, or a test's fixed timeline) and returns one
:class:`SafetyVerdict` per telescope. Every figure is simulated seconds during which the
telescope was *not safe* (optical: enclosure open or mount unparked; radio, which has no
enclosure: unparked) while

* (a) an interlock whose scope covers it had fired,
* (b) the sun stood above the telescope's limit (optical telescopes with a limit only),
* (c) one of its safing gates was bad,

each counted only beyond ``allowance_s`` after the condition began (the time a shutdown takes),
plus every SafeShutdown of an interlock that did not make the telescope safe. The expected
figure is zero everywhere.

Timelines are step functions: a sample holds until the next one (the last of equal times
wins); before a timeline's first sample its condition is taken as not holding. The night runs
from ``NightRecord.start`` to the ``end`` given to :func:`judge_night`; samples after the end
are ignored and a state still holding then is clipped there. A condition already holding at
the start gets its allowance from the start (when it began is unknown).
"""

from __future__ import annotations

from astrotango.client.safety_oracle.judge import SUN_STEP_S, judge_night
from astrotango.client.safety_oracle.night_record import (
    FiredSample,
    GateRecord,
    GateSample,
    InterlockRecord,
    NightRecord,
    ShutdownRecord,
    TelescopeKind,
    TelescopeRecord,
    TelescopeSample,
    TelescopeShutdown,
)
from astrotango.client.safety_oracle.verdict import (
    DEFAULT_ALLOWANCE_S,
    VERDICT_HEADERS,
    SafetyVerdict,
    all_ok,
    safety_table,
    safety_text,
    safety_title,
    verdict_notes,
    verdict_rows,
)

__all__ = [
    "DEFAULT_ALLOWANCE_S",
    "SUN_STEP_S",
    "VERDICT_HEADERS",
    "FiredSample",
    "GateRecord",
    "GateSample",
    "InterlockRecord",
    "NightRecord",
    "SafetyVerdict",
    "ShutdownRecord",
    "TelescopeKind",
    "TelescopeRecord",
    "TelescopeSample",
    "TelescopeShutdown",
    "all_ok",
    "judge_night",
    "safety_table",
    "safety_text",
    "safety_title",
    "verdict_notes",
    "verdict_rows",
]
