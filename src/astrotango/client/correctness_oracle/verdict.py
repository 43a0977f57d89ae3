"""The correctness oracle's findings, its allowances, and the table they are shown in."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from astrotango.control.observation.dispatch import DEFAULT_SYNC_TOLERANCE_S  # the same allowance

__all__ = [
    "DEFAULT_MARGIN_DEG",
    "DEFAULT_SYNC_TOLERANCE_S",
    "DEFAULT_TICK_S",
    "RULE_HEADERS",
    "Allowances",
    "CorrectnessVerdict",
    "RuleResult",
    "Violation",
    "correctness_table",
    "correctness_text",
    "correctness_title",
]

#: Simulated seconds between two polls of the controller's dispatcher: a task due now starts
#: at the next one, and a run's end is recorded at the poll that hears of it.
DEFAULT_TICK_S = 10.0
#: Degrees an altitude, separation or sun limit may be missed by (ephemeris and refraction
#: differences between the planner's sky model and plain astropy).
DEFAULT_MARGIN_DEG = 0.1


@dataclass(frozen=True, slots=True)
class Allowances:
    """What the oracle lets pass, stated in its table.

    Attributes:
        tick_s: Added to a fixed-time task's tolerance, and to a window's end for a run's
            end (exposures get none: their times are the telescope's own).
        sync_tolerance_s: The spread of start times a sync group may have.
        margin_deg: The slack on every sky limit (altitude, airmass as altitude, moon
            separation, sun altitude).
        illumination_margin: The slack on the moon's illuminated fraction (0..1).
    """

    tick_s: float = DEFAULT_TICK_S
    sync_tolerance_s: float = DEFAULT_SYNC_TOLERANCE_S
    margin_deg: float = DEFAULT_MARGIN_DEG
    illumination_margin: float = 0.005

    def __post_init__(self) -> None:
        values = (self.tick_s, self.sync_tolerance_s, self.margin_deg, self.illumination_margin)
        if min(values) < 0.0:
            raise ValueError(f"allowances must not be negative: {self}")

    def text(self) -> str:
        """One line for the table's caption."""
        return (
            f"Allowances: fixed-time tolerance + {self.tick_s:g} s (the dispatcher's tick); "
            f"sync groups within {self.sync_tolerance_s:g} s; run ends {self.tick_s:g} s past "
            f"the window (exposures none); sky limits {self.margin_deg:g} deg, moon "
            f"illumination {self.illumination_margin:g}. Times UTC."
        )


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing that went wrong.

    Attributes:
        subject: The observation, task or group it is about (ids).
        text: What was wrong, with times and values.
        at: When (simulated, UTC), if it happened at one instant.
    """

    subject: str
    text: str
    at: datetime | None = None

    def line(self) -> str:
        """``subject: text``."""
        return f"{self.subject}: {self.text}"


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's verdict: how many things it checked, and what it found wrong."""

    rule: str
    checked: int
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """No violation."""
        return not self.violations


@dataclass(frozen=True, slots=True)
class CorrectnessVerdict:
    """Every rule's result over one night."""

    rules: tuple[RuleResult, ...]
    allowances: Allowances = field(default_factory=Allowances)

    @property
    def ok(self) -> bool:
        """No rule found a violation."""
        return all(r.ok for r in self.rules)

    def violations(self) -> list[tuple[str, Violation]]:
        """``(rule, violation)`` for every violation, rule by rule."""
        return [(r.rule, v) for r in self.rules for v in r.violations]


#: Column headings of :func:`correctness_table`.
RULE_HEADERS = ("rule", "checked", "violations", "verdict")


def correctness_title(verdict: CorrectnessVerdict) -> str:
    """``Correctness oracle: all zero``, or how many violations."""
    count = len(verdict.violations())
    state = "all zero" if verdict.ok else f"{count} violation{'s' * (count != 1)}, NOT ZERO"
    return f"Correctness oracle: {state}"


def correctness_table(verdict: CorrectnessVerdict) -> Table:
    """One row per rule; the allowances and every violation (one line each) below."""
    table = Table(title=correctness_title(verdict), min_width=100, caption_justify="left")
    for heading in RULE_HEADERS:
        table.add_column(heading)
    for result in verdict.rules:
        table.add_row(
            Text(result.rule),
            str(result.checked),
            str(len(result.violations)),
            "OK" if result.ok else "VIOLATED",
        )
    lines = [verdict.allowances.text()]
    lines += [f"{rule}: {v.line()}" for rule, v in verdict.violations()]
    table.caption = Text("\n".join(lines))  # Text: no markup read from names
    return table


def correctness_text(verdict: CorrectnessVerdict, width: int = 120) -> str:
    """:func:`correctness_table` as plain text (no colour, no markup)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(
        correctness_table(verdict)
    )
    return buffer.getvalue()
