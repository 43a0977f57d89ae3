"""The shutdown storm: SafeShutdown on every telescope at once, aggregated into one outcome.

Each telescope gets its own thread, so the commands go out in parallel; a TaskTracker turns
the telescopes' outcomes into one result that names any telescope that failed (unreachable,
rejected, failed, aborted, not finished in time, or done but not reading ``safe``). The record
of the storm (when each telescope accepted, how each ended) is reported as it grows, and each
telescope's verdict (safe or not, and why) as soon as it is known, so that the interlock can
retry the ones that are not.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from astrotango.clock import Clock, spawn
from astrotango.control.proxies import DeviceClient, ProxyError, ProxyFactory
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.lrc import TaskCallback, TaskTracker
from astrotango.lrc.aggregation import FAILURE_RESULT_CODES, result_code_of, result_message_of

__all__ = ["COMMAND", "RecordCallback", "TelescopeCallback", "make_safe", "run_shutdown"]

#: Told the storm's record (a JSON-ready dict) every time it changes.
RecordCallback = Callable[[dict[str, Any]], None]
#: Told ``(telescope, safe, why)`` once per telescope, as soon as its attempt has ended.
TelescopeCallback = Callable[[str, bool, str], None]
COMMAND = "SafeShutdown"
#: The telescope attribute that says it is safe (optical: parked and closed; radio: parked).
SAFE_ATTRIBUTE = "safe"
#: Clock seconds a telescope that finished SafeShutdown has to read ``safe``: its cached
#: attribute follows the telemetry that ended the command, a poll or so later.
SAFE_GRACE_S = 30.0
_SAFE_POLL_S = 1.0
Outcome = tuple[TaskStatus, tuple[ResultCode, str]]


def _as_result(value: object) -> tuple[ResultCode, str]:
    code = result_code_of(value)
    message = result_message_of(value) or ""
    return (code if code is not None else ResultCode.UNKNOWN), message


def succeeded(outcome: Outcome) -> bool:
    """Whether a :func:`make_safe` outcome leaves the telescope safe."""
    status, (code, _) = outcome
    return status is TaskStatus.COMPLETED and code not in FAILURE_RESULT_CODES


def reads_safe(client: DeviceClient) -> bool | None:
    """The telescope's ``safe`` attribute; None when it has none or cannot be read."""
    try:
        return bool(client.read(SAFE_ATTRIBUTE))
    except ProxyError:
        return None


def confirmed_safe(
    client: DeviceClient, abort_event: threading.Event, grace_s: float, clock: Clock
) -> bool:
    """Whether a telescope that finished SafeShutdown reads ``safe`` within ``grace_s``.

    A telescope without the attribute (or that cannot be read) is taken at its word.
    """
    deadline = clock.now() + timedelta(seconds=grace_s)
    while True:
        safe = reads_safe(client)
        if safe is not False:
            return True
        remaining = (deadline - clock.now()).total_seconds()
        if remaining <= 0 or clock.sleep(min(_SAFE_POLL_S, remaining), abort_event):
            return False


