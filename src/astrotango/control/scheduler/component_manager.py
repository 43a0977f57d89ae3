"""The Scheduler's logic: plan the pending tasks onto every telescope, re-plan on triggers.

Triggers (mission/003): the task pool changes (a light poll of the store's change marker,
which ignores the scheduler's own assignments: applying a plan must not ask for the next,
and the changes a run already read: a task's start is a trigger and a store change),
telescope availability changes (good weather back), a task starts or finishes (``trigger``),
or ``Run``. Each trigger bumps a generation number; a run checks it at each phase and
discards its plan when a newer trigger has arrived, and at most one further run waits in the
queue. The first slot of each telescope is published as soon as a short look-ahead plan finds
it (one greedy construction over the next hour); the full plan follows.

A scheduled task due to start within the commit window (10 minutes) after the task its
telescope is running is kept as planned: the run plans around it and publishes it unchanged,
so the next thing each telescope does is settled and does not move with every re-plan. A
telescope with nothing running keeps no slot: the run plans it from now.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from astrotango.clock import Clock
from astrotango.control.component_manager import BaseComponentManager
from astrotango.control.observation.records import task_spec
from astrotango.control.scheduler.mapping import (
    horizon_limits,
    planning_group,
    schedulable_tasks,
)
from astrotango.control_model import ResultCode, TaskStatus
from astrotango.domain import Actor, parse_task_id
from astrotango.lrc import TaskCallback
from astrotango.scheduling import (
    Plan,
    PlannerConfig,
    SchedulableTask,
    ScheduledBlock,
    Telescope,
    explain_task,
    iso_z,
    plan,
)
from astrotango.store import Store, TaskRecord

__all__ = ["Planner", "ScheduleSnapshot", "SchedulerComponentManager"]

Planner = Callable[[Sequence[SchedulableTask], Sequence[Telescope], datetime, datetime], Plan]
_FIRST_SLOT_S = 3600.0
_COMMIT_S = 600.0


@dataclass(frozen=True, slots=True)
class ScheduleSnapshot:
    """What the Scheduler publishes."""

    version: int
    blocks: tuple[dict[str, Any], ...]
    last_run_s: float
    tasks_considered: int
    partial: bool

    @property
    def schedule_json(self) -> str:
        """The ``schedule`` attribute: one entry per planned block."""
        return json.dumps(list(self.blocks))


class SchedulerComponentManager(BaseComponentManager):
    """Plans pending tasks from the store onto the configured telescopes.

    Args:
        store: Read for pending tasks (the controller is the only writer).
        telescopes: The telescopes to plan onto.
        clock: Planning starts at ``clock.now()``.
        publish: Told every new schedule (first slots, then the full plan).
        horizon_s: How far ahead to plan, seconds.
        resolution_s: Time-grid step, seconds.
        fov_deg: Field of view the intake tiles with (tiled tasks need at least this).
        planner: The planning function (injected for tests).
        **kwargs: Passed to :class:`BaseComponentManager`.
    """

    def __init__(
        self,
        *,
        store: Store,
        telescopes: Sequence[Telescope],
        clock: Clock,
        publish: Callable[[ScheduleSnapshot], None],
        horizon_s: float = 43_200.0,
        resolution_s: float = 60.0,
        fov_deg: float = 1.0,
        planner: Planner | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(clock=clock, **kwargs)
        self._store = store
        self._telescopes = {t.id: t for t in telescopes}
        self._clock = clock
        self._publish = publish
        self._horizon = timedelta(seconds=horizon_s)
        self._config = PlannerConfig(step_s=int(resolution_s))
        self._fov_deg = fov_deg
        self._planner: Planner = planner or (lambda t, s, a, b: plan(t, s, a, b, self._config))
        # The first slots only have to be quick: one greedy construction, no improvement.
        quick = replace(
            self._config,
            placements=self._config.placements[:1],
            repair_passes=0,
            search_max_tasks=0,
        )
        self._first_planner: Planner = planner or (lambda t, s, a, b: plan(t, s, a, b, quick))
        self._lock = threading.Lock()
        self._generation = 0
        self._run_waiting = False
        self._version = 0
        self._plan: Plan | None = None
        self._pool_marker: int | None = None

    @property
    def telescopes(self) -> tuple[Telescope, ...]:
        """The telescopes as last told (availability included)."""
        with self._lock:
            return tuple(self._telescopes.values())

    def trigger(self, reason: str) -> None:
        """Ask for a new plan; a run in progress becomes stale and is discarded."""
        with self._lock:
            self._generation += 1
            if self._run_waiting:
                return
            self._run_waiting = True
        self.logger.info("Scheduler re-triggered: %s", reason)
        self.submit(self._triggered_run, task_callback=lambda **_: None)

    def supersede(self, reason: str) -> None:
        """Make a run in progress stale without queueing another (``Run`` queues its own)."""
        with self._lock:
            self._generation += 1
        self.logger.info("Scheduler run superseded: %s", reason)

    def _triggered_run(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        # Plan from a settled instant: what the other servers write at the instant of the
        # trigger (a task's end, its observation's moves) is all in the store by then, and
        # every trigger of that instant joins this run, however their threads raced.
        self._clock.settle()
        with self._lock:
            self._run_waiting = False  # later triggers queue the next run
        self.run(task_callback=task_callback, abort_event=abort_event)

    def set_availability(
        self,
        telescope_id: str,
        available: bool,
        until: datetime | None,
        closed_queues: frozenset[str] = frozenset(),
    ) -> None:
        """Record a telescope's availability (and predicted good-weather time); re-plan.

        ``closed_queues``: the queues whose policy's gates forbid it now while others may
        observe (research closed in twilight, maintenance open).

        Raises:
            KeyError: for an unknown telescope.
        """
        with self._lock:
            self._telescopes[telescope_id] = replace(
                self._telescopes[telescope_id],
                available=available,
                unavailable_until=until,
                closed_queues=closed_queues,
            )
        state = "available" if available else "unavailable"
        closed = f", closed to {', '.join(sorted(closed_queues))}" if closed_queues else ""
        self.trigger(f"{telescope_id} {state}{closed}")

    def poll_task_pool(self) -> bool:
        """Re-plan when anything moved in the store since the last poll; True if so."""
        # changes of this very instant wait for the next poll, whichever way they raced it
        marker = self._store.change_marker(
            ignore_actor=Actor.SCHEDULER.value, before=self._clock.now()
        )
        with self._lock:
            changed = self._pool_marker is not None and marker > self._pool_marker
            self._pool_marker = max(marker, self._pool_marker or 0)
        if changed:
            self.trigger("task pool changed")
        return changed

    def run(self, *, task_callback: TaskCallback, abort_event: threading.Event) -> None:
        """Plan once (an LRC): load, map, first slots, full plan, publish; progress 0..100."""
        with self._lock:
            generation = self._generation
        started = time.perf_counter()
        task_callback(progress=5)
        start = self._clock.now()
        end = start + self._horizon
        # Every change recorded so far is in what this run reads: the poll need not re-plan
        # for it (a task that starts is a trigger and a store change, one re-plan is enough).
        # (taken when the plan is published: a discarded run has planned nothing).
        seen = self._store.change_marker(ignore_actor=Actor.SCHEDULER.value)
        # Scheduled tasks are re-planned too (the plan may move them), except those due within
        # the commit window; running ones are not.
        pending = self._store.tasks_by_status("pending")
        kept, replan = self._committed(self._store.tasks_by_status("scheduled"), pending, start)
        telescopes = self._busy_until_free(self.telescopes, start, kept)
        records = [*pending, *replan]
        lat = telescopes[0].site.lat_deg if telescopes else 0.0
        # One read per observation, then one pass over the tasks (the pool may hold 50,000).
        observations = {
            o: self._store.get_observation(o) for o in {r.observation_id for r in records}
        }
        eligible = {
            r.id: when
            for r in records
            if (when := observations[r.observation_id].cadence_next_eligible) is not None
        }
        tasks = schedulable_tasks(
            [task_spec(r) for r in records],
            at=start,
            site_lat_deg=lat,
            fov_deg=self._fov_deg,
            windows={r.id: (r.window_start, r.window_end) for r in records},
            eligible_from=eligible,
            horizon_deg=horizon_limits(telescopes),
            queues={r.id: observations[r.observation_id].queue for r in records},
        )
        task_callback(progress=25)
        first = self._first_planner(
            tasks, telescopes, start, min(end, start + timedelta(seconds=_FIRST_SLOT_S))
        )
        if self._stale(generation, abort_event, task_callback):
            return
        firsts: dict[str, ScheduledBlock] = {b.telescope_id: b for b in kept}
        for block in sorted(first.blocks, key=lambda b: b.start):
            firsts.setdefault(block.telescope_id, block)
        self._emit(first, tuple(firsts.values()), started, partial=True)
        task_callback(progress=40)
        full = self._planner(tasks, telescopes, start, end)
        if self._stale(generation, abort_event, task_callback):
            return
        blocks = sorted((*kept, *full.blocks), key=lambda b: (b.start, b.telescope_id))
        full = replace(full, blocks=tuple(blocks))
        self._plan = full
        with self._lock:
            self._pool_marker = max(seen, self._pool_marker or 0)
        self._emit(full, full.blocks, started, partial=False)
        task_callback(progress=100)
        task_callback(
            status=TaskStatus.COMPLETED,
            result=(
                ResultCode.OK,
                f"Planned {len(full.blocks)} of {len(tasks)} tasks on {len(telescopes)} "
                f"telescopes (schedule version {self._version})",
            ),
        )

    def _committed(
        self, scheduled: Sequence[TaskRecord], pending: Sequence[TaskRecord], now: datetime
    ) -> tuple[tuple[ScheduledBlock, ...], list[TaskRecord]]:
        """Split the scheduled tasks: blocks kept as planned (due soon), and tasks to re-plan.

        A single task's block is kept only on a busy telescope: on a free one (its task ended
        before the plan expected) waiting for a slot planned earlier would leave it idle. A
        group (parallel or synchronized copies) is kept whole when every member is due
        within the window, idle telescopes included: its members wait for each other, and a
        re-plan that filled the wait would push the group out again and again. Otherwise the
        group is re-planned whole.
        """
        busy = {t.telescope for t in self._store.tasks_by_status("running")}
        usable = {
            t.id
            for t in self.telescopes
            if t.available and (t.unavailable_until is None or t.unavailable_until <= now)
        }
        horizon = now + timedelta(seconds=_COMMIT_S)
        due = [
            t
            for t in scheduled
            if t.planned_start is not None and t.planned_start <= horizon and t.telescope in usable
        ]
        group_of = {t.id: planning_group(task_spec(t)) for t in due}
        observations = {t.observation_id for t in due}
        # every member still to do (scheduled or pending) of the groups of those tasks
        members = Counter(
            planning_group(task_spec(t))
            for t in (*scheduled, *pending)
            if t.observation_id in observations
        )
        due_in_group = Counter(group_of.values())
        before = {b.task_id: b for b in self._plan.blocks} if self._plan else {}
        kept: dict[str, ScheduledBlock] = {}
        for task in sorted(due, key=lambda t: (t.planned_start or now, t.id)):
            assert task.planned_start is not None and task.telescope is not None
            key = group_of[task.id]
            keep = task.telescope in busy if key is None else due_in_group[key] == members[key]
            if not keep or task.telescope in kept:
                continue
            was = before.get(task.id)
            kept[task.telescope] = ScheduledBlock(
                task.id,
                task.telescope,
                task.planned_start,
                task.planned_start + timedelta(seconds=task.duration_s),
                was.score if was else 0.0,
                {**(was.merits if was else {}), "committed": 1.0},
            )
        # A group is kept whole or re-planned whole (a member may have lost its telescope's
        # next slot to an earlier block).
        kept_ids = {b.task_id for b in kept.values()}
        broken = {
            key for task_id, key in group_of.items() if key is not None and task_id not in kept_ids
        }
        kept = {t: b for t, b in kept.items() if group_of[b.task_id] not in broken}
        kept_ids = {b.task_id for b in kept.values()}
        return tuple(kept.values()), [t for t in scheduled if t.id not in kept_ids]

    def _busy_until_free(
        self,
        telescopes: tuple[Telescope, ...],
        now: datetime,
        kept: Sequence[ScheduledBlock] = (),
    ) -> tuple[Telescope, ...]:
        """The telescopes, each running or about to run a task unavailable until it ends."""
        free_at: dict[str, datetime] = {}
        ending = [
            (t.telescope, (t.claimed_at or now) + timedelta(seconds=t.duration_s))
            for t in self._store.tasks_by_status("running")
        ]
        for telescope, ends in [*ending, *((b.telescope_id, b.end) for b in kept)]:
            if telescope is None:
                continue
            free_at[telescope] = max(ends, free_at.get(telescope, ends))
        out = []
        for tel in telescopes:
            free = free_at.get(tel.id)
            if free is not None and free > now and tel.available:
                tel = replace(tel, unavailable_until=max(free, tel.unavailable_until or free))
            out.append(tel)
        return tuple(out)

    def _stale(
        self, generation: int, abort_event: threading.Event, task_callback: TaskCallback
    ) -> bool:
        if abort_event.is_set():
            task_callback(
                status=TaskStatus.ABORTED, result=(ResultCode.ABORTED, "Command has been aborted")
            )
            return True
        with self._lock:
            stale = generation != self._generation
        if stale:
            task_callback(
                status=TaskStatus.COMPLETED,
                result=(ResultCode.OK, "Plan discarded: a newer trigger superseded this run"),
            )
        return stale

    def _emit(self, result: Plan, blocks: Sequence[Any], started: float, *, partial: bool) -> None:
        entries = tuple(
            {
                "task": b.task_id,
                "observation": parse_task_id(b.task_id)[0],
                "telescope": b.telescope_id,
                "start": iso_z(b.start),
                "end": iso_z(b.end),
                "score": round(float(b.score), 6),
                "merits": {k: round(float(v), 6) for k, v in b.merits.items()},
            }
            for b in blocks
        )
        self._version += 1
        self._publish(
            ScheduleSnapshot(
                self._version,
                entries,
                time.perf_counter() - started,
                result.tasks_considered,
                partial,
            )
        )

    def explain(self, observation_id: str) -> list[dict[str, Any]]:
        """Why each task of an observation is (not) planned, and when it next could be.

        Raises:
            NotFound: no such observation.
        """
        observation = self._store.get_observation(observation_id)
        start = self._clock.now()
        telescopes = self.telescopes
        lat = telescopes[0].site.lat_deg if telescopes else 0.0
        specs = [task_spec(r) for r in self._store.tasks_of_observation(observation_id)]
        tasks = schedulable_tasks(
            specs,
            at=start,
            site_lat_deg=lat,
            fov_deg=self._fov_deg,
            horizon_deg=horizon_limits(telescopes),
            queues={s.id: observation.queue for s in specs},
        )
        answers = []
        for task, spec in zip(tasks, specs, strict=True):
            why = explain_task(
                task,
                telescopes,
                start,
                start + self._horizon,
                plan=self._plan,
                config=self._config,
            )
            answers.append(
                {
                    "task": spec.id,
                    "request_index": spec.request_index,
                    "scheduled": why.scheduled,
                    "message": why.message,
                    "next_possible": iso_z(why.next_possible) if why.next_possible else None,
                    "reasons": [
                        {
                            "constraint": r.constraint,
                            "telescope": r.telescope_id,
                            "until": iso_z(r.until) if r.until else None,
                            "message": r.message,
                        }
                        for r in why.reasons
                    ],
                    "merits": dict(why.merits),
                }
            )
        return answers
