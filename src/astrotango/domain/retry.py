"""What follows a failed task: a retry, or the end of the observation's run (mission/001).

A pure decision, from the facts the controller holds when a task fails:

=====================================  ==========================================
the observation allows reassignment,   retry: the task goes back to pending (the
fewer failures than the policy's       Scheduler may give it another telescope)
retry limit, its cancel_on not passed
reassignment not allowed               give up: the observation (run) fails
the retry limit reached                give up
cancel_on passed                       give up: nothing may be started after it
=====================================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["RetryDecision", "after_failure"]


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """``retry``: the task goes back to pending; else the observation's run fails.

    ``reason`` is the transition's reason either way.
    """

    retry: bool
    reason: str


def after_failure(
    *,
    error: str,
    failures: int,
    retry_limit: int,
    allow_reassignment: bool,
    cancel_on: datetime | None,
    now: datetime,
) -> RetryDecision:
    """Decide what follows a task's ``failures``-th failure (this one counted).

    Args:
        error: Why it failed (kept in the reason).
        failures: How many times the task has failed, this time included.
        retry_limit: The queue's policy's failures per task allowed.
        allow_reassignment: The observation's ``allow_reassignment``.
        cancel_on: The observation's ``cancel_on``, if any.
        now: When it failed.
    """
    if not allow_reassignment:
        return RetryDecision(False, f"{error} (reassignment not allowed)")
    if cancel_on is not None and now >= cancel_on:
        return RetryDecision(False, f"{error} (cancel_on {cancel_on.isoformat()} passed)")
    if failures >= retry_limit:
        return RetryDecision(False, f"{error} (retry limit {retry_limit} reached)")
    return RetryDecision(True, f"retry {failures + 1} of {retry_limit} after: {error}")
