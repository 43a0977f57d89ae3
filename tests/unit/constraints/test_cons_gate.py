"""The gate on a ManualClock: stability, fail-safe closing, staleness, force-clear expiry."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astrotango.clock import ManualClock
from astrotango.control.constraint import ConstraintComponentManager, ConstraintIdentity
from astrotango.domain.constraints import (
    GATE_TRANSITIONS,
    GateCause,
    GateSettings,
    GateState,
    GateStatus,
    apply_reading,
    apply_time,
    build_constraint,
)
from astrotango.store import SnapshotRecord

GATE = GateSettings(stability_threshold_s=300.0, max_data_age_s=120.0)
GATE_START = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)


class Sink:
    def __init__(self) -> None:
        self.records: list[SnapshotRecord] = []

    def add_snapshot(self, snapshot: SnapshotRecord) -> int:
        self.records.append(snapshot)
        return len(self.records)


def wind(
    clock: ManualClock, store: Sink | None = None, **gate: float
) -> ConstraintComponentManager:
    model = build_constraint("weather_sensor", max_value=15.0, sensor_attribute="windSpeed")
    settings_ = GATE.model_copy(update=gate)
    return ConstraintComponentManager(
        ConstraintIdentity("astro/constraint/wind"), model, settings_, clock, store=store
    )


def test_opens_only_after_the_stability_threshold(clock: ManualClock) -> None:
    cm = wind(clock)
    assert cm.push_reading(5.0).state is GateState.SETTLING
    for _ in range(4):
        clock.advance(60)
        assert not cm.push_reading(5.0).is_ok
    clock.advance(59.9)
    assert not cm.push_reading(5.0).is_ok
    clock.advance(0.1)
    status = cm.push_reading(5.0)
    assert status.is_ok and status.state is GateState.OK and status.since == clock.now()


def test_time_alone_opens_a_settling_gate(clock: ManualClock) -> None:
    cm = wind(clock, max_data_age_s=600.0)
    cm.push_reading(5.0)
    clock.advance(299)
    assert not cm.evaluate().is_ok
    clock.advance(1)
    assert cm.evaluate().is_ok


def test_a_bad_reading_closes_at_once_and_restarts_stability(clock: ManualClock) -> None:
    cm = wind(clock, stability_threshold_s=0.0)
    assert cm.push_reading(5.0).is_ok
    clock.advance(10)
    bad = cm.push_reading(16.0)
    assert not bad.is_ok and bad.state is GateState.BAD
    assert bad.crossing is not None and bad.crossing.threshold == "max_value"
    assert bad.crossing.since == clock.now() and bad.crossing.limit == 15.0
    clock.advance(30)
    again = cm.push_reading(18.0)
    assert again.crossing is not None and again.crossing.since == bad.crossing.since
    snapshot = again.to_json()
    assert snapshot["crossed"]["threshold"] == "max_value" and snapshot["is_ok"] is False


def test_stale_data_closes_the_gate(clock: ManualClock) -> None:
    cm = wind(clock, stability_threshold_s=0.0)
    cm.push_reading(5.0)
    clock.advance(120)
    assert cm.evaluate().is_ok  # exactly max_data_age: not yet older
    clock.advance(1)
    stale = cm.evaluate()
    assert stale.state is GateState.STALE and not stale.is_ok
    assert stale.crossing is not None and stale.crossing.threshold == "max_data_age"
    assert stale.crossing.since == stale.last_update + timedelta(seconds=120)
    assert cm.push_reading(5.0).is_ok  # fresh good data (stability 0) reopens


def test_force_clear_expires(clock: ManualClock) -> None:
    cm = wind(clock)
    cm.push_reading(40.0)
    forced = cm.force_clear("anemometer iced up", 600)
    assert forced.is_ok and forced.state is GateState.BAD and forced.forced is not None
    clock.advance(300)
    cm.push_reading(40.0)
    assert cm.evaluate().is_ok
    clock.advance(300)
    expired = cm.evaluate()
    assert not expired.is_ok and expired.forced is None
    cm.force_clear("again", 60)
    assert not cm.unclear().is_ok


@pytest.mark.parametrize(
    ("reason", "duration_s", "field"),
    [("", 60, "reason"), ("x", 0, "duration_s"), ("x", 1e9, "duration_s")],
)
def test_bad_force_clear(clock: ManualClock, reason: str, duration_s: float, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        wind(clock).force_clear(reason, duration_s)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=14), max_size=8),
    st.sampled_from([math.nan, math.inf, -3.0, 500.0, "calm", None]),
    st.floats(min_value=0, max_value=1000),
)
def test_garbage_never_opens_a_gate(good: list[float], garbage: object, wait_s: float) -> None:
    clock = ManualClock(GATE_START)
    cm = wind(clock, stability_threshold_s=0.0, max_data_age_s=1e5)
    for value in good:
        cm.push_reading(value)
        clock.advance(10)
    assert not cm.push_reading(garbage).is_ok
    clock.advance(wait_s)
    assert not cm.evaluate().is_ok


def test_inactive_does_not_gate_and_reactivation_waits_for_data(clock: ManualClock) -> None:
    cm = wind(clock)
    cm.push_reading(50.0)
    assert cm.set_gate(is_active=False).is_ok
    status = cm.set_gate(is_active=True)
    assert status.state is GateState.NO_DATA and not status.is_ok


def test_new_limits_rejudge_the_last_reading(clock: ManualClock) -> None:
    cm = wind(clock, stability_threshold_s=0.0)
    cm.push_reading(12.0)
    assert not cm.set_limits(None, 10.0).is_ok
    with pytest.raises(ValueError, match="min_value"):
        cm.set_limits(20.0, 10.0)
    assert cm.model.max_value == 10.0


def test_snapshots_on_significant_changes_only(clock: ManualClock) -> None:
    sink = Sink()
    cm = wind(clock, sink, stability_threshold_s=0.0)
    for value in (5.0, 6.0, 7.0, 20.0, 21.0, 4.0):
        cm.push_reading(value)
        clock.advance(1)
    assert [r.is_ok for r in sink.records] == [True, False, True]
    assert sink.records[1].data["crossed"]["threshold"] == "max_value"
    assert sink.records[1].data["constraint_type"] == "weather_sensor"


def test_the_ticker_closes_a_stale_gate_without_readings(clock: ManualClock) -> None:
    seen: list[GateStatus] = []
    cm = wind(clock, stability_threshold_s=0.0)
    cm._callback = lambda status, significant: seen.append(status)
    cm.start_communicating()
    try:
        cm.push_reading(5.0)
        clock.advance(121)
        deadline = time.monotonic() + 5
        while cm.status.state is not GateState.STALE and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cm.status.state is GateState.STALE
    finally:
        cm.stop_communicating()
    assert seen[-1].state is GateState.STALE


def test_every_move_is_in_the_table(clock: ManualClock) -> None:
    now = clock.now()
    check_good = build_constraint("battery")(80.0)
    status = GateStatus.initial(now, GATE)
    status = apply_reading(status, check_good, now, GATE)
    assert status.state is GateState.SETTLING
    assert GateCause.GOOD_READING in GATE_TRANSITIONS[(GateState.NO_DATA, GateState.SETTLING)]
    assert (GateState.OK, GateState.SETTLING) not in GATE_TRANSITIONS  # no reopening dance
    later = apply_time(status, now + timedelta(seconds=301), GATE)
    assert later.state is GateState.STALE  # 301 s > max_data_age 120 s
