"""Every observation's and task's history is a path through its lifecycle, by allowed actors.

An observation's history opens with its creation (nothing -> pending); a task's starts from
pending (it is created with its observation, unrecorded). Each transition must leave the
state the previous one reached, be an edge of the lifecycle table
(:mod:`astrotango.domain.lifecycle`; the monitoring reset edges only for a monitoring
observation and its tasks) caused by an actor the edge allows, and the history must end
in the status the row holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from astrotango.client.correctness_oracle.facts import NightFacts
from astrotango.client.correctness_oracle.verdict import Allowances, RuleResult, Violation
from astrotango.domain import (
    IllegalTransition,
    ObservationStatus,
    TaskState,
    check_observation_transition,
    check_task_transition,
)
from astrotango.store import TransitionRecord

__all__ = ["RULE", "histories"]

RULE = "lifecycle histories"
_Check = Callable[..., None]


def histories(night: NightFacts, allowances: Allowances) -> RuleResult:
    """Every history a valid path of allowed edges and actors; one violation per entity."""
    del allowances  # a path is valid or not
    checked, found = 0, []
    for observation in night.observations:
        reset = observation.record.is_monitoring
        entities: list[tuple[str, str, Sequence[TransitionRecord], str | None, _Check]] = [
            (
                observation.id,
                observation.record.status,
                observation.transitions,
                None,
                check_observation_transition,
            )
        ]
        entities += [
            (t.id, t.record.status, t.transitions, TaskState.PENDING.value, check_task_transition)
            for t in observation.tasks
        ]
        for entity_id, status, transitions, initial, check in entities:
            checked += 1
            problem = _path_problem(transitions, initial, status, check, reset)
            if problem is not None:
                text, at = problem
                found.append(Violation(entity_id, text, at))
    return RuleResult(RULE, checked, tuple(found))


def _path_problem(
    transitions: Sequence[TransitionRecord],
    initial: str | None,
    status: str,
    check: _Check,
    reset: bool,
) -> tuple[str, datetime | None] | None:
    """The first thing wrong with one history, or None."""
    steps = list(transitions)
    if initial is None:  # an observation: its creation comes first
        if not steps or steps[0].from_status is not None:
            return "its history does not open with its creation", None
        first = steps.pop(0)
        if first.to_status != ObservationStatus.PENDING:
            return f"created {first.to_status}, not pending ({_step(first)})", first.at
        initial = first.to_status
    at = initial
    for step in steps:
        if step.from_status != at:
            return f"{_step(step)} leaves {step.from_status}, but it was {at}", step.at
        try:
            check(step.from_status, step.to_status, step.actor, monitoring_reset_allowed=reset)
        except IllegalTransition as exc:
            return f"{exc} (at {step.at:%H:%M:%S})", step.at
        except ValueError as exc:  # an unknown status or actor
            return f"{_step(step)}: {exc}", step.at
        at = step.to_status
    if at != status:
        return f"its history ends in {at}, but its row says {status}", None
    return None


def _step(step: TransitionRecord) -> str:
    return f"{step.from_status} -> {step.to_status} by {step.actor} at {step.at:%H:%M:%S}"
