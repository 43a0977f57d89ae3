"""TaskAggregationPolicy: precedence, failure classification, messages, result parsing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from astrotango.control_model import HealthState, ResultCode, TaskStatus
from astrotango.lrc.aggregation import (
    AggregatedOutcome,
    TaskAggregationPolicy,
    result_code_of,
    result_message_of,
)

C, F, A, R, IP = (
    TaskStatus.COMPLETED,
    TaskStatus.FAILED,
    TaskStatus.ABORTED,
    TaskStatus.REJECTED,
    TaskStatus.IN_PROGRESS,
)
OK = (ResultCode.OK, "done")


@dataclass
class Sub:
    status: TaskStatus | None = None
    result: object = None
    critical: bool = False
    error: tuple[object, ...] | None = None


def aggregate(subs: dict[str, Sub], total: int | None = None, **kw: object) -> AggregatedOutcome:
    policy = TaskAggregationPolicy("observe", **kw)  # type: ignore[arg-type]
    return policy.aggregate(subs, len(subs) if total is None else total)


def test_aborted_takes_precedence_over_failure_and_in_progress() -> None:
    out = aggregate({"a": Sub(A), "b": Sub(F), "c": Sub(IP), "d": Sub(C, OK)})
    assert (out.status, out.result, out.health) == (A, ResultCode.ABORTED, HealthState.UNKNOWN)


def test_in_progress_takes_precedence_over_failure() -> None:
    out = aggregate({"a": Sub(F), "b": Sub(IP)})
    assert (out.status, out.result) == (IP, ResultCode.UNKNOWN)


def test_unseen_expected_subtasks_keep_task_in_progress() -> None:
    out = aggregate({"a": Sub(C, OK)}, total=2)
    assert out.status is IP


def test_all_ok_is_completed_ok() -> None:
    out = aggregate({"slew": Sub(C, OK), "expose": Sub(C, ResultCode.OK)})
    assert (out.status, out.result, out.health) == (C, ResultCode.OK, HealthState.OK)
    assert out.message == "slew: OK; expose: OK"
    assert out.failed_subtasks == ()


@pytest.mark.parametrize(
    ("sub", "failed"),
    [
        (Sub(F), True),
        (Sub(R), True),
        (Sub(C, (ResultCode.FAILED, "x")), True),
        (Sub(C, [ResultCode.REJECTED, "x"]), True),
        (Sub(C, ResultCode.NOT_ALLOWED), True),
        (Sub(C, '[3, "json text"]'), True),
        (Sub(C, [[3], ["tango style"]]), True),
        (Sub(C, OK), False),
        (Sub(C, "some free text"), False),
        (Sub(C, object()), False),
        (Sub(C, (ResultCode.ABORTED, "x")), False),
        (Sub(IP), False),
        (Sub(None), False),
    ],
)
def test_failure_classification(sub: Sub, failed: bool) -> None:
    assert TaskAggregationPolicy("t").is_failed(sub) is failed


def test_some_failed_is_completed_with_failed_result_and_degraded_health() -> None:
    out = aggregate({"slew": Sub(C, OK), "expose_1": Sub(C, (ResultCode.FAILED, "camera timeout"))})
    assert (out.status, out.result, out.health) == (C, ResultCode.FAILED, HealthState.DEGRADED)
    assert out.message == "slew: OK; expose_1: FAILED (camera timeout)"
    assert out.failed_subtasks == ("expose_1",)


def test_all_failed_is_failed() -> None:
    out = aggregate({"a": Sub(F), "b": Sub(R, (ResultCode.REJECTED, "busy"))})
    assert (out.status, out.result, out.health) == (F, ResultCode.FAILED, HealthState.FAILED)
    assert out.message == "a: FAILED; b: REJECTED (busy)"


def test_critical_failure_is_failed() -> None:
    out = aggregate({"a": Sub(C, OK), "b": Sub(F, critical=True), "c": Sub(C, OK)})
    assert (out.status, out.result, out.health) == (F, ResultCode.FAILED, HealthState.FAILED)


def test_error_description_used_when_result_has_no_message() -> None:
    class DevError:
        desc = "motor stalled"

    out = aggregate({"a": Sub(C, OK), "b": Sub(F, error=(DevError(),))})
    assert out.message == "a: OK; b: FAILED (motor stalled)"


def test_message_follows_insertion_order_not_name_order() -> None:
    out = aggregate({"zeta": Sub(C, OK), "alpha": Sub(IP), "mid": Sub(None)}, total=3)
    assert out.message == "zeta: OK; alpha: IN_PROGRESS; mid: PENDING"


def test_root_message_has_header_naming_task_and_context() -> None:
    subs = {"slew": Sub(C, OK), "expose_1": Sub(F), "expose_2": Sub(C, OK)}
    out = aggregate(subs, is_root=True, operation="Observe", obs_mode="imaging")
    header, body = out.message.split("\n")
    assert header == "observe [operation=Observe, obs_mode=imaging]: 1 of 3 subtasks failed"
    assert body == "slew: OK; expose_1: FAILED; expose_2: OK"


def test_root_header_without_context() -> None:
    out = aggregate({"a": Sub(C, OK)}, is_root=True)
    assert out.message == "observe: all 1 subtasks completed\na: OK"


def test_no_subtasks_expected_is_completed_ok() -> None:
    out = aggregate({}, total=0)
    assert (out.status, out.result, out.health) == (C, ResultCode.OK, HealthState.OK)


@pytest.mark.parametrize(
    ("result", "code", "message"),
    [
        ((ResultCode.OK, "fine"), ResultCode.OK, "fine"),
        ([3, "bad"], ResultCode.FAILED, "bad"),
        ('[5, "rejected"]', ResultCode.REJECTED, "rejected"),
        ([[0], ["tango"]], ResultCode.OK, "tango"),
        (ResultCode.ABORTED, ResultCode.ABORTED, None),
        (6, ResultCode.NOT_ALLOWED, None),
        (99, None, "99"),
        (True, None, "True"),
        ("plain text", None, "plain text"),
        ((), None, None),
        (None, None, None),
    ],
)
def test_result_parsing(result: object, code: ResultCode | None, message: str | None) -> None:
    assert result_code_of(result) == code
    assert result_message_of(result) == message
