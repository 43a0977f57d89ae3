"""The correctness oracle's judgement: every rule over one night's facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from astrotango.client.correctness_oracle.endings import run_endings
from astrotango.client.correctness_oracle.facts import NightFacts, read_night
from astrotango.client.correctness_oracle.fixed_time import fixed_times
from astrotango.client.correctness_oracle.histories import histories
from astrotango.client.correctness_oracle.sky import Mount, sky_constraints
from astrotango.client.correctness_oracle.together import parallel_pairs, sync_groups
from astrotango.client.correctness_oracle.verdict import Allowances, CorrectnessVerdict
from astrotango.client.correctness_oracle.windows import window_ends
from astrotango.store import open_store

__all__ = ["judge_correctness", "judge_store"]


def judge_correctness(
    night: NightFacts,
    mounts: Mapping[str, Mount],
    allowances: Allowances | None = None,
) -> CorrectnessVerdict:
    """Judge ``night`` by every rule, in the order the table shows them.

    Args:
        night: What the store recorded.
        mounts: Each telescope's site and horizon limit, by device name (an instant on a
            telescope not named here is a sky violation: it cannot be checked).
        allowances: What the rules let pass (the defaults when None).
    """
    allowances = allowances or Allowances()
    return CorrectnessVerdict(
        (
            fixed_times(night, allowances),
            parallel_pairs(night, allowances),
            sync_groups(night, allowances),
            window_ends(night, allowances),
            run_endings(night, allowances),
            sky_constraints(night, allowances, mounts),
            histories(night, allowances),
        ),
        allowances,
    )


def judge_store(
    url: str,
    end: datetime,
    mounts: Mapping[str, Mount],
    observation_ids: Iterable[str] | None = None,
    allowances: Allowances | None = None,
) -> CorrectnessVerdict:
    """Open the store at ``url``, read the night (those observations, or all) and judge it.

    Raises:
        NotFound: a named observation is not in the store.
    """
    store = open_store(url)
    try:
        night = read_night(store, end, observation_ids)
    finally:
        store.close()
    return judge_correctness(night, mounts, allowances)
