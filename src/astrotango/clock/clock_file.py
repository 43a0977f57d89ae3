"""The shared file of a virtual clock, and the small helpers its processes share.

:class:`ClockFile` holds the simulated time (written by the keeper only) and one slot per
process (written by that process only); see :mod:`astrotango.clock.virtual`.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import mmap
import os
import socket
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["ClockFile", "SlotView", "keeper_path", "poke", "process_alive", "socket_path"]

_MAGIC = 0x41535456  # "ASTV"
_HEADER = struct.Struct("<qqdq")  # magic, seq, now (unix seconds), generation
_SLOT = struct.Struct("<qqqdqd")  # pid, seq, busy, deadline, activity, updated (real)
_SLOTS = 64
_SIZE = _HEADER.size + _SLOTS * _SLOT.size


@dataclass(frozen=True)
class SlotView:
    """One process's published state."""

    index: int
    pid: int
    busy: int
    deadline: float
    activity: int
    updated: float


class ClockFile:
    """The shared state of one virtual clock (see the module docstring)."""

    def __init__(self, path: Path, *, create_at: datetime | None = None) -> None:
        self.path = path
        if create_at is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                out.write(b"\0" * _SIZE)
        self._fd = os.open(path, os.O_RDWR)
        self._map = mmap.mmap(self._fd, _SIZE)
        if create_at is not None:
            self._write_header(create_at.timestamp(), 0)
        magic = struct.unpack_from("<q", self._map, 0)[0]
        if magic != _MAGIC:
            raise ValueError(f"{path}: not a virtual clock file")

    # -- the header: written by the keeper only -------------------------------------------

    def _write_header(self, now: float, generation: int) -> None:
        seq = struct.unpack_from("<q", self._map, 8)[0] + 1
        struct.pack_into("<q", self._map, 8, seq)  # odd: being written
        _HEADER.pack_into(self._map, 0, _MAGIC, seq, now, generation)
        struct.pack_into("<q", self._map, 8, seq + 1)

    def now(self) -> float:
        """The simulated time, in unix seconds."""
        while True:
            _, seq, now, _ = _HEADER.unpack_from(self._map, 0)
            if seq % 2 == 0 and struct.unpack_from("<q", self._map, 8)[0] == seq:
                return float(now)

    def set_now(self, now: float) -> None:
        """Move the simulated time (the keeper only)."""
        _, _, _, generation = _HEADER.unpack_from(self._map, 0)
        self._write_header(now, generation + 1)

    # -- the slots: each written by its own process only ----------------------------------

    def _offset(self, index: int) -> int:
        return _HEADER.size + index * _SLOT.size

    def claim(self, pid: int) -> int:
        """A free slot for ``pid`` (a dead process's slot counts as free)."""
        with open(self.path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for index in range(_SLOTS):
                view = self.slot(index)
                if view is None or view.pid in (0, pid) or not process_alive(view.pid):
                    _SLOT.pack_into(self._map, self._offset(index), pid, 0, 1, math.inf, 0, 0.0)
                    return index
        raise RuntimeError(f"{self.path}: more than {_SLOTS} processes on one virtual clock")

    def publish(self, index: int, pid: int, busy: int, deadline: float, activity: int) -> None:
        """Write this process's state (single writer: the process owning the slot)."""
        offset = self._offset(index)
        seq = struct.unpack_from("<q", self._map, offset + 8)[0] + 1
        struct.pack_into("<q", self._map, offset + 8, seq)
        _SLOT.pack_into(self._map, offset, pid, seq, busy, deadline, activity, time.monotonic())
        struct.pack_into("<q", self._map, offset + 8, seq + 1)

    def release(self, index: int) -> None:
        """Give the slot up (a process stopping)."""
        _SLOT.pack_into(self._map, self._offset(index), 0, 0, 0, math.inf, 0, 0.0)

    def slot(self, index: int) -> SlotView | None:
        """One slot as last published, or None if free."""
        offset = self._offset(index)
        while True:
            pid, seq, busy, deadline, activity, updated = _SLOT.unpack_from(self._map, offset)
            if seq % 2 == 0 and struct.unpack_from("<q", self._map, offset + 8)[0] == seq:
                break
        if pid == 0:
            return None
        return SlotView(index, pid, busy, deadline, activity, updated)

    def slots(self) -> list[SlotView]:
        """Every claimed slot."""
        return [view for i in range(_SLOTS) if (view := self.slot(i)) is not None]

    def clear(self, index: int) -> None:
        """Free a dead process's slot (the keeper only)."""
        self.release(index)


def process_alive(pid: int) -> bool:
    """True when a process ``pid`` exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def socket_path(clock_path: Path, pid: int) -> Path:
    """Where process ``pid`` hears the keeper's pokes."""
    return clock_path.parent / f"{clock_path.stem}-{pid}.sock"


def keeper_path(clock_path: Path) -> Path:
    """Where the keeper hears the processes' pokes."""
    return clock_path.parent / f"{clock_path.stem}-keeper.sock"


def poke(sock: socket.socket, path: Path) -> None:
    """Wake whoever listens on ``path`` (lost pokes are harmless: everyone rereads the file)."""
    with contextlib.suppress(OSError):  # gone, or its queue full: it will read the file anyway
        sock.sendto(b".", str(path))
