"""Where constraint snapshots are kept: the store, resolved from a URL property."""

from __future__ import annotations

import getpass
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

from astrotango.store import SnapshotRecord, open_store

__all__ = ["NO_STORE", "SnapshotSink", "default_store_url", "open_snapshot_sink"]

#: The store URL value that turns snapshot storage off.
NO_STORE = "none"
_LOG = logging.getLogger(__name__)


class SnapshotSink(Protocol):
    """Appends snapshots to a constraint's time series (the Store satisfies it)."""

    def add_snapshot(self, snapshot: SnapshotRecord) -> int:
        """Append one snapshot; returns its id."""


def default_store_url() -> str:
    """SQLite under ``$ASTROTANGO_RUN_DIR`` (or the per-user temporary run directory)."""
    configured = os.environ.get("ASTROTANGO_RUN_DIR")
    run_dir = (
        Path(configured)
        if configured
        else Path(tempfile.gettempdir()) / f"astrotango-{getpass.getuser()}"
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{run_dir / 'astrotango.db'}"


def open_snapshot_sink(url: str, logger: logging.Logger | None = None) -> SnapshotSink | None:
    """Open the store at ``url`` (``""``: the default; ``"none"``: no store).

    A store that cannot be opened is logged and replaced by no store: a constraint keeps
    gating without its history rather than not at all.
    """
    logger = logger or _LOG
    if url.strip().lower() == NO_STORE:
        return None
    try:
        return open_store(url or default_store_url())
    except Exception:
        logger.exception("Cannot open the snapshot store %r; snapshots are not kept", url)
        return None
