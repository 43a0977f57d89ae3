"""The interlock's trigger rules, pure: a constraint snapshot's verdict, and when it is unsafe.

The trigger reads *unsafe* when it is TRIGGERED, or UNKNOWN on a fail-safe interlock once it
has been judged at least once since start (its source was lost or went unreadable). Before any
verdict it is blind, not unsafe, as :mod:`astrotango.domain.constraints.interlock` says of
start-up. While the trigger reads unsafe an interlock cannot be disabled or disarmed.

Reset needs a CLEAR trigger whenever the interlock is fail safe or armed, and is refused while
it is TRIGGERED in every case (a disarmed interlock included): a fail-safe interlock's UNKNOWN
has not cleared, even when its sensor was never seen since a restart.
"""

from __future__ import annotations

import json

from astrotango.domain.constraints import TriggerState

__all__ = ["judge_snapshot", "reset_allowed", "trigger_unsafe"]


def judge_snapshot(text: object, *, fail_safe: bool) -> tuple[TriggerState, str]:
    """Judge a constraint device's ``snapshot`` (JSON); returns the state and a reason."""
    try:
        data = json.loads(str(text))
        is_ok, state, reason = data["is_ok"], str(data["state"]), str(data.get("reason", ""))
    except (ValueError, TypeError, KeyError) as exc:
        failed = TriggerState.TRIGGERED if fail_safe else TriggerState.UNKNOWN
        return failed, f"unreadable constraint snapshot ({exc})"
    if is_ok is True:
        return TriggerState.CLEAR, f"{state}: {reason}"
    if state == "NO_DATA":
        return TriggerState.UNKNOWN, "constraint has no data yet"
    return TriggerState.TRIGGERED, f"{state}: {reason}"


def trigger_unsafe(state: TriggerState, *, fail_safe: bool, judged: bool) -> bool:
    """Whether the trigger reads unsafe (see the module docstring)."""
    if state is TriggerState.TRIGGERED:
        return True
    return state is TriggerState.UNKNOWN and fail_safe and judged


def reset_allowed(state: TriggerState, *, fail_safe: bool, armed: bool) -> bool:
    """Whether a fired interlock may be reset with its trigger in ``state``."""
    if state is TriggerState.CLEAR:
        return True
    return state is TriggerState.UNKNOWN and not (fail_safe or armed)
