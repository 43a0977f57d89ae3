"""What the intake asks the planning model before it stores an observation.

Two questions (observation-format.md, mission/001): the field of view a request's field is
tiled with ("a field larger than the assigned telescope's field of view is tiled"), and
whether any telescope that can take a request can observe it inside its window at all (a
portal refuses a target that never rises, or one submitted after it has set).

Tiling uses the largest field of view among the telescopes that can take the request (its
capability and every filter it names): the fewest tiles, each of which those telescopes can
take. A smaller camera that also has the filters cannot take such a tile; a mosaic meant for
it names only its filters. The duration estimate uses the slowest readout and settling among
those telescopes (``readout_s``, ``settle_s`` in the model), so a task fits its block on any
of them (and ends early on a faster one, whose next task is then planned at once).

The visibility check plans each request's first tasks alone on every capable telescope over
``[max(window start, now), window end]``, ignoring weather and current availability. It
refuses only what it can prove: a window longer than ``horizon`` is checked over its first
``horizon`` and accepted when nothing was found there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from astrotango.control.scheduler.mapping import (
    horizon_limits,
    request_needs,
    schedulable_tasks,
    telescopes_from_json,
)
from astrotango.domain import (
    FieldError,
    Observation,
    OpticalImagingRequest,
    Overheads,
    Request,
    RequestSetup,
    TaskSpec,
)
from astrotango.scheduling import PlannerConfig, Telescope, explain_task
from astrotango.scheduling.constraints import CapabilityConstraint
from astrotango.scheduling.problem import build_problem

__all__ = ["SubmissionCheck"]

_CHECK_HORIZON = timedelta(days=3)


class SubmissionCheck:
    """Tiling and visibility answers from the telescopes the Scheduler plans onto.

    Args:
        telescopes: The planning model (the Scheduler's ``Telescopes``).
        overheads: Per telescope id, its readout and settling (default: ``Overheads()``).
        horizon: Longest stretch of a window that is searched for a possible start.
        step_s: Time resolution of the search, seconds.
    """

    def __init__(
        self,
        telescopes: Sequence[Telescope],
        *,
        overheads: Mapping[str, Overheads] | None = None,
        horizon: timedelta = _CHECK_HORIZON,
        step_s: float = 60.0,
    ) -> None:
        self._telescopes = tuple(
            replace(t, available=True, unavailable_until=None) for t in telescopes
        )
        self._overheads = dict(overheads or {})
        self._horizon = horizon
        self._config = PlannerConfig(step_s=step_s)

    @classmethod
    def from_json(cls, text: str, **kwargs: Any) -> SubmissionCheck:
        """From the Scheduler's ``Telescopes`` JSON (``readout_s``/``settle_s`` optional).

        Raises:
            ValueError: naming the entry and field that is wrong.
        """
        telescopes = telescopes_from_json(text)
        costs = {}
        for tel, entry in zip(telescopes, json.loads(text), strict=True):
            try:
                costs[tel.id] = Overheads(
                    **{k: float(entry[k]) for k in ("readout_s", "settle_s") if k in entry}
                )
            except (TypeError, ValueError) as exc:
                raise ValueError(f"Telescopes.{tel.id}: {exc}") from exc
        return cls(telescopes, overheads=costs, **kwargs)

    def setup(self, request: Request) -> RequestSetup:
        """The tiling field of view and the estimate's overheads for one request.

        Both ``None`` when no telescope can take it (the visibility check then says so);
        the field of view ``None`` too without a field.
        """
        capability, features = request_needs(request)
        able = [
            t
            for t in self._telescopes
            if capability in t.capabilities and features <= t.capabilities
        ]
        if not able:
            return RequestSetup()
        fielded = isinstance(request, OpticalImagingRequest) and request.field is not None
        costs = [self._overheads[t.id] for t in able if t.id in self._overheads]
        overheads = (
            Overheads(
                readout_s=max(c.readout_s for c in costs),
                settle_s=max(c.settle_s for c in costs),
            )
            if costs
            else None
        )
        return RequestSetup(max(t.fov_deg for t in able) if fielded else None, overheads)

    def refusals(
        self, observation: Observation, tasks: Sequence[TaskSpec], now: datetime
    ) -> list[FieldError]:
        """One error per request no capable telescope can observe inside the window.

        Requests with ``check_visibility: false`` are not checked.
        """
        start = max(observation.window.start, now)
        end = observation.window.end
        errors = []
        for index, request in enumerate(observation.requests):
            if not request.check_visibility:
                continue
            first = [
                t
                for t in tasks
                if t.request_index == index and t.iteration == 0 and t.request_iteration == 0
            ]
            reason = self._unobservable(first, start, end)
            if reason:
                errors.append(FieldError(f"requests.{index}", reason))
        return errors

    def _unobservable(self, specs: Sequence[TaskSpec], start: datetime, end: datetime) -> str:
        """Why none of ``specs`` can be observed between ``start`` and ``end`` ('' if one can)."""
        if not specs:
            return ""
        if end <= start:
            return f"its window closed at {end.isoformat()}, before the submission"
        searched_end = min(end, start + self._horizon)
        tasks = schedulable_tasks(
            specs,
            at=start,
            site_lat_deg=self._telescopes[0].site.lat_deg if self._telescopes else 0.0,
            fov_deg=max((t.fov_deg for t in self._telescopes), default=1.0),
            horizon_deg=horizon_limits(self._telescopes),
        )
        gate = CapabilityConstraint()
        if not any(gate.can_take(task, tel) for task in tasks for tel in self._telescopes):
            return gate.describe(tasks[0])
        if searched_end - start < timedelta(seconds=self._config.step_s):
            return "its window is too short to observe anything"
        problem = build_problem(tasks, self._telescopes, start, searched_end, self._config)
        for row in range(len(tasks)):
            for tel in range(len(self._telescopes)):
                if problem.usable(row, tel) and problem.starts(row, tel).any():
                    return ""
        if searched_end < end:
            return ""  # not found in the first stretch of a long window: cannot tell
        why = explain_task(tasks[0], self._telescopes, start, end, config=self._config)
        return f"never observable by a telescope that can take it inside its window: {why.message}"
