"""The errors the store raises: the domain's tree, plus one store-specific leaf.

The store translates SQLAlchemy's exceptions into this tree at its edge; callers never see a
``sqlalchemy.exc`` class for a normal refusal::

    DomainError (astrotango.domain.errors)
    ├── NotFound                no observation / task with that id
    └── Conflict
        ├── ConcurrencyConflict the expected version or status is no longer the stored one
        ├── ClaimRejected       the task is claimed already, or the fencing token is stale
        └── DuplicateId         an id being added is already stored (or repeated in the batch)
"""

from __future__ import annotations

from astrotango.domain.errors import ClaimRejected, ConcurrencyConflict, Conflict, NotFound

__all__ = ["ClaimRejected", "ConcurrencyConflict", "Conflict", "DuplicateId", "NotFound"]


class DuplicateId(Conflict):
    """An observation, task or asset id that is being added is already stored."""
