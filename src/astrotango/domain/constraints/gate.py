"""The gate's steps, pure: a reading, the passing of time, force-clear, (de)activation.

The rules (the states and allowed moves are the table in :mod:`.gate_state`):

* A good reading opens the gate only after good readings have held for
  ``stability_threshold_s`` (SETTLING until then); a bad or garbage reading closes it at once
  (BAD), and the stability clock restarts from the next good reading.
* Data older than ``max_data_age_s`` closes the gate (STALE); stability restarts with fresh
  data.
* An inactive constraint does not gate (INACTIVE counts as OK); reactivating it waits for fresh
  data.
* A force-clear opens the gate whatever the state until it expires or is withdrawn; the state
  underneath keeps being evaluated, so the gate closes again the moment the force-clear ends.

Each step returns a new :class:`GateStatus` and checks its move against the table. Times are
timezone-aware datetimes of the injected clock; durations are seconds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from astrotango.domain.constraints.base import ThresholdCheck
from astrotango.domain.constraints.gate_state import (
    GATE_TRANSITIONS,
    MAX_FORCE_CLEAR_S,
    Crossing,
    ForceClear,
    GateCause,
    GateSettings,
    GateState,
    GateStatus,
)

__all__ = ["apply_reading", "apply_time", "force_clear", "set_active", "unclear"]


def _move(old: GateStatus, new: GateStatus, cause: GateCause) -> GateStatus:
    if old.state != new.state and cause not in GATE_TRANSITIONS.get((old.state, new.state), ()):
        raise AssertionError(f"gate: {old.state} -> {new.state} by {cause} is not in the table")
    if new.is_open != old.is_open:
        new = replace(new, since=new.evaluated_at)
    return new


def _age_s(status: GateStatus, now: datetime) -> float | None:
    if status.last_update is None:
        return None
    return (now - status.last_update).total_seconds()


def apply_reading(
    status: GateStatus,
    check: ThresholdCheck,
    at: datetime,
    settings: GateSettings,
    *,
    refresh: bool = True,
) -> GateStatus:
    """The gate after one checked reading arriving ``at``.

    Args:
        status: The gate before the reading.
        check: The constraint model's verdict on the reading.
        at: When the reading arrived.
        settings: Stability, data age and activity.
        refresh: False to re-judge the last reading (limits changed) without counting it as
            new data: ``last_update`` is kept.
    """
    last_update = at if refresh else status.last_update
    base = replace(status, evaluated_at=at, last_update=last_update)
    if status.state is GateState.INACTIVE:
        return _expire(replace(base, value=check.value, reason="constraint inactive"), at)
    if not check.ok:
        assert check.threshold is not None
        old = status.crossing
        keep = (
            old is not None and old.threshold == check.threshold and status.state is GateState.BAD
        )
        since = old.since if keep and old is not None else at
        crossing = Crossing(check.threshold, check.limit, check.value, since, check.reason)
        new = replace(
            base,
            state=GateState.BAD,
            value=check.value if check.value is not None else status.value,
            good_since=None,
            crossing=crossing,
            reason=check.reason,
        )
        return apply_time(_move(status, new, GateCause.BAD_READING), at, settings)
    good_since = status.good_since if status.state in (GateState.SETTLING, GateState.OK) else at
    new = replace(
        base,
        state=GateState.SETTLING,
        value=check.value,
        good_since=good_since,
        crossing=None,
        reason=check.reason,
    )
    held_s = (at - (good_since or at)).total_seconds()
    if status.state is GateState.OK or held_s >= settings.stability_threshold_s:
        new = replace(new, state=GateState.OK)
    else:
        new = replace(new, reason=f"{check.reason}; waiting {settings.stability_threshold_s:g} s")
    return apply_time(_move(status, new, GateCause.GOOD_READING), at, settings)


def apply_time(status: GateStatus, now: datetime, settings: GateSettings) -> GateStatus:
    """The gate at ``now`` with no new reading: staleness, stability, force-clear expiry."""
    new = _expire(replace(status, evaluated_at=now), now)
    if new.state in (GateState.INACTIVE, GateState.NO_DATA, GateState.STALE):
        return _move(status, new, GateCause.TIME)
    age = _age_s(new, now)
    if age is not None and age > settings.max_data_age_s:
        assert new.last_update is not None
        since = new.last_update + timedelta(seconds=settings.max_data_age_s)
        reason = f"no reading for {age:g} s (max_data_age {settings.max_data_age_s:g} s)"
        crossing = Crossing("max_data_age", settings.max_data_age_s, age, since, reason)
        new = replace(new, state=GateState.STALE, good_since=None, crossing=crossing, reason=reason)
    elif new.state is GateState.SETTLING and new.good_since is not None:
        held_s = (now - new.good_since).total_seconds()
        if held_s >= settings.stability_threshold_s:
            new = replace(new, state=GateState.OK, reason=new.reason.split("; waiting")[0])
    return _move(status, new, GateCause.TIME)


def _expire(status: GateStatus, now: datetime) -> GateStatus:
    if status.forced is not None and now >= status.forced.until:
        return replace(status, forced=None)
    return status


def force_clear(status: GateStatus, reason: str, duration_s: float, now: datetime) -> GateStatus:
    """Open the gate for ``duration_s`` seconds whatever the data says.

    Raises:
        ValueError: naming ``reason`` (empty) or ``duration_s`` (not in (0, one week]).
    """
    if not reason.strip():
        raise ValueError("reason: a force-clear needs a reason")
    if not 0.0 < duration_s <= MAX_FORCE_CLEAR_S:
        raise ValueError(f"duration_s: must be more than 0 and at most {MAX_FORCE_CLEAR_S:g} s")
    until = now + timedelta(seconds=duration_s)
    return replace(status, evaluated_at=now, forced=ForceClear(reason.strip(), now, until))


def unclear(status: GateStatus, now: datetime) -> GateStatus:
    """Withdraw a force-clear at once."""
    return replace(status, evaluated_at=now, forced=None)


def set_active(
    status: GateStatus, active: bool, now: datetime, settings: GateSettings
) -> GateStatus:
    """Deactivate (the gate stops gating) or reactivate (it waits for fresh data)."""
    if not active:
        new = replace(
            status,
            state=GateState.INACTIVE,
            evaluated_at=now,
            good_since=None,
            crossing=None,
            reason="constraint inactive",
        )
        return _move(status, new, GateCause.DEACTIVATE)
    if status.state is not GateState.INACTIVE:
        return apply_time(status, now, settings)
    new = replace(
        status,
        state=GateState.NO_DATA,
        evaluated_at=now,
        last_update=None,
        good_since=None,
        reason="reactivated: waiting for a fresh reading",
    )
    return _move(status, new, GateCause.ACTIVATE)