def make_safe(
    client: DeviceClient,
    *,
    timeout_s: float,
    abort_event: threading.Event,
    clock: Clock,
    on_accepted: Callable[[str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    safe_grace_s: float = SAFE_GRACE_S,
) -> Outcome:
    """Run SafeShutdown on one telescope to its end and check that it reads ``safe``.

    A telescope without a ``safe`` attribute is judged on its SafeShutdown outcome alone.
    Every failure (unreachable, rejected, aborted, timed out, done but not safe) comes back as
    ``FAILED`` with a message; nothing raises.

    Args:
        client: The telescope.
        timeout_s: Clock seconds it has to finish.
        abort_event: Set to stop waiting (the telescope carries on shutting down).
        clock: What the waits are measured on.
        on_accepted: Told the command id once the telescope has accepted.
        on_progress: Told the command's progress in percent.
        safe_grace_s: Clock seconds it has to read ``safe`` once the command has finished.
    """
    try:
        call = client.invoke_lrc(COMMAND, on_progress=on_progress)
    except ProxyError as exc:
        return TaskStatus.FAILED, (ResultCode.FAILED, str(exc))
    if on_accepted is not None:
        on_accepted(call.command_id)
    try:
        outcome = call.wait(timeout_s, abort_event)
    except ProxyError as exc:
        return TaskStatus.FAILED, (ResultCode.FAILED, str(exc))
    result, status = _as_result(outcome.result), outcome.status
    if status is TaskStatus.ABORTED:  # a telescope left half-safe is a failure here
        return TaskStatus.FAILED, (ResultCode.FAILED, f"aborted: {result[1]}")
    if succeeded((status, result)) and not confirmed_safe(client, abort_event, safe_grace_s, clock):
        return TaskStatus.FAILED, (ResultCode.FAILED, "reported done but not safe")
    return status, result


def run_shutdown(
    telescopes: Sequence[str],
    proxies: ProxyFactory,
    *,
    reason: str,
    fired_at: datetime,
    triggered_monotonic: float,
    timeout_s: float,
    task_callback: TaskCallback,
    abort_event: threading.Event,
    clock: Clock,
    on_record: RecordCallback | None = None,
    on_telescope: TelescopeCallback | None = None,
) -> None:
    """Run SafeShutdown on every telescope in parallel; report one aggregated outcome.

    Args:
        telescopes: Telescope device names.
        proxies: Gives the telescope clients.
        reason: Why the interlock fired.
        fired_at: When it fired (clock time).
        triggered_monotonic: ``time.monotonic()`` when the trigger arrived, for latencies.
        timeout_s: Clock seconds each telescope has to finish.
        task_callback: The interlock's LRC callback (progress, result, final status).
        abort_event: Set to stop waiting (the telescopes carry on shutting down).
        clock: What every wait is measured on (each telescope's wait is a participant).
        on_record: Told the growing record.
        on_telescope: Told each telescope's verdict as soon as it is known (before the
            aggregated result, even when the storm is aborted).
    """
    lock = threading.Lock()
    record: dict[str, Any] = {
        "reason": reason,
        "fired_at": fired_at.isoformat(),
        "telescopes": {name: {"status": "STARTING"} for name in telescopes},
    }

    def note(name: str, **fields: Any) -> None:
        with lock:
            record["telescopes"][name].update(fields)
            accepted = [t.get("accepted_ms") for t in record["telescopes"].values()]
            if all(a is not None for a in accepted):
                record["all_accepted_ms"] = max(a for a in accepted if a is not None)
            snapshot = {
                **record,
                "telescopes": {k: dict(v) for k, v in record["telescopes"].items()},
            }
        if on_record is not None:
            on_record(snapshot)

    def on_tracker(**payload: Any) -> None:
        if "status" not in payload:
            task_callback(progress=payload["progress"])

    tracker = TaskTracker(
        COMMAND, len(telescopes), completed_callback=on_tracker, progress_updates=True
    )

    def one(name: str) -> None:
        accepted: list[str] = []

        def progress(percent: int) -> None:
            tracker.update_task(task_name=name, progress=percent, device_name=name)

        def on_accepted(command_id: str) -> None:
            accepted.append(command_id)
            accepted_ms = round((time.monotonic() - triggered_monotonic) * 1000.0, 2)
            note(name, status="ACCEPTED", command_id=command_id, accepted_ms=accepted_ms)
            tracker.update_task(task_name=name, status=TaskStatus.IN_PROGRESS, device_name=name)

        outcome = make_safe(
            proxies.device(name),
            timeout_s=timeout_s,
            abort_event=abort_event,
            clock=clock,
            on_accepted=on_accepted,
            on_progress=progress,
        )
        status, result = outcome
        ended: dict[str, Any] = {"status": status.name, "result": [int(result[0]), result[1]]}
        note(name, **(ended if accepted else {**ended, "accepted_ms": -1.0}))
        if on_telescope is not None:
            on_telescope(name, succeeded(outcome), result[1])
        if accepted and abort_event.is_set():
            return
        tracker.update_task(task_name=name, status=status, result=result, device_name=name)

    for name in telescopes:
        spawn(clock, functools.partial(one, name), name=f"shutdown-{name}")
    if not tracker.wait_for_task_completion(abort_event, clock):
        task_callback(
            status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "Command has been aborted")
        )
        return
    failed_set = {n for n, s in tracker.subtasks.items() if tracker.policy.is_failed(s)}
    failed = [n for n in telescopes if n in failed_set]
    safe = [n for n in telescopes if n not in failed]
    if failed:
        details = "; ".join(
            f"{n}: {result_message_of(tracker.subtasks[n].result) or 'failed'}" for n in failed
        )
        result = (
            ResultCode.FAILED,
            f"{COMMAND} failed on {', '.join(failed)} ({details}); "
            f"safe: {', '.join(safe) or 'none'}",
        )
    else:
        result = (ResultCode.OK, f"All {len(telescopes)} telescopes safe: {', '.join(safe)}")
    with lock:
        record |= {"result": [int(result[0]), result[1]], "failed": failed}
    if on_record is not None:
        on_record({**record})
    task_callback(progress=100)
    task_callback(status=tracker.get_status(), result=result)
