"""Supervision: a device server that dies is started again, with backoff, and the restart logged.

What Starter does for a Tango site, the launcher does for the servers it started: it looks at
them every ``poll_s`` real seconds; one that exited (killed, crashed, out of memory) is
started again after a backoff that doubles with every restart that did not last (1, 2, 4 …
``max_backoff_s`` real seconds) and falls back to the first once a server stayed up
``stable_s``. Every death and every restart is logged with the exit code and the attempt
(``<run dir>/logs/supervisor.log``, and the ``astrotango.launcher.supervision`` logger), and
kept in :attr:`Supervisor.restarts` for the night's report.

On virtual time the clock keeper tells the supervisor of a death before it moves time again
(:meth:`Supervisor.died`): time is held from that instant until the first restart of the
outage has its devices answering, so a supervised restart costs no simulated time whatever
the backoff and the load (a restart that fails lets time go: the outage is then seen). The
clients of a restarted server carry on by themselves: their subscriptions are stateless and
re-subscribe (see :mod:`astrotango.control.proxies`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from astrotango.launcher.system import System

__all__ = ["Restart", "Supervisor"]

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Restart:
    """One death of a server and what the supervisor did about it."""

    server: str
    exit_code: int | None
    attempt: int
    backoff_s: float
    started: bool
    error: str = ""


class Supervisor:
    """Restarts the dead servers of ``system`` until :meth:`stop`.

    Args:
        system: The running system (its ``children`` are watched).
        poll_s: Real seconds between two looks.
        first_backoff_s: Real seconds before the first restart of a server.
        max_backoff_s: The longest wait between two restarts.
        stable_s: Real seconds a restarted server must stay up for its backoff to reset.
    """

    def __init__(
        self,
        system: System,
        *,
        poll_s: float = 0.5,
        first_backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        stable_s: float = 60.0,
    ) -> None:
        if not 0 < first_backoff_s <= max_backoff_s:
            raise ValueError("backoff: 0 < first_backoff_s <= max_backoff_s")
        self._system = system
        self._poll_s, self._first_s, self._max_s = poll_s, first_backoff_s, max_backoff_s
        self._stable_s = stable_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._restarts: list[Restart] = []
        #: server -> (attempts in a row, when it was last started, monotonic s)
        self._streak: dict[str, tuple[int, float]] = {}
        self._clock = system.clock()
        self._holding: set[str] = set()  # servers whose outage holds time
        self._log = _LOG.getChild(f"run{id(self):x}")
        self._log.setLevel(logging.INFO)
        self._file: logging.Handler | None = None

    @property
    def restarts(self) -> list[Restart]:
        """Every restart so far, in order."""
        with self._lock:
            return list(self._restarts)

    def start(self) -> Supervisor:
        """Start watching (a daemon thread)."""
        path = self._system.run_dir / "logs" / "supervisor.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = logging.FileHandler(path)
        self._file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self._log.addHandler(self._file)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def died(self, pid: int) -> None:
        """A process of the clock died (the keeper's thread): hold time if it is a server.

        Released once its first restart is done (or the supervisor stops).
        """
        if self._stopping.is_set():
            return
        key = next((k for k, c in self._system.children.items() if c.pid == pid), None)
        with self._lock:
            if key is None or key in self._holding:
                return
            self._holding.add(key)
        self._clock.acquire()

    def _let_go(self, key: str) -> None:
        with self._lock:
            if key not in self._holding:
                return
            self._holding.discard(key)
        self._clock.release()

    def stop(self) -> None:
        """Stop watching; a restart under way finishes first."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None
        for key in list(self._holding):
            self._let_go(key)
        if self._file is not None:
            self._log.removeHandler(self._file)
            self._file.close()
            self._file = None

    def _watch(self) -> None:
        while not self._stopping.wait(self._poll_s):
            for key, child in list(self._system.children.items()):
                if child.alive() or self._stopping.is_set():
                    continue
                self._restart(key, child.popen.returncode)

    def _restart(self, key: str, exit_code: int | None) -> None:
        attempts, last_start = self._streak.get(key, (0, 0.0))
        if time.monotonic() - last_start >= self._stable_s:
            attempts = 0  # it had stayed up: a new outage
        backoff = min(self._first_s * 2**attempts, self._max_s)
        self._log.warning(
            "server %s exited (code %s); restart %d in %g s", key, exit_code, attempts + 1, backoff
        )
        if self._stopping.wait(backoff):
            return
        self._streak[key] = (attempts + 1, time.monotonic())
        error = ""
        try:
            self._system.start_server(key)
        except Exception as exc:  # noqa: BLE001 - a failed restart is retried with more backoff
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self._log.error("server %s: restart %d failed: %s", key, attempts + 1, error)
        else:
            self._log.warning("server %s restarted (restart %d)", key, attempts + 1)
        finally:
            self._let_go(key)
        with self._lock:
            self._restarts.append(Restart(key, exit_code, attempts + 1, backoff, not error, error))
