"""Policy answers from constraint events (never polling): observatory vs telescope level."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from astrotango.clock import ManualClock
from astrotango.control.policy import PolicyMonitor, parse_snapshot
from astrotango.domain.policy import DEFAULT_POLICIES, ObservingPolicy

T1, T2 = "astro/telescope/t1", "astro/telescope/t2"
WIND, RAIN, SEP_T1 = (
    "astro/constraint/wind",
    "astro/constraint/rain",
    "astro/constraint/sun_separation_t1",
)
POLICIES = {
    "research": ObservingPolicy(
        name="research", observatory_constraints=(WIND, RAIN), telescope_constraints={T1: (SEP_T1,)}
    ),
    "maintenance": DEFAULT_POLICIES["maintenance"],
}


def snapshot(is_ok: bool, state: str, since: str, reason: str = "") -> str:
    return json.dumps({"is_ok": is_ok, "state": state, "since": since, "reason": reason})


@pytest.fixture
def monitor(proxies: Any, clock: ManualClock) -> PolicyMonitor:
    monitor = PolicyMonitor(proxies, clock, POLICIES)
    monitor.start()
    return monitor


def all_ok(proxies: Any) -> None:
    for name in (WIND, RAIN, SEP_T1):
        proxies.device(name).emit("snapshot", snapshot(True, "OK", "2026-12-16T00:00:00+00:00"))


def test_subscribes_once_per_constraint(monitor: PolicyMonitor, proxies: Any) -> None:
    assert monitor.constraint_names == tuple(sorted((WIND, RAIN, SEP_T1)))
    for name in monitor.constraint_names:
        assert [s.attribute for s in proxies.device(name).subscriptions] == ["snapshot"]


def test_no_events_yet_fails_safe(monitor: PolicyMonitor) -> None:
    answer = monitor.may_observe(T2, "research")
    assert not answer.allowed and {f.state for f in answer.failing} == {"UNKNOWN"}
    assert monitor.may_observe(T2, "maintenance").allowed  # the permissive policy


def test_observatory_failure_stops_every_telescope(monitor: PolicyMonitor, proxies: Any) -> None:
    all_ok(proxies)
    assert (
        monitor.may_observe(T1, "research").allowed and monitor.may_observe(T2, "research").allowed
    )
    since = "2026-12-16T01:30:00+00:00"
    proxies.device(WIND).emit(
        "snapshot", snapshot(False, "BAD", since, "wind_speed 17 m/s above max_value 15")
    )
    for telescope in (T1, T2):
        answer = monitor.may_observe(telescope, "research")
        assert not answer.allowed
        [failing] = answer.failing
        assert (failing.name, failing.level, failing.state) == (WIND, "observatory", "BAD")
        assert failing.since == datetime(2026, 12, 16, 1, 30, tzinfo=UTC)
        assert "max_value" in failing.reason
    assert monitor.may_observe(T1, "maintenance").allowed


def test_telescope_failure_stops_only_that_telescope(monitor: PolicyMonitor, proxies: Any) -> None:
    all_ok(proxies)
    proxies.device(SEP_T1).emit("snapshot", snapshot(False, "BAD", "2026-12-16T02:00:00+00:00"))
    answer = monitor.may_observe(T1, "research")
    assert not answer.allowed and [(f.name, f.level) for f in answer.failing] == [
        (SEP_T1, "telescope")
    ]
    assert monitor.may_observe(T2, "research").allowed
    assert answer.to_json()["failing"][0]["since"] == "2026-12-16T02:00:00+00:00"


def test_listeners_hear_changes_and_nobody_polls(monitor: PolicyMonitor, proxies: Any) -> None:
    heard: list[tuple[str, bool]] = []
    monitor.add_listener(lambda name, view: heard.append((name, view.is_ok)))
    all_ok(proxies)
    proxies.device(RAIN).emit("snapshot", snapshot(False, "BAD", "2026-12-16T03:40:00+00:00"))
    proxies.device(RAIN).emit("snapshot", snapshot(False, "BAD", "2026-12-16T03:40:00+00:00"))
    assert heard[-1] == (RAIN, False) and heard.count((RAIN, False)) == 1
    assert all(d.reads == 0 for d in proxies.devices.values())


def test_an_unreachable_constraint_fails(
    monitor: PolicyMonitor, proxies: Any, clock: ManualClock
) -> None:
    all_ok(proxies)
    proxies.device(RAIN).emit("snapshot", error="heartbeat lost")
    [failing] = monitor.may_observe(T2, "research").failing
    assert failing.state == "UNREACHABLE" and failing.since == clock.now()


def test_unreadable_snapshot_and_unknown_policy(monitor: PolicyMonitor) -> None:
    assert parse_snapshot("{nope").state == "UNREADABLE"
    with pytest.raises(ValueError, match="policy"):
        monitor.may_observe(T1, "vip")
