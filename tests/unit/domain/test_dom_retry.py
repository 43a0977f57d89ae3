"""The retry decision, from its table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from astrotango.domain import after_failure

NOW = datetime(2026, 12, 16, 2, tzinfo=UTC)
BEFORE, AFTER = NOW + timedelta(hours=1), NOW - timedelta(seconds=1)


@pytest.mark.parametrize(
    ("failures", "limit", "reassign", "cancel_on", "retry", "words"),
    [
        (1, 3, True, None, True, "retry 2 of 3 after: dome stuck"),
        (2, 3, True, BEFORE, True, "retry 3 of 3 after: dome stuck"),
        (3, 3, True, None, False, "retry limit 3 reached"),
        (1, 0, True, None, False, "retry limit 0 reached"),
        (1, 3, False, None, False, "reassignment not allowed"),
        (1, 3, True, AFTER, False, "cancel_on 2026-12-16T01:59:59+00:00 passed"),
        (1, 3, True, NOW, False, "passed"),
    ],
)
def test_after_failure(
    failures: int,
    limit: int,
    reassign: bool,
    cancel_on: datetime | None,
    retry: bool,
    words: str,
) -> None:
    decision = after_failure(
        error="dome stuck",
        failures=failures,
        retry_limit=limit,
        allow_reassignment=reassign,
        cancel_on=cancel_on,
        now=NOW,
    )
    assert decision.retry is retry
    assert words in decision.reason
    assert "dome stuck" in decision.reason
