"""Submission end to end below Tango: validate, policy, expand, store — all or nothing."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from astrotango.clock import ManualClock
from astrotango.control.observation import ObservationIntake, task_spec
from astrotango.domain import ValidationError, expand_observation, parse_observation
from astrotango.store import DuplicateId, Store, open_store

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "observations").glob("*.json"))
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _bad_documents() -> object:
    path = ROOT / "tests" / "unit" / "domain" / "dom_bad_documents.py"
    spec = importlib.util.spec_from_file_location("dom_bad_documents_for_intake", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BAD = _bad_documents()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


@pytest.fixture
def intake(store: Store) -> ObservationIntake:
    return ObservationIntake(store, clock=ManualClock(T0))


def stored_rows(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        observations = conn.exec_driver_sql("SELECT count(*) FROM observations").scalar()
        tasks = conn.exec_driver_sql("SELECT count(*) FROM tasks").scalar()
    return int(observations or 0), int(tasks or 0)


def test_at_least_thirty_bad_documents_are_shipped() -> None:
    assert len(BAD.BAD_DOCUMENTS) >= 30  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("case", "mutation", "field", "policy"),
    BAD.BAD_DOCUMENTS,  # type: ignore[attr-defined]
    ids=[c[0] for c in BAD.BAD_DOCUMENTS],  # type: ignore[attr-defined]
)
def test_a_bad_document_is_refused_naming_the_field_and_nothing_is_stored(
    intake: ObservationIntake,
    store: Store,
    case: str,
    mutation: object,
    field: str,
    policy: str | None,
) -> None:
    document = BAD.bad_document(mutation)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as info:
        intake.submit(json.dumps(document))
    assert field in [e.field for e in info.value.errors], str(info.value)
    assert stored_rows(store) == (0, 0)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_example_is_stored_with_every_task(
    intake: ObservationIntake, store: Store, path: Path
) -> None:
    text = path.read_text()
    observation_id = intake.submit(text)
    record = store.get_observation(observation_id)
    assert record.status == "pending"
    expected = expand_observation(parse_observation(text), observation_id)
    tasks = store.tasks_of_observation(observation_id)
    assert sorted(t.id for t in tasks) == sorted(t.id for t in expected)
    assert {task_spec(t) for t in tasks} == set(expected), "specs round-trip through the store"
    [created] = store.transitions_of(observation_id)
    assert (created.from_status, created.to_status, created.actor) == (None, "pending", "user")


def test_the_same_document_at_the_same_instant_is_a_duplicate(
    intake: ObservationIntake, store: Store
) -> None:
    text = EXAMPLES[0].read_text()
    first = intake.submit(text)
    with pytest.raises(DuplicateId):
        intake.submit(text)
    assert stored_rows(store)[0] == 1
    assert store.get_observation(first)
