"""What clients read: one observation in full, a filtered list, counts per status."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from astrotango.domain import ObservationStatus, ValidationError
from astrotango.domain.errors import FieldError
from astrotango.store import ObservationRecord, Store, TaskRecord

__all__ = ["counts", "list_observations", "observation_view", "task_view"]

_FILTER_KEYS = frozenset({"status", "queue", "limit", "offset"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def task_view(task: TaskRecord) -> dict[str, Any]:
    """A task's row without its full spec (the mission/000 columns)."""
    row = asdict(task)
    row.pop("spec")
    return _jsonable(row)  # type: ignore[no-any-return]


def _summary(record: ObservationRecord) -> dict[str, Any]:
    row = asdict(record)
    row.pop("document")
    return _jsonable(row)  # type: ignore[no-any-return]


def observation_view(store: Store, observation_id: str) -> dict[str, Any]:
    """Everything about one observation: document, tasks, history, assignments, assets.

    Raises:
        NotFound: no such observation.
    """
    record = store.get_observation(observation_id)
    tasks = store.tasks_of_observation(observation_id)
    view = _summary(record)
    view["document"] = json.loads(record.document)
    view["tasks"] = [task_view(t) for t in tasks]
    view["history"] = [_jsonable(asdict(t)) for t in store.transitions_of(observation_id)]
    view["task_history"] = {
        t.id: [_jsonable(asdict(x)) for x in store.transitions_of(t.id)] for t in tasks
    }
    view["assignment_history"] = {
        t.id: [_jsonable(asdict(a)) for a in store.assignment_history(t.id)] for t in tasks
    }
    view["assets"] = [_jsonable(asdict(a)) for a in store.assets_of_observation(observation_id)]
    view["series_history"] = [_jsonable(asdict(r)) for r in store.series_history(observation_id)]
    return view


def list_observations(store: Store, query: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Observations matching ``{"status", "queue", "limit", "offset"}`` (all optional).

    Raises:
        ValidationError: naming the filter field that is wrong.
    """
    errors = [FieldError(k, "unknown filter field") for k in sorted(set(query) - _FILTER_KEYS)]
    status = query.get("status")
    if status is not None and status not in {s.value for s in ObservationStatus}:
        errors.append(FieldError("status", f"not an observation status: {status!r}"))
    limit, offset = query.get("limit", 100), query.get("offset", 0)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        errors.append(FieldError("limit", "must be an integer from 1 to 1000"))
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        errors.append(FieldError("offset", "must be a non-negative integer"))
    if errors:
        raise ValidationError(errors)
    records = store.list_observations(
        status=status, queue=query.get("queue"), limit=limit, offset=offset
    )
    return [_summary(r) for r in records]


def counts(store: Store) -> dict[str, int]:
    """Observations per status, every status present (0 when none)."""
    found = store.count_by_status()
    return {s.value: int(found.get(s.value, 0)) for s in ObservationStatus}
