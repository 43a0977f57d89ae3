"""The queued executor: order of reports, the queue limit, abort, and failures never lost."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from astrotango.control_model import TERMINAL_TASK_STATUSES, ResultCode, TaskStatus
from astrotango.lrc import MAX_QUEUED_COMMANDS, TaskExecutor


class Recorder:
    """A task callback that keeps every report and signals the final one."""

    def __init__(self) -> None:
        self.reports: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.started = threading.Event()

    def __call__(self, **report: Any) -> None:
        report = {k: v for k, v in report.items() if v is not None}
        self.reports.append(report)
        if report.get("status") == TaskStatus.IN_PROGRESS:
            self.started.set()
        if report.get("status") in TERMINAL_TASK_STATUSES:
            self.done.set()

    @property
    def statuses(self) -> list[TaskStatus]:
        return [r["status"] for r in self.reports if "status" in r]

    @property
    def result(self) -> Any:
        return [r["result"] for r in self.reports if "result" in r][-1]


def wait_for_abort(*, task_callback: Any, abort_event: threading.Event) -> None:
    """A task that runs until it is aborted."""
    task_callback(progress=10)
    abort_event.wait(30)
    task_callback(status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "stopped"))


def succeed(value: int, *, task_callback: Any, abort_event: threading.Event) -> None:
    task_callback(progress=50)
    task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, f"got {value}"))


@pytest.fixture
def executor() -> Any:
    ex = TaskExecutor()
    yield ex
    ex.shutdown()


def test_a_task_reports_queued_in_progress_then_its_result(executor: TaskExecutor) -> None:
    rec = Recorder()
    assert executor.submit(succeed, args=(7,), task_callback=rec) == (
        TaskStatus.QUEUED,
        "Task queued",
    )
    assert rec.done.wait(5)
    assert rec.statuses == [TaskStatus.QUEUED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED]
    assert rec.result == (ResultCode.OK, "got 7")


def test_a_raising_task_ends_failed_with_its_message(executor: TaskExecutor) -> None:
    def explode(*, task_callback: Any, abort_event: threading.Event) -> None:
        raise RuntimeError("mount fault")

    rec = Recorder()
    executor.submit(explode, task_callback=rec)
    assert rec.done.wait(5)
    assert rec.statuses[-1] == TaskStatus.FAILED
    assert rec.result == (ResultCode.FAILED, "RuntimeError: mount fault")
    # the worker survived: the next task still runs
    rec2 = Recorder()
    executor.submit(succeed, args=(1,), task_callback=rec2)
    assert rec2.done.wait(5)


def test_a_task_that_forgets_its_final_status_is_reported_failed(executor: TaskExecutor) -> None:
    rec = Recorder()
    executor.submit(lambda **_: None, task_callback=rec)
    assert rec.done.wait(5)
    assert rec.statuses[-1] == TaskStatus.FAILED
    assert "without reporting a final status" in rec.result[1]


def test_the_queue_holds_32_and_rejects_the_next(executor: TaskExecutor) -> None:
    running = Recorder()
    executor.submit(wait_for_abort, task_callback=running)
    assert running.started.wait(5)
    queued = [Recorder() for _ in range(MAX_QUEUED_COMMANDS)]
    for rec in queued:
        assert executor.submit(succeed, args=(0,), task_callback=rec)[0] == TaskStatus.QUEUED
    extra = Recorder()
    status, reason = executor.submit(succeed, args=(0,), task_callback=extra)
    assert status == TaskStatus.REJECTED
    assert reason == "Input queue supports a maximum of 32 commands"
    assert extra.statuses == [TaskStatus.REJECTED]


def test_abort_ends_queued_tasks_and_completes_only_after_the_running_one(
    executor: TaskExecutor,
) -> None:
    running, queued, abort = Recorder(), Recorder(), Recorder()
    executor.submit(wait_for_abort, task_callback=running)
    assert running.started.wait(5)
    executor.submit(succeed, args=(0,), task_callback=queued)
    executor.abort(abort)
    assert abort.done.wait(5)
    # the abort is complete only once the running task has reached its final status
    assert running.done.is_set()
    assert queued.statuses == [TaskStatus.QUEUED, TaskStatus.ABORTED]
    assert queued.result == (ResultCode.ABORTED, "Command has been aborted")
    assert running.statuses[-1] == TaskStatus.ABORTED
    assert abort.result == (ResultCode.OK, "Abort completed OK")
    # after the abort the executor takes work again
    again = Recorder()
    executor.submit(succeed, args=(2,), task_callback=again)
    assert again.done.wait(5)


def test_an_abort_while_idle_completes_at_once_and_work_is_taken_again(
    executor: TaskExecutor,
) -> None:
    abort = Recorder()
    executor.abort(abort)
    assert abort.done.wait(5), "nothing was running: nothing to wait for"
    assert abort.result == (ResultCode.OK, "Abort completed OK")
    after = Recorder()
    assert executor.submit(succeed, args=(4,), task_callback=after)[0] == TaskStatus.QUEUED
    assert after.done.wait(5) and after.statuses[-1] == TaskStatus.COMPLETED


def test_preempt_stops_the_running_task_aborts_the_queue_and_runs_first(
    executor: TaskExecutor,
) -> None:
    running, queued, urgent = Recorder(), Recorder(), Recorder()
    executor.submit(wait_for_abort, task_callback=running)
    assert running.started.wait(5)
    executor.submit(succeed, args=(1,), task_callback=queued)
    assert executor.preempt(succeed, args=(9,), task_callback=urgent)[0] == TaskStatus.QUEUED
    assert urgent.done.wait(5)
    assert running.statuses[-1] == TaskStatus.ABORTED
    assert queued.statuses == [TaskStatus.QUEUED, TaskStatus.ABORTED]
    assert urgent.statuses == [TaskStatus.QUEUED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED]
    assert urgent.result == (ResultCode.OK, "got 9")


def test_each_task_gets_a_fresh_abort_event(executor: TaskExecutor) -> None:
    first, second = Recorder(), Recorder()
    executor.submit(wait_for_abort, task_callback=first)
    assert first.started.wait(5)
    executor.abort()
    assert first.done.wait(5)
    executor.preempt(succeed, args=(3,), task_callback=second)
    assert second.done.wait(5)
    assert second.statuses[-1] == TaskStatus.COMPLETED


def test_an_abort_after_a_preemption_never_removes_the_preempting_task(
    executor: TaskExecutor,
) -> None:
    """The race of issue 11: SafeShutdown preempts a running task, then Abort arrives."""
    running, urgent, abort = Recorder(), Recorder(), Recorder()
    executor.submit(wait_for_abort, task_callback=running)
    assert running.started.wait(5)
    executor.preempt(succeed, args=(9,), task_callback=urgent)
    executor.abort(abort)  # in the same instant, before the preempting task could start
    assert urgent.done.wait(5)
    assert urgent.statuses == [TaskStatus.QUEUED, TaskStatus.IN_PROGRESS, TaskStatus.COMPLETED]
    assert running.statuses[-1] == TaskStatus.ABORTED
    assert abort.done.wait(5)


def test_an_abort_never_stops_a_running_preempting_task(executor: TaskExecutor) -> None:
    urgent, abort, release = Recorder(), Recorder(), threading.Event()

    def safety(*, task_callback: Any, abort_event: threading.Event) -> None:
        while not release.wait(0.01):
            if abort_event.is_set():
                task_callback(status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "stopped"))
                return
        task_callback(status=TaskStatus.COMPLETED, result=(ResultCode.OK, "safe"))

    executor.preempt(safety, task_callback=urgent)
    assert urgent.started.wait(5)
    executor.abort(abort)
    assert abort.done.wait(5), "nothing the abort may stop was running"
    assert not urgent.done.wait(0.2), "an abort reached the safety command"
    after = Recorder()
    assert executor.submit(succeed, args=(1,), task_callback=after)[0] == TaskStatus.QUEUED
    release.set()
    assert urgent.done.wait(5) and urgent.statuses[-1] == TaskStatus.COMPLETED
    assert after.done.wait(5) and after.statuses[-1] == TaskStatus.COMPLETED
