"""The shutdown storm: SafeShutdown on every telescope at once, aggregated into one outcome.

Each telescope gets its own thread, so the commands go out in parallel; a TaskTracker turns
the telescopes' outcomes into one result that names any telescope that failed (unreachable,
rejected, failed, or not finished in time). The record of the storm (when each telescope
accepted, how each ended) is reported as it grows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from astrotango.control.proxies import ProxyError, ProxyFactory
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.lrc import TaskCallback, TaskTracker
from astrotango.lrc.aggregation import result_code_of, result_message_of

__all__ = ["RecordCallback", "run_shutdown"]

#: Told the storm's record (a JSON-ready dict) every time it changes.
RecordCallback = Callable[[dict[str, Any]], None]
COMMAND = "SafeShutdown"


def _as_result(value: object) -> tuple[ResultCode, str]:
    code = result_code_of(value)
    message = result_message_of(value) or ""
    return (code if code is not None else ResultCode.UNKNOWN), message


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
    on_record: RecordCallback | None = None,
) -> None:
    """Run SafeShutdown on every telescope in parallel; report one aggregated outcome.

    Args:
        telescopes: Telescope device names.
        proxies: Gives the telescope clients.
        reason: Why the interlock fired.
        fired_at: When it fired (clock time).
        triggered_monotonic: ``time.monotonic()`` when the trigger arrived, for latencies.
        timeout_s: Real seconds each telescope has to finish.
        task_callback: The interlock's LRC callback (progress, result, final status).
        abort_event: Set to stop waiting (the telescopes carry on shutting down).
        on_record: Told the growing record.
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
        def progress(percent: int) -> None:
            tracker.update_task(task_name=name, progress=percent, device_name=name)

        try:
            call = proxies.device(name).invoke_lrc(COMMAND, on_progress=progress)
        except ProxyError as exc:
            note(name, status="FAILED", accepted_ms=-1.0, result=[int(ResultCode.FAILED), str(exc)])
            tracker.update_task(
                task_name=name,
                status=TaskStatus.FAILED,
                result=(ResultCode.FAILED, str(exc)),
                device_name=name,
            )
            return
        accepted_ms = (time.monotonic() - triggered_monotonic) * 1000.0
        note(name, status="ACCEPTED", command_id=call.command_id, accepted_ms=round(accepted_ms, 2))
        tracker.update_task(task_name=name, status=TaskStatus.IN_PROGRESS, device_name=name)
        try:
            outcome = call.wait(timeout_s, abort_event)
        except ProxyError as exc:
            result: tuple[ResultCode, str] = (ResultCode.FAILED, str(exc))
            status = TaskStatus.FAILED
        else:
            result, status = _as_result(outcome.result), outcome.status
            if status is TaskStatus.ABORTED:  # a telescope left half-safe is a failure here
                result, status = (ResultCode.FAILED, f"aborted: {result[1]}"), TaskStatus.FAILED
        note(name, status=status.name, result=[int(result[0]), result[1]])
        if not abort_event.is_set():
            tracker.update_task(task_name=name, status=status, result=result, device_name=name)

    threads = [threading.Thread(target=one, args=(n,), name=f"shutdown-{n}") for n in telescopes]
    for thread in threads:
        thread.start()
    if not tracker.wait_for_task_completion(abort_event):
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
