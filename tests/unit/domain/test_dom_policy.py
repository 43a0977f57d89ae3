from __future__ import annotations

import json
from pathlib import Path

import pytest

from astrotango.domain import (
    DEFAULT_POLICIES,
    DEFAULT_QUEUES,
    ObservingPolicy,
    PolicyViolation,
    Queue,
    RequestType,
    TargetPositionType,
    ValidationError,
    parse_observation,
    policy_for_queue,
    validate_against_policy,
)

CONTRACT = Path(__file__).resolve().parents[3] / "examples/observations/contract_example.json"


def contract():
    return parse_observation(CONTRACT.read_text())


def test_defaults_reference_each_other() -> None:
    assert set(DEFAULT_QUEUES) >= {"research", "maintenance"}
    for queue in DEFAULT_QUEUES.values():
        assert queue.policy in DEFAULT_POLICIES
    research = DEFAULT_POLICIES["research"]
    assert research.allowed_request_types == frozenset(RequestType)
    assert not research.allow_hidden_observation and research.observatory_constraints
    maintenance = DEFAULT_POLICIES["maintenance"]
    assert maintenance.allow_hidden_observation and maintenance.observatory_constraints == ()
    with pytest.raises(TypeError):
        DEFAULT_POLICIES["x"] = research  # type: ignore[index]


def test_contract_passes_research() -> None:
    validate_against_policy(contract(), policy_for_queue("research"))


def test_forbidden_request_type_names_the_field() -> None:
    policy = ObservingPolicy(
        name="optical-only", allowed_request_types=frozenset({RequestType.OPTICAL_IMAGING})
    )
    with pytest.raises(PolicyViolation) as caught:
        validate_against_policy(contract(), policy)
    assert caught.value.fields == ("requests.1.type", "requests.2.type", "requests.3.type")
    assert str(caught.value.errors[0]) == (
        "requests.1.type: request type 'radio_mapping' is not allowed by policy "
        "'optical-only' (allowed: optical_imaging)"
    )
    assert isinstance(caught.value, ValidationError)


def test_position_type_refused() -> None:
    policy = ObservingPolicy(
        name="planets", allowed_target_position_types=frozenset({TargetPositionType.SOLAR_SYSTEM})
    )
    with pytest.raises(PolicyViolation) as caught:
        validate_against_policy(contract(), policy)
    assert caught.value.fields == ("requests.0.target", "requests.1.target", "requests.2.target")


def test_unknown_queue_names_queue() -> None:
    with pytest.raises(PolicyViolation) as caught:
        policy_for_queue("nope")
    assert caught.value.fields == ("queue",)
    with pytest.raises(PolicyViolation):
        policy_for_queue("q", {"q": Queue(name="q", policy="missing")}, DEFAULT_POLICIES)


def test_constraints_layer_telescope_on_observatory() -> None:
    policy = ObservingPolicy(
        name="p",
        observatory_constraints=("astro/constraint/wind",),
        telescope_constraints={"astro/telescope/t1": ("astro/constraint/battery",)},
    )
    assert policy.constraints_for("astro/telescope/t1") == (
        "astro/constraint/wind",
        "astro/constraint/battery",
    )
    assert policy.constraints_for("astro/telescope/t2") == ("astro/constraint/wind",)


def test_policy_round_trips_as_json() -> None:
    policy = DEFAULT_POLICIES["outreach"]
    assert ObservingPolicy.model_validate(json.loads(policy.model_dump_json())) == policy
