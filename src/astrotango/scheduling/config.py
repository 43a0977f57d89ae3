"""Planner settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from astrotango.scheduling.constraints import DEFAULT_CONSTRAINTS, Constraint
from astrotango.scheduling.merits import DEFAULT_MERITS, Merit

__all__ = ["Placement", "PlannerConfig"]

Placement = Literal["contention", "packing"]


@dataclass(frozen=True, slots=True)
class PlannerConfig:
    """How the planner samples time and which gates and preferences it applies.

    Attributes:
        step_s: Grid resolution, seconds; blocks start on grid samples.
        margin_deg: Safety margin on every angular limit (altitude, airmass, sun, moon),
            degrees; keeps plans valid for an independent astropy check.
        constraints: Hard gates (all must hold at every sample a block covers).
        merits: Soft factors multiplied with priority and queue priority.
        chunk_tasks: Tasks per chunk when building (tasks x times) masks (bounds memory).
        placements: Construction rules tried in turn, the best plan kept: ``"contention"``
            (a block goes where unplanned tasks want the time least) and ``"packing"``
            (where it leaves the smallest free run beside it).
        multi_start_max_tasks: Above this many tasks only the first placement rule is used.
        repair_max_trials: Ejection trials allowed per construction (a deterministic
            effort bound; trials by pushing neighbours are not counted).
        repair_passes: Improvement passes (insert an unscheduled task by ejecting cheaper
            blocks, then re-placing them) after the greedy construction.
        search_max_tasks: Up to this many tasks, the plan is then improved by an iterated
            local search over block sequences (see :mod:`search`).
        search_iterations: Most shake-and-refill rounds of that search.
        search_patience: The search stops after this many rounds without improvement.
        search_restart: It returns to the best plan after this many rounds without one.
        search_effort: It also stops once its insertion tests (candidate tasks times
            candidate positions, summed) exceed this count.
        beam_max_tasks: Up to this many tasks (and ``search_max_tasks``), the single tasks
            are planned anew by a beam search around the fixed blocks (see
            ``Sequences.beam``) and the search starts from that plan, running
            ``beam_search_iterations`` rounds; only the ``"packing"`` construction runs,
            as the plan to beat.
        beam_width: States kept per level of the beam search.
        beam_children: Next blocks tried from each state.
        beam_search_iterations: Search rounds after the beam search.
    """

    step_s: float = 60.0
    margin_deg: float = 0.02
    constraints: tuple[Constraint, ...] = DEFAULT_CONSTRAINTS
    merits: tuple[Merit, ...] = DEFAULT_MERITS
    chunk_tasks: int = 2048
    repair_passes: int = 3
    placements: tuple[Placement, ...] = ("contention", "packing")
    multi_start_max_tasks: int = 150
    repair_max_trials: int = 1500
    search_max_tasks: int = 250
    search_iterations: int = 200
    search_patience: int = 100
    search_restart: int = 40
    search_effort: int = 600_000
    beam_max_tasks: int = 150
    beam_width: int = 30
    beam_children: int = 10
    beam_search_iterations: int = 40

    def __post_init__(self) -> None:
        if self.step_s <= 0.0:
            raise ValueError("step_s must be positive")
        if self.margin_deg < 0.0:
            raise ValueError("margin_deg must be >= 0")
        if not self.placements:
            raise ValueError("at least one placement rule is required")
        if self.chunk_tasks < 1 or self.repair_passes < 0:
            raise ValueError("chunk_tasks must be >= 1 and repair_passes >= 0")
