"""Waiting for monitored telemetry to show that something happened, on the injected clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from astrotango.clock import Clock
from astrotango.control.telescope.monitor import TelescopeMonitor
from astrotango.hardware import EnclosureState, InstrumentStatus, MountState, Telemetry

__all__ = [
    "ExecutionTimeouts",
    "StepAborted",
    "StepFailed",
    "Waiter",
    "check_enclosure",
    "check_mount",
    "instrument_status",
]


@dataclass(frozen=True)
class ExecutionTimeouts:
    """Clock seconds each kind of wait may take before its subtask fails."""

    unpark_s: float = 120.0
    slew_s: float = 600.0
    settle_s: float = 300.0
    readout_s: float = 60.0
    enclosure_s: float = 300.0
    focuser_s: float = 300.0
    upload_per_asset_s: float = 1.0


class StepFailed(Exception):
    """A subtask cannot complete; the message names the part and the reason."""


class StepAborted(Exception):
    """A subtask was asked to stop."""


def check_mount(t: Telemetry) -> None:
    """Raise StepFailed if the mount is in fault."""
    if t.mount.state is MountState.FAULT:
        raise StepFailed(t.mount.fault or "mount fault")


def check_enclosure(t: Telemetry) -> None:
    """Raise StepFailed if the enclosure is in fault."""
    if t.enclosure.state is EnclosureState.FAULT:
        raise StepFailed(t.enclosure.fault or "enclosure fault")


def instrument_status(telemetry: Telemetry, name: str) -> InstrumentStatus:
    """The status of instrument ``name`` in ``telemetry``.

    Raises:
        StepFailed: the telemetry has no such instrument.
    """
    for status in telemetry.instruments:
        if status.name == name:
            return status
    raise StepFailed(f"{name}: not reported by the telescope")


class Waiter:
    """Waits for a condition on telemetry measured after a command was issued.

    Args:
        monitor: Where telemetry comes from.
        clock: The clock timeouts are measured on.
    """

    def __init__(self, monitor: TelescopeMonitor, clock: Clock) -> None:
        self._monitor, self._clock = monitor, clock

    def until(
        self,
        what: str,
        done: Callable[[Telemetry], bool],
        *,
        since: datetime,
        timeout_s: float,
        abort_event: threading.Event | None,
        check: Callable[[Telemetry], None] | None = None,
        timeout_message: Callable[[Telemetry | None], str] | None = None,
    ) -> Telemetry:
        """Return the first telemetry measured at or after ``since`` for which ``done`` holds.

        Args:
            what: Names the wait in error messages.
            done: The condition.
            since: Only telemetry measured at or after this time counts.
            timeout_s: Clock seconds to wait at most.
            abort_event: Ends the wait with StepAborted when set (None: not abortable).
            check: Called with each new telemetry first; raises StepFailed on a fault.
            timeout_message: Builds the timeout message from the latest telemetry.

        Raises:
            StepAborted: ``abort_event`` was set.
            StepFailed: ``check`` failed, the telemetry went stale, or the time ran out.
        """
        with self._monitor.attending():
            return self._until(what, done, since, timeout_s, abort_event, check, timeout_message)

    def _until(
        self,
        what: str,
        done: Callable[[Telemetry], bool],
        since: datetime,
        timeout_s: float,
        abort_event: threading.Event | None,
        check: Callable[[Telemetry], None] | None,
        timeout_message: Callable[[Telemetry | None], str] | None,
    ) -> Telemetry:
        deadline = self._clock.now() + timedelta(seconds=timeout_s)
        polls = self._monitor.polls
        first = self._monitor.refresh()  # what the command just changed, this instant
        while True:
            if abort_event is not None and abort_event.is_set():
                raise StepAborted(what)
            latest = self._monitor.latest
            fresh = self._monitor.sequence >= first
            if latest is not None and fresh and latest.time >= since:
                if check is not None:
                    check(latest)
                if done(latest):
                    return latest
            if not self._monitor.fresh:
                error = self._monitor.last_error or "no telemetry"
                raise StepFailed(f"{what}: the telescope does not answer ({error})")
            if self._clock.now() >= deadline:
                if timeout_message is not None:
                    raise StepFailed(timeout_message(latest))
                raise StepFailed(f"{what}: not done within {timeout_s:g} s")
            # woken by each poll (good or failed) or the abort; the staleness bound covers
            # a poll stuck in a hung driver
            left = (deadline - self._clock.now()).total_seconds()
            polls = self._monitor.wait_poll(
                polls, min(left, self._monitor.stale_after_s), abort_event
            )
