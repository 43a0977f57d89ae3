"""Where an interlock's fired latch is kept, so that a crash does not forget it.

The latch (fired, reason, fired_at) is one row of the store per interlock: written before the
interlock shows ``fired`` or commands any telescope, cleared by a reset, read back when the
interlock starts. :class:`~astrotango.store.Store` satisfies :class:`LatchStore`; unit tests
use a dict.
"""

from __future__ import annotations

import logging
from typing import Protocol

from astrotango.store import InterlockLatchRecord, default_store_url, open_store

__all__ = ["NO_STORE", "LatchStore", "open_latch_store"]

#: The ``StoreUrl`` value that keeps no latch (the interlock then forgets it on a restart).
NO_STORE = "none"
_LOG = logging.getLogger(__name__)


class LatchStore(Protocol):
    """Reads and writes interlock latches; both may raise on a store failure."""

    def get_interlock_latch(self, name: str) -> InterlockLatchRecord | None:
        """The stored latch of interlock ``name``, or None."""

    def put_interlock_latch(self, latch: InterlockLatchRecord) -> None:
        """Store ``latch`` durably, replacing the previous one of its interlock."""


def open_latch_store(url: str, logger: logging.Logger | None = None) -> LatchStore | None:
    """Open the store at ``url`` (``""``: :func:`astrotango.store.default_store_url`).

    Returns None for ``"none"``, and when the store cannot be opened (logged as an error): an
    interlock that cannot remember is still better than no interlock.
    """
    logger = logger or _LOG
    if url.strip().lower() == NO_STORE:
        return None
    try:
        return open_store(url or default_store_url())
    except Exception:
        logger.exception("Cannot open the store %r: fired latches will not survive a restart", url)
        return None
