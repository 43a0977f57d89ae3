"""What an interlock knows about making its scope safe: the durable latch and the unsafe.

:class:`Safing` keeps the fired latch in the injected :class:`LatchStore` (written before the
interlock shows ``fired``, cleared by a reset, read back at start), follows each storm's
verdicts (a newer storm or a reset makes an older storm's verdicts stale), and names the
telescopes that are not confirmed safe while a :class:`Retrier` retries them. Everything runs
under the interlock's lock.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from astrotango.clock import Clock
from astrotango.control.interlock.config import InterlockConfig, InterlockRefused, UnsafeTelescope
from astrotango.control.interlock.latch import LatchStore
from astrotango.control.interlock.retry import Retrier
from astrotango.control.interlock.shutdown import COMMAND, TelescopeCallback
from astrotango.control.proxies import ProxyFactory
from astrotango.store import InterlockLatchRecord

__all__ = ["Safing", "UnsafeCallback"]

#: Told, under the interlock's lock, the unsafe telescopes (in scope order) after every change.
UnsafeCallback = Callable[[tuple[UnsafeTelescope, ...]], None]


class Safing:
    """The latch, the storms' verdicts and the retries of one interlock.

    Args:
        config: The interlock's configuration (name, telescopes, retry delays, timeout).
        proxies: Gives the telescope clients (for the retries).
        clock: The injected clock.
        lock: The interlock's lock.
        latches: Where the latch is kept (None: nowhere, a restart forgets it).
        on_unsafe: Told the unsafe telescopes after every change.
        logger: Where to log.
    """

    def __init__(
        self,
        config: InterlockConfig,
        proxies: ProxyFactory,
        clock: Clock,
        lock: threading.RLock,
        latches: LatchStore | None,
        on_unsafe: UnsafeCallback,
        logger: logging.Logger,
    ) -> None:
        self._config, self._clock, self._lock = config, clock, lock
        self._latches, self._on_unsafe, self._logger = latches, on_unsafe, logger
        self._generation = 0
        self._unsafe: dict[str, UnsafeTelescope] = {}
        self._retrier = Retrier(
            proxies,
            clock,
            lock,
            first_s=config.retry_delay_s,
            max_s=config.max_retry_delay_s,
            timeout_s=config.shutdown_timeout_s,
            on_unsafe=self._set_unsafe,
            on_safe=self._set_safe,
            logger=logger,
        )

    # -- the latch ---------------------------------------------------------------------------

    def restored(self) -> InterlockLatchRecord | None:
        """The stored latch when it says fired; None when not (or unreadable, logged)."""
        if self._latches is None:
            return None
        try:
            latch = self._latches.get_interlock_latch(self._config.name)
        except Exception:  # the store is I/O: an unreadable latch is logged, not fatal
            self._logger.exception("Interlock %s: cannot read its latch", self._config.name)
            return None
        if latch is None or not latch.fired:
            return None
        self._logger.warning(
            "Interlock %s is still fired since %s (%s): it stays fired until reset",
            self._config.name,
            latch.fired_at,
            latch.reason,
        )
        return latch

    def latch_fired(self, reason: str, fired_at: datetime) -> None:
        """Store the fired latch; a store failure is logged and never stops the shutdown."""
        try:
            self._put(fired=True, reason=reason, fired_at=fired_at)
        except Exception:  # the store is down: shut down anyway, a crash would forget it
            self._logger.exception(
                "Interlock %s: cannot record the fired latch; firing anyway", self._config.name
            )

    def latch_reset(self) -> None:
        """Store the cleared latch.

        Raises:
            InterlockRefused: the store failed (a reset a restart would undo is no reset).
        """
        try:
            self._put(fired=False, reason="", fired_at=None)
        except Exception as exc:
            self._logger.exception("Interlock %s: cannot store the reset", self._config.name)
            raise InterlockRefused(
                f"cannot record the reset in the store ({exc}); still fired"
            ) from exc

    def _put(self, *, fired: bool, reason: str, fired_at: datetime | None) -> None:
        if self._latches is not None:
            latch = InterlockLatchRecord(
                self._config.name, fired, reason, fired_at, self._clock.now()
            )
            self._latches.put_interlock_latch(latch)

    # -- storms and retries ------------------------------------------------------------------

    def new_storm(self) -> TelescopeCallback:
        """The verdict callback of a storm about to start; older storms' verdicts go stale."""
        with self._lock:
            self._generation += 1
            return functools.partial(self._on_verdict, self._generation)

    def forget(self) -> None:
        """After a reset: stop every retry, name nobody, ignore the running storm's verdicts."""
        with self._lock:
            self._generation += 1
            self._retrier.cancel_all()
            self._unsafe.clear()

    def stop_retries(self) -> None:
        """Stop every retry; the unsafe stay named (the next storm judges them again)."""
        self._retrier.cancel_all()

    def _on_verdict(self, generation: int, name: str, safe: bool, why: str) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if safe:
                self._retrier.cancel(name)
                if name in self._unsafe:
                    self._set_safe(name)
                return
            self._set_unsafe(UnsafeTelescope(name, why))
            self._retrier.start(name, why)
        self._logger.warning(
            "Interlock %s: %s on %s failed (%s); retrying in %g s",
            self._config.name,
            COMMAND,
            name,
            why,
            self._config.retry_delay_s,
        )

    def _set_unsafe(self, entry: UnsafeTelescope) -> None:
        self._unsafe[entry.name] = entry
        self._announce()

    def _set_safe(self, name: str) -> None:
        self._unsafe.pop(name, None)
        self._announce()

    def _announce(self) -> None:
        telescopes = self._config.telescopes
        self._on_unsafe(tuple(self._unsafe[n] for n in telescopes if n in self._unsafe))
