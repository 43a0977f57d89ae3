"""The Store's shutdown-interlock latch methods."""

from __future__ import annotations

from astrotango.store import latches
from astrotango.store._base import StoreBase
from astrotango.store.records import InterlockLatchRecord

__all__ = ["LatchMethods"]


class LatchMethods(StoreBase):
    """The fired latch of each shutdown interlock, so that a crash does not forget it."""

    def get_interlock_latch(self, name: str) -> InterlockLatchRecord | None:
        """The stored latch of interlock ``name``, or None if it never fired."""
        with self._read() as conn:
            return latches.get_latch(conn, name)

    def put_interlock_latch(self, latch: InterlockLatchRecord) -> None:
        """Store the latch of ``latch.name``, replacing the previous one.

        Durable once it returns (see :mod:`astrotango.store.engine`).

        Raises:
            ValueError: a naive ``fired_at`` or ``updated_at``.
        """
        with self._write() as conn:
            latches.put_latch(conn, latch)
