from __future__ import annotations

from pathlib import Path

import pytest

from astrotango.domain import (
    AssignmentMode,
    RequestType,
    TaskRuntime,
    TaskSpec,
    TaskState,
    expand_observation,
    observation_json_schema,
    parse_observation,
    policy_for_queue,
    validate_against_policy,
)

EXAMPLES = sorted(
    (Path(__file__).resolve().parents[3] / "examples" / "observations").glob("*.json")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_parses_passes_its_policy_and_expands(path: Path) -> None:
    observation = parse_observation(path.read_text())
    validate_against_policy(observation, policy_for_queue(observation.queue))
    tasks = expand_observation(observation, "obs-example")
    assert tasks and len({t.id for t in tasks}) == len(tasks)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_matches_the_json_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import json

    jsonschema.validate(json.loads(path.read_text()), observation_json_schema())


def test_examples_cover_every_request_type_mode_and_a_series() -> None:
    observations = [parse_observation(p.read_text()) for p in EXAMPLES]
    requests = [r for o in observations for r in o.requests]
    assert {r.type for r in requests} == set(RequestType)
    assert {r.assignment_mode for r in requests} == set(AssignmentMode)
    assert any(o.monitoring for o in observations)
    assert any(getattr(r, "field", None) for r in requests)
    assert {getattr(getattr(r, "pattern", None), "kind", None) for r in requests} >= {
        "daisy",
        "raster",
    }
    assert {r.timing.mode for r in requests} == {"flexible", "fixed_time", "time_based"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_task_specs_round_trip_as_json(path: Path) -> None:
    for task in expand_observation(parse_observation(path.read_text()), "obs-example"):
        assert TaskSpec.model_validate_json(task.model_dump_json()) == task


def test_task_runtime_starts_pending_and_is_replaced_not_mutated() -> None:
    from datetime import UTC, datetime

    runtime = TaskRuntime()
    assert runtime.status is TaskState.PENDING and runtime.progress == 0.0
    at = datetime(2026, 12, 15, 20, tzinfo=UTC)
    scheduled = runtime.model_copy(
        update={
            "status": TaskState.SCHEDULED,
            "telescope": "astro/telescope/t1",
            "planned_start": at,
        }
    )
    assert scheduled.is_due(at) and not runtime.is_due(at)
    with pytest.raises(ValueError):
        TaskRuntime(progress=1.5)
