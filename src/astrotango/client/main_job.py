"""The self-test that opens the main job.

Every device answers, and the reference device's long-running-command path works end to end
through Tango (a live progress bar fed by ``_lrcEvent``); :mod:`astrotango.client.night`
then runs the night.
"""

from __future__ import annotations

import functools
import json

import tango
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn

from astrotango.client.lrc import invoke_lrc
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.launcher import System

__all__ = ["exercise_system"]


def _advance(bar: Progress, task: TaskID, progress: int) -> None:
    bar.update(task, completed=progress)


def _state_of(proxy: tango.DeviceProxy, attempts: int = 5) -> str | None:
    """``"STATE — status"``; a device busy for one timeout is asked again, None if never."""
    for _ in range(attempts):
        try:
            return f"{proxy.state()} — {proxy.status()}"
        except tango.DevFailed:
            continue
    return None


def exercise_system(system: System, console: Console) -> bool:
    """Check every device is up and run the reference self-test; True when all went well."""
    ok = True
    for name in system.devices:
        answer = _state_of(system.proxy(name))
        ok &= answer is not None
        console.print(f"{name}: {answer or '[red]does not answer'}")
    for name in (d for d in system.devices if "/reference/" in d):
        proxy = system.proxy(name)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), console=console
        ) as bar:
            task = bar.add_task(f"{name} Exercise", total=100)
            outcome = invoke_lrc(
                proxy,
                "Exercise",
                json.dumps({"steps": 20, "step_s": 0.1}),
                on_progress=functools.partial(_advance, bar, task),
            )
        good = outcome.status == TaskStatus.COMPLETED and outcome.result_code == ResultCode.OK
        ok &= good
        console.print(
            f"{name} Exercise: {outcome.status.name}, result {outcome.result}, "
            f"{len(outcome.progress)} progress events"
        )
    console.print(
        "[green]All devices answered and every self-test passed." if ok else "[red]FAILED"
    )
    return ok
