from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrotango.domain import (
    AltAzTarget,
    CalibrationRequest,
    CoordinateType,
    GalacticTarget,
    IcrsTarget,
    Observation,
    SolarSystemTarget,
    TargetPositionType,
    ValidationError,
    make_observation_id,
    observation_json_schema,
    parse_observation,
    shipped_observation_schema,
)
from astrotango.domain.schema import render_observation_schema, write_observation_schema

CONTRACT = Path("/work/shared/observation-format.md")
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "observations"


def contract_document() -> str:
    if CONTRACT.exists():
        match = re.search(r"```json\n(.*?)```", CONTRACT.read_text(), re.S)
        assert match
        return match.group(1)
    return (EXAMPLES / "contract_example.json").read_text()


def test_contract_document_validates_unchanged() -> None:
    observation = parse_observation(contract_document())
    assert [r.type for r in observation.requests] == [
        "optical_imaging",
        "radio_mapping",
        "radio_tracking",
        "calibration",
    ]
    target = observation.requests[0].target
    assert isinstance(target, IcrsTarget) and target.name == "M31"
    assert observation.window.start == datetime(2026, 12, 15, 18, tzinfo=UTC)
    assert observation.monitoring is not None and observation.monitoring.max_observations == 10


def test_document_round_trips() -> None:
    observation = parse_observation(contract_document())
    again = parse_observation(observation.to_document())
    assert again == observation
    assert parse_observation(json.dumps(observation.to_document())) == observation


@pytest.mark.parametrize(
    ("target", "cls", "position", "frame"),
    [
        ({"name": "M31", "ra_deg": 10.7, "dec_deg": 41.3}, IcrsTarget, "sidereal", "icrs"),
        (
            {"kind": "icrs", "name": "x", "ra_deg": 0, "dec_deg": -90},
            IcrsTarget,
            "sidereal",
            "icrs",
        ),
        ({"name": "GC", "l_deg": 0, "b_deg": 0}, GalacticTarget, "sidereal", "galactic"),
        ({"body": "moon"}, SolarSystemTarget, "solar_system", "ephemeris"),
        (
            {"kind": "solar_system", "body": "neptune"},
            SolarSystemTarget,
            "solar_system",
            "ephemeris",
        ),
        ({"name": "screen", "alt_deg": 10, "az_deg": 90}, AltAzTarget, "fixed", "altaz"),
    ],
)
def test_target_kind_is_inferred_and_typed(target, cls, position, frame) -> None:
    document = json.loads(contract_document())
    document["requests"][2]["target"] = target
    parsed = parse_observation(document).requests[2].target
    assert isinstance(parsed, cls)
    assert parsed.position_type == TargetPositionType(position)
    assert parsed.coordinate_type == CoordinateType(frame)


def test_every_astropy_builtin_body_is_accepted() -> None:
    from astropy.coordinates import solar_system_ephemeris

    import astrotango.astro  # noqa: F401

    bodies = set(solar_system_ephemeris.bodies) - {"earth", "earth-moon-barycenter"}
    document = json.loads(contract_document())
    for body in bodies:
        document["requests"][2]["target"] = {"body": body}
        assert parse_observation(document).requests[2].target.label == body


def test_errors_list_every_field_and_carry_pairs() -> None:
    document = json.loads(contract_document())
    document["requests"][0]["target"]["dec_deg"] = 95
    document["priority"] = 0
    with pytest.raises(ValidationError) as caught:
        parse_observation(document)
    assert caught.value.fields == ("priority", "requests.0.target.dec_deg")
    assert caught.value.errors[1].reason == "Input should be less than or equal to 90"
    assert "requests.0.target.dec_deg: Input should be less than or equal to 90" in str(
        caught.value
    )


@pytest.mark.parametrize("text", ["", "[", "42", "null", '"x"'])
def test_non_documents_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_observation(text)
    assert caught.value.fields == ("document",)


def test_instants_are_normalised_to_utc() -> None:
    document = json.loads(contract_document())
    document["window"]["start"] = "2026-12-15T19:00:00+01:00"
    assert parse_observation(document).window.start == datetime(2026, 12, 15, 18, tzinfo=UTC)


def test_calibration_defaults() -> None:
    request = parse_observation(contract_document()).requests[3]
    assert isinstance(request, CalibrationRequest)
    assert (request.kind, request.count, request.target, request.exposure_s) == (
        "flat",
        10,
        None,
        None,
    )


def test_observation_id_is_stable_and_depends_on_submission_time() -> None:
    observation = parse_observation(contract_document())
    at = datetime(2026, 12, 1, 12, tzinfo=UTC)
    first = make_observation_id(observation, at)
    assert re.fullmatch(r"obs-[0-9a-f]{12}", first)
    assert make_observation_id(parse_observation(contract_document()), at) == first
    assert make_observation_id(observation, datetime(2026, 12, 1, 12, 0, 1, tzinfo=UTC)) != first
    with pytest.raises(ValueError):
        make_observation_id(observation, datetime(2026, 12, 1))


def test_models_are_immutable() -> None:
    observation = parse_observation(contract_document())
    with pytest.raises(Exception, match="frozen"):
        observation.priority = 9  # type: ignore[misc]


def test_shipped_schema_equals_generated() -> None:
    assert shipped_observation_schema() == observation_json_schema(), (
        "regenerate: python -c 'from astrotango.domain import write_observation_schema as w; w()'"
    )


def test_schema_writer_renders_the_same_text(tmp_path: Path) -> None:
    written = write_observation_schema(tmp_path / "schema.json")
    assert written.read_text() == render_observation_schema()
    assert json.loads(written.read_text()) == observation_json_schema()


def test_schema_accepts_the_contract_and_refuses_dec_95() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = observation_json_schema()
    document = json.loads(contract_document())
    jsonschema.validate(document, schema)
    document["requests"][0]["target"]["dec_deg"] = 95
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_schema_names_the_request_types() -> None:
    text = json.dumps(observation_json_schema())
    for name in ("optical_imaging", "radio_tracking", "radio_mapping", "calibration"):
        assert name in text
    assert Observation.model_config["extra"] == "forbid"
