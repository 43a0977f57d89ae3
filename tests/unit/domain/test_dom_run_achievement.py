"""What a run achieved: a task's captured share, an observation's acquisition, a series run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from astrotango.domain import RunOutcome, SeriesRun, expand_observation, parse_observation
from astrotango.domain.progress import acquisition_done, planned_acquisition_s, task_capture

EXAMPLES = Path(__file__).parents[3] / "examples" / "observations"


def first_task(name: str, **request: Any) -> Any:
    document = json.loads((EXAMPLES / f"{name}.json").read_text())
    document["requests"][0].update(request)
    return expand_observation(parse_observation(document), "obs-1")[0]


@pytest.mark.parametrize(
    ("states", "done"),
    [
        (["completed"], True),
        (["completed", "canceled"], True),  # the canceled one was dropped: not waited for
        (["canceled", "canceled"], False),  # nothing captured
        (["completed", "pending"], False),
        (["completed", "scheduled"], False),
        (["completed", "running"], False),
        (["completed", "failed"], False),
        ([], False),
    ],
)
def test_an_observations_acquisition_is_done_when_every_task_to_do_is(
    states: list[str], done: bool
) -> None:
    assert acquisition_done(states) is done


def test_imaging_plans_its_exposures_times_its_passes() -> None:
    task = first_task("m31_mosaic")  # g 3 x 90 s, r 3 x 120 s
    assert planned_acquisition_s(task) == 630.0
    assert planned_acquisition_s(task.model_copy(update={"passes": 3})) == 1890.0


@pytest.mark.parametrize(
    ("frames", "threshold", "share", "enough"),
    [
        ([90, 90, 90, 120, 120], 0.8, 510 / 630, True),
        ([90, 90, 90, 120, 120], 0.9, 510 / 630, False),
        ([90] * 3 + [120] * 3, 0.9, 1.0, True),
        ([], 0.0, 0.0, False),  # nothing captured is never enough
    ],
)
def test_a_cut_task_has_enough_when_its_whole_frames_meet_its_threshold(
    frames: list[float], threshold: float, share: float, enough: bool
) -> None:
    capture = task_capture(first_task("m31_mosaic", acceptability_threshold=threshold), frames)
    assert capture is not None
    assert capture.share == pytest.approx(share)
    assert capture.enough is enough


def test_a_bias_has_no_acquisition_time_to_judge() -> None:
    task = first_task("calibration_night")  # its first request: bias frames
    assert task.request.kind == "bias"
    assert task_capture(task, [0.0]) is None


@pytest.mark.parametrize(
    ("outcome", "reason", "summary"),
    [
        (RunOutcome.COMPLETED, "", "run 3: 6 of 6 tasks completed"),
        (
            RunOutcome.FAILED,
            "window closed",
            "run 3: 4 of 6 tasks completed, failed: window closed",
        ),
        (RunOutcome.FAILED, "", "run 3: 4 of 6 tasks completed, failed"),
    ],
)
def test_a_series_run_says_what_it_achieved(outcome: RunOutcome, reason: str, summary: str) -> None:
    done = 6 if outcome is RunOutcome.COMPLETED else 4
    run = SeriesRun(
        run=3,
        outcome=outcome,
        at=datetime(2026, 12, 17, 2, tzinfo=UTC),
        reason=reason,
        tasks_completed=done,
        tasks=6,
    )
    assert run.summary() == summary
