"""A telescope's safety verdict, and the table it is shown in (console, report)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from astrotango.client.safety_oracle.night_record import TelescopeKind

__all__ = [
    "DEFAULT_ALLOWANCE_S",
    "VERDICT_HEADERS",
    "SafetyVerdict",
    "all_ok",
    "safety_table",
    "safety_text",
    "safety_title",
    "verdict_notes",
    "verdict_rows",
]

#: Seconds a telescope may take to become safe after a condition begins.
DEFAULT_ALLOWANCE_S = 120.0


@dataclass(frozen=True, slots=True)
class SafetyVerdict:
    """One telescope's verdict; every figure is simulated seconds beyond ``allowance_s``."""

    telescope: str
    kind: TelescopeKind
    seconds_unsafe_interlock: float
    seconds_sun_up: float
    seconds_gates_bad: float
    failed_shutdowns: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()
    allowance_s: float = DEFAULT_ALLOWANCE_S
    #: When it was unsafe beyond the allowance, one line each ("03:42:00-03:42:09 UTC: ...").
    spells: tuple[str, ...] = ()

    def total(self) -> float:
        """Unsafe seconds of all three kinds together (overlaps counted in each)."""
        return self.seconds_unsafe_interlock + self.seconds_sun_up + self.seconds_gates_bad

    @property
    def ok(self) -> bool:
        """Zero unsafe seconds, no failed shutdown, and everything could be checked."""
        return self.total() == 0.0 and not self.failed_shutdowns and not self.unchecked

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "telescope": self.telescope,
            "kind": self.kind.value,
            "seconds_unsafe_interlock": self.seconds_unsafe_interlock,
            "seconds_sun_up": self.seconds_sun_up,
            "seconds_gates_bad": self.seconds_gates_bad,
            "failed_shutdowns": list(self.failed_shutdowns),
            "unchecked": list(self.unchecked),
            "allowance_s": self.allowance_s,
            "spells": list(self.spells),
            "total_s": self.total(),
            "ok": self.ok,
        }


def all_ok(verdicts: Iterable[SafetyVerdict]) -> bool:
    """Whether every verdict is OK."""
    return all(v.ok for v in verdicts)


#: Column headings of :func:`verdict_rows`.
VERDICT_HEADERS = (
    "telescope",
    "kind",
    "interlock fired (s)",
    "sun up (s)",
    "gates bad (s)",
    "failed shutdowns",
    "verdict",
)


def verdict_rows(verdicts: Iterable[SafetyVerdict]) -> list[tuple[str, ...]]:
    """One row of text cells per verdict, under :data:`VERDICT_HEADERS`."""
    return [
        (
            v.telescope,
            v.kind.value,
            _seconds(v.seconds_unsafe_interlock),
            _seconds(v.seconds_sun_up),
            _seconds(v.seconds_gates_bad),
            str(len(v.failed_shutdowns)),
            _verdict_word(v),
        )
        for v in verdicts
    ]


def verdict_notes(verdicts: Iterable[SafetyVerdict]) -> list[str]:
    """One line per unsafe spell, failed shutdown and thing that could not be checked."""
    verdicts = list(verdicts)
    notes = [f"{v.telescope}: {text}" for v in verdicts for text in v.spells]
    notes += [f"{v.telescope}: {text}" for v in verdicts for text in v.failed_shutdowns]
    return notes + [f"{v.telescope}: unchecked: {text}" for v in verdicts for text in v.unchecked]


def safety_title(verdicts: Sequence[SafetyVerdict]) -> str:
    """The table's title: the allowance and whether everything reads zero."""
    allowance = verdicts[0].allowance_s if verdicts else DEFAULT_ALLOWANCE_S
    state = "all zero" if all_ok(verdicts) else "NOT ZERO"
    return f"Safety oracle ({allowance:.0f} s allowance): {state}"


def safety_table(verdicts: Sequence[SafetyVerdict]) -> Table:
    """The verdicts as a rich table, with every failed shutdown and unchecked item below."""
    table = Table(title=safety_title(verdicts))
    for heading in VERDICT_HEADERS:
        table.add_column(heading)
    for cells in verdict_rows(verdicts):
        table.add_row(*(Text(cell) for cell in cells))  # Text: no markup read from names
    notes = verdict_notes(verdicts)
    table.caption = Text("\n".join(notes)) if notes else None
    return table


def safety_text(verdicts: Sequence[SafetyVerdict], width: int = 120) -> str:
    """:func:`safety_table` as plain text (no colour, no markup)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False).print(
        safety_table(verdicts)
    )
    return buffer.getvalue()


def _seconds(value: float) -> str:
    return f"{value:.1f}" if value else "0"


def _verdict_word(verdict: SafetyVerdict) -> str:
    if verdict.ok:
        return "OK"
    return "UNCHECKED" if verdict.total() == 0 and not verdict.failed_shutdowns else "UNSAFE"
