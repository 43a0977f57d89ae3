"""The errors the observation domain raises, and the ones the store raises for it.

The tree (catch the narrowest class that answers your question)::

    AstroTangoError                 anything astrotango raises on purpose
    └── DomainError                 a domain rule refused the request
        ├── ValidationError         a submission is malformed; .errors lists (field, reason)
        │   ├── PolicyViolation     well formed, but its queue's ObservingPolicy refuses it
        │   ├── ExpansionError      well formed, but it cannot be expanded into tasks
        │   └── Unobservable        well formed, but no capable telescope can do it in its window
        ├── IllegalTransition       a lifecycle edge that the transition table does not allow
        ├── NotFound                no observation / task / queue / policy of that name
        └── Conflict                another writer got there first
            ├── ConcurrencyConflict the version read is no longer current (optimistic locking)
            └── ClaimRejected       the task is already claimed, or the fencing token is stale

Foreign exceptions (pydantic's, SQLAlchemy's) are translated into this tree once, at the edge
that meets them: :func:`astrotango.domain.parse_observation` for pydantic, the store for
SQLAlchemy. The device layer maps this tree to ``DevFailed`` in one place, using the class
name as the ``reason``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "AstroTangoError",
    "ClaimRejected",
    "ConcurrencyConflict",
    "Conflict",
    "DomainError",
    "ExpansionError",
    "FieldError",
    "IllegalTransition",
    "NotFound",
    "PolicyViolation",
    "Unobservable",
    "ValidationError",
]


class FieldError(NamedTuple):
    """One refused field: its dotted path (``requests.0.target.dec_deg``) and the reason."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class AstroTangoError(Exception):
    """Base of every error astrotango raises on purpose."""


class DomainError(AstroTangoError):
    """A rule of the observation domain refused the request."""


class ValidationError(DomainError):
    """A submitted document is malformed.

    Attributes:
        errors: every failing field, in document order, as ``(field, reason)`` pairs.
    """

    def __init__(self, errors: Iterable[FieldError | tuple[str, str]]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(FieldError(*e) for e in errors)
        if not self.errors:
            raise ValueError("a ValidationError needs at least one field error")
        super().__init__("; ".join(str(e) for e in self.errors))

    @property
    def fields(self) -> tuple[str, ...]:
        """The failing field paths, in order."""
        return tuple(e.field for e in self.errors)


class PolicyViolation(ValidationError):
    """A well-formed document that its queue's ObservingPolicy refuses."""


class ExpansionError(ValidationError):
    """A well-formed document that cannot be expanded into tasks (e.g. a field over the pole)."""


class Unobservable(ValidationError):
    """A well-formed document with a request no capable telescope can observe in its window."""


class IllegalTransition(DomainError):
    """A state change the transition table does not allow for that actor.

    Attributes:
        entity: ``"observation"`` or ``"task"``.
        from_state: the current state value.
        to_state: the requested state value.
        actor: the actor value that asked.
    """

    def __init__(
        self, entity: str, from_state: str, to_state: str, actor: str, detail: str = ""
    ) -> None:
        self.entity = entity
        self.from_state = from_state
        self.to_state = to_state
        self.actor = actor
        message = f"illegal {entity} transition {from_state} -> {to_state} by {actor}"
        super().__init__(f"{message}: {detail}" if detail else message)


class NotFound(DomainError):
    """No observation, task, queue or policy of that name exists."""


class Conflict(DomainError):
    """Another writer changed the entity first; re-read and decide again."""


class ConcurrencyConflict(Conflict):
    """The version that was read is no longer the stored one (optimistic concurrency)."""


class ClaimRejected(Conflict):
    """A task claim was refused: already claimed, or the fencing token is stale."""
