"""An observation's progress from its tasks (domain/progress.py): the one formula."""

from __future__ import annotations

import pytest

from astrotango.domain import TaskState
from astrotango.domain.progress import observation_progress

_T = TaskState


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        ([], 0.0),
        ([(_T.PENDING, 0.0)] * 3, 0.0),
        ([(_T.COMPLETED, 1.0), (_T.PENDING, 0.0), (_T.PENDING, 0.0)], 1 / 3),
        ([(_T.COMPLETED, 1.0), (_T.RUNNING, 0.4), (_T.SCHEDULED, 0.0)], 1.4 / 3),
        # a completed task counts whole whatever its column says
        ([(_T.COMPLETED, 0.2)], 1.0),
        # re-queued, retried or reset tasks start again: their earlier progress does not count
        ([(_T.PENDING, 0.4), (_T.SCHEDULED, 1.0), (_T.FAILED, 0.7)], 0.0),
        # canceled work stays in the count: an abort after one of three reads 1/3
        ([(_T.COMPLETED, 1.0), (_T.CANCELED, 0.5), (_T.CANCELED, 0.0)], 1 / 3),
        # reports outside 0..1 are clamped
        ([(_T.RUNNING, 1.5), (_T.RUNNING, -0.5)], 0.5),
        # plain strings as the store holds them
        ([("completed", 1.0), ("running", 0.5)], 0.75),
    ],
)
def test_observation_progress(tasks: list[tuple[str, float]], expected: float) -> None:
    assert observation_progress(tasks) == pytest.approx(expected)


def test_an_unknown_state_is_a_bug() -> None:
    with pytest.raises(ValueError, match="acquired"):
        observation_progress([("acquired", 1.0)])
