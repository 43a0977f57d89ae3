"""Events in flight on virtual time: time does not move while a pushed event is undelivered.

A Tango change event leaves its device server before it reaches a subscriber; between the two
no thread is busy, so the keeper alone cannot tell that something is still to happen at this
instant (on a loaded machine delivery takes tens of real milliseconds). The ledger closes the
gap. It is a shared file beside the clock file holding one entry per pushed attribute (written
by the pushing process: the wall time just before its latest push) and one per subscription
(written by the subscribing process: the timestamp of the latest event it received). An event
is in flight while a live subscription's stamp is older than its attribute's latest push;
Tango stamps an event inside the push, so the stamp it arrives with is never older than the
one recorded before it.

An event that can no longer arrive (its subscriber was re-subscribing while a server
restarted) does not hold time for ever: a push older than :data:`LOST_AFTER_S` real seconds is
taken as lost; the next event delivered brings the subscription up to date again.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = ["LOST_AFTER_S", "EventLedger", "Receipt", "event_key", "ledger_path"]

#: A push not delivered for this many real seconds is taken as lost.
LOST_AFTER_S = 5.0
_ENTRIES = 8192
_FREE, _PUSHED, _SEEN = 0, 1, 2
_NEVER = -(2**63)
# kind, pid, key (crc32), stamp (wall microseconds: just before the push / the event's own),
# at (monotonic real time of the push)
_ENTRY = np.dtype(
    [("kind", "<i8"), ("pid", "<i8"), ("key", "<i8"), ("stamp", "<i8"), ("at", "<f8")]
)
_SIZE = _ENTRIES * _ENTRY.itemsize


def ledger_path(clock_path: Path) -> Path:
    """The ledger of the virtual clock at ``clock_path``."""
    return clock_path.parent / f"{clock_path.stem}-events"


def event_key(device: str, attribute: str) -> int:
    """The ledger key of one attribute of one device (names compared case-blind)."""
    return zlib.crc32(f"{device}/{attribute}".lower().encode())


class Receipt:
    """One subscription's entry: :meth:`seen` with each event's stamp, :meth:`close` at the end."""

    def __init__(self, ledger: EventLedger | None = None, index: int = -1) -> None:
        self._ledger, self._index = ledger, index

    def seen(self, stamp_us: int) -> None:
        """An event stamped ``stamp_us`` (Tango's time of the push, microseconds) arrived."""
        if self._ledger is not None:
            self._ledger._write_stamp(self._index, stamp_us)

    def close(self) -> None:
        """The subscription ended: its entry no longer counts."""
        if self._ledger is not None:
            self._ledger._free(self._index)
            self._ledger = None


class EventLedger:
    """The shared ledger of one virtual clock (see the module docstring).

    Args:
        path: The ledger file.
        create: Create it, empty (the keeper does).
    """

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        if create:
            with path.open("wb") as out:
                out.write(b"\0" * _SIZE)
        self._fd = os.open(path, os.O_RDWR)
        self._map = mmap.mmap(self._fd, _SIZE)
        self._table = np.ndarray((_ENTRIES,), dtype=_ENTRY, buffer=self._map)
        self._pid = os.getpid()
        self._pushed: dict[int, int] = {}  # this process's pushed entries, by key
        self._lock = threading.Lock()

    def pushing(self, device: str, attribute: str) -> None:
        """An event of ``device``/``attribute`` is about to be pushed (call before the push)."""
        key = event_key(device, attribute)
        with self._lock:
            index = self._pushed.get(key)
            if index is None:
                index = self._pushed[key] = self._claim(_PUSHED, key)
        self._table["at"][index] = time.monotonic()
        self._table["stamp"][index] = time.time_ns() // 1000  # Tango's stamps: microseconds

    def receipt(self, device: str, attribute: str) -> Receipt:
        """A subscription's entry, made once it is subscribed: owed every later push."""
        index = self._claim(_SEEN, event_key(device, attribute))
        self._table["stamp"][index] = time.time_ns() // 1000
        return Receipt(self, index)

    def in_flight(self, live: Iterable[int]) -> int:
        """How many live subscriptions still wait for a pushed event (the keeper asks)."""
        table = self._table.copy()
        pids = np.fromiter(live, dtype=np.int64)
        table = table[np.isin(table["pid"], pids)]
        pushed = table[table["kind"] == _PUSHED]
        pushed = pushed[time.monotonic() - pushed["at"] < LOST_AFTER_S]
        if len(pushed) == 0:
            return 0
        seen = table[table["kind"] == _SEEN]
        latest: dict[int, int] = {}
        for key, stamp in zip(pushed["key"].tolist(), pushed["stamp"].tolist(), strict=True):
            latest[key] = max(stamp, latest.get(key, stamp))
        return sum(
            1
            for key, stamp in zip(seen["key"].tolist(), seen["stamp"].tolist(), strict=True)
            if stamp < latest.get(key, _NEVER)
        )

    def forget(self, pid: int) -> None:
        """Drop a dead process's entries (the keeper)."""
        self._table["kind"][self._table["pid"] == pid] = _FREE

    def _claim(self, kind: int, key: int) -> int:
        with open(self.path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            free = np.flatnonzero(self._table["kind"] == _FREE)
            if len(free) == 0:
                raise RuntimeError(f"{self.path}: more than {_ENTRIES} event entries")
            index = int(free[0])
            self._table["stamp"][index], self._table["at"][index] = _NEVER, 0.0
            self._table["pid"][index], self._table["key"][index] = self._pid, key
            self._table["kind"][index] = kind
            return index

    def _write_stamp(self, index: int, stamp_us: int) -> None:
        stamps = self._table["stamp"]
        if stamp_us > stamps[index]:
            stamps[index] = stamp_us

    def _free(self, index: int) -> None:
        self._table["kind"][index] = _FREE
