"""Where constraint snapshots are kept: the store, resolved from a URL property."""

from __future__ import annotations

import logging
from typing import Protocol

from astrotango.store import SnapshotRecord, default_store_url, open_store

__all__ = ["NO_STORE", "SnapshotSink", "open_snapshot_sink", "snapshot_store_url"]

#: The store URL value that turns snapshot storage off.
NO_STORE = "none"
_LOG = logging.getLogger(__name__)


class SnapshotSink(Protocol):
    """Appends snapshots to a constraint's time series (the Store satisfies it)."""

    def add_snapshot(self, snapshot: SnapshotRecord) -> int:
        """Append one snapshot; returns its id."""


def snapshot_store_url(url: str) -> str | None:
    """The store a ``StoreUrl`` property names: None for ``"none"``; ``""``: the system's store.

    The system's store is :func:`astrotango.store.default_store_url`, the one every other
    server of the system writes to (``$ASTROTANGO_STORE_URL``, which the launcher sets).
    """
    if url.strip().lower() == NO_STORE:
        return None
    return url or default_store_url()


def open_snapshot_sink(url: str, logger: logging.Logger | None = None) -> SnapshotSink | None:
    """Open the store a ``StoreUrl`` property names (see :func:`snapshot_store_url`).

    A store that cannot be opened is logged and replaced by no store: a constraint keeps
    gating without its history rather than not at all.
    """
    logger = logger or _LOG
    try:
        resolved = snapshot_store_url(url)
        return None if resolved is None else open_store(resolved)
    except Exception:
        logger.exception("Cannot open the snapshot store %r; snapshots are not kept", url)
        return None
