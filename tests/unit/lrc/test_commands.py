"""The command registry: what the LRC attributes hold and the order events are published in."""

from __future__ import annotations

import json
import re
from typing import Any

from astrotango.control_model import ResultCode, TaskStatus
from astrotango.lrc import CommandRegistry, new_command_id


class Sink:
    def __init__(self) -> None:
        self.pushed: list[tuple[str, Any]] = []

    def __call__(self, changes: Any) -> None:
        self.pushed.extend(changes)

    def lrc_events(self) -> list[dict[str, Any]]:
        return [json.loads(v[1]) for n, v in self.pushed if n == "_lrcEvent"]


def test_command_ids_have_the_ska_form() -> None:
    assert re.fullmatch(r"\d+\.\d+_\d+_Exercise", new_command_id("Exercise"))


def test_staging_first_and_result_before_the_final_status() -> None:
    sink = Sink()
    reg = CommandRegistry(sink)
    uid = reg.new_command("Slew")
    reg.update(uid, status=TaskStatus.QUEUED)
    reg.update(uid, status=TaskStatus.IN_PROGRESS)
    reg.update(uid, progress=40)
    reg.update(uid, status=TaskStatus.COMPLETED, result=(ResultCode.OK, "on target"))
    assert sink.lrc_events() == [
        {"status": 0},
        {"status": 1},
        {"status": 2},
        {"progress": 40},
        {"result": [0, "on target"]},
        {"status": 5},
    ]
    names = [n for n, _ in sink.pushed]
    assert names.index("longRunningCommandResult") < names.index(
        "lrcFinished", names.index("longRunningCommandResult")
    )
    values = reg.attribute_values()
    assert values["lrcQueue"] == () and values["lrcExecuting"] == ()
    finished = json.loads(values["lrcFinished"][0])
    assert finished["status"] == "COMPLETED" and finished["result"] == [0, "on target"]
    assert values["longRunningCommandStatus"] == (uid, "COMPLETED")
    assert values["longRunningCommandResult"] == (uid, '[0, "on target"]')


def test_updates_after_the_final_status_are_ignored() -> None:
    sink = Sink()
    reg = CommandRegistry(sink)
    uid = reg.new_command("Park")
    reg.update(uid, status=TaskStatus.IN_PROGRESS)
    reg.update(
        uid, status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "Command has been aborted")
    )
    before = len(sink.pushed)
    reg.update(uid, status=TaskStatus.COMPLETED, result=(ResultCode.OK, "late"))
    assert len(sink.pushed) == before
    assert reg.status_of(uid) == TaskStatus.ABORTED


def test_unknown_ids_are_not_found_and_only_the_last_100_are_kept() -> None:
    reg = CommandRegistry(Sink())
    assert reg.status_of("nope") == TaskStatus.NOT_FOUND
    uids = [reg.new_command(f"C{i}") for i in range(105)]
    for uid in uids:
        reg.update(uid, status=TaskStatus.IN_PROGRESS)
        reg.update(uid, status=TaskStatus.COMPLETED, result=(ResultCode.OK, ""))
    assert len(reg.attribute_values()["lrcFinished"]) == 100
    assert reg.status_of(uids[0]) == TaskStatus.NOT_FOUND
    assert reg.status_of(uids[-1]) == TaskStatus.COMPLETED


def test_executing_entries_carry_progress() -> None:
    reg = CommandRegistry(Sink())
    uid = reg.new_command("Expose")
    reg.update(uid, status=TaskStatus.IN_PROGRESS)
    reg.update(uid, progress=250)
    entry = json.loads(reg.attribute_values()["lrcExecuting"][0])
    assert entry["progress"] == 100 and entry["name"] == "Expose" and entry["started_time"]
