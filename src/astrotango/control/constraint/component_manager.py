"""The constraint component manager: readings in, gate status out, snapshots kept.

Readings arrive from a :class:`ReadingSource` (events or a computation on the clock) or from
``push_reading``; the constraint model judges each one and the pure gate steps of
:mod:`astrotango.domain.constraints.gate` decide the status. A ticker thread on the injected
clock wakes at the next deadline (stability reached, data too old, force-clear over), so time
alone moves the gate too. Every significant change (state, verdict, crossed threshold,
force-clear) is told to the device and appended to the store's time series; otherwise a
snapshot is kept every ``snapshot_period_s``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from astrotango.clock import Clock, Wake, spawn
from astrotango.control.component_manager import BaseComponentManager, CommunicationCallback
from astrotango.control.constraint.snapshots import SnapshotSink
from astrotango.control.constraint.sources import ReadingSource
from astrotango.control.proxies import ProxyError
from astrotango.control_model import CommunicationStatus
from astrotango.domain.constraints import (
    ConstraintModel,
    GateSettings,
    GateState,
    GateStatus,
    Scope,
    apply_reading,
    apply_time,
    force_clear,
    set_active,
    unclear,
)
from astrotango.store import SnapshotRecord

__all__ = ["ConstraintComponentManager", "ConstraintIdentity", "StatusCallback"]

#: Told ``(status, significant)``; called with the manager's lock held, so it must not block.
StatusCallback = Callable[[GateStatus, bool], None]
_MAX_TICK_S = 60.0
_EPSILON_S = 1e-3


@dataclass(frozen=True, slots=True)
class ConstraintIdentity:
    """Which constraint this is: its device name, scope and telescope."""

    name: str
    scope: Scope = Scope.OBSERVATORY
    telescope: str = ""


def _significant(status: GateStatus) -> tuple[object, ...]:
    crossing = status.crossing
    return (status.state, status.is_ok, crossing and crossing.threshold, status.forced)


class ConstraintComponentManager(BaseComponentManager):
    """One operational constraint's logic.

    Args:
        identity: Name, scope and telescope (for snapshots).
        model: The constraint model (type, limits).
        gate: Stability threshold, maximum data age, activity.
        clock: The injected clock.
        source: Where readings come from while communicating; None for pushed readings only.
        store: Where snapshots are appended; None to keep none.
        status_callback: Told every new status (see :data:`StatusCallback`).
        snapshot_period_s: Clock seconds between snapshots when nothing significant changes.
        logger: Where to log.
        communication_callback: Told every change of communication status.
    """

    def __init__(
        self,
        identity: ConstraintIdentity,
        model: ConstraintModel,
        gate: GateSettings,
        clock: Clock,
        *,
        source: ReadingSource | None = None,
        store: SnapshotSink | None = None,
        status_callback: StatusCallback | None = None,
        snapshot_period_s: float = 300.0,
        logger: logging.Logger | None = None,
        communication_callback: CommunicationCallback | None = None,
    ) -> None:
        super().__init__(logger=logger, communication_callback=communication_callback, clock=clock)
        self.identity, self._model, self._gate, self._clock = identity, model, gate, clock
        self._source, self._store, self._callback = source, store, status_callback
        self._snapshot_period_s = snapshot_period_s
        self._lock = threading.RLock()
        self._status = GateStatus.initial(clock.now(), gate)
        self._last_raw: object = None
        self._last_snapshot: datetime | None = None
        self._wake = Wake()
        self._stop = Wake()
        self._ticker: threading.Thread | None = None

    # -- what the device reads -----------------------------------------------------------

    @property
    def status(self) -> GateStatus:
        """The latest gate status."""
        with self._lock:
            return self._status

    @property
    def model(self) -> ConstraintModel:
        """The constraint model (type and limits)."""
        return self._model

    @property
    def gate(self) -> GateSettings:
        """Stability threshold, maximum data age, activity."""
        return self._gate

    # -- communication ---------------------------------------------------------------------

    def start_communicating(self) -> None:
        """Start the source and the ticker."""
        if self.communication_status == CommunicationStatus.ESTABLISHED:
            return
        self._stop.clear()
        self._ticker = spawn(self._clock, self._tick, name="constraint-ticker")
        if self._source is not None:
            try:
                self._source.start(self._deliver)
            except ProxyError as exc:  # no readings: the gate stays closed and goes stale
                self.logger.error("Cannot follow the source of %s: %s", self.identity.name, exc)
        self._set_communication_status(CommunicationStatus.ESTABLISHED)

    def stop_communicating(self) -> None:
        """Stop the source and the ticker."""
        if self._source is not None:
            self._source.stop()
        self._stop.set()
        self._wake.set()
        if self._ticker is not None:
            self._ticker.join(5.0)
            self._ticker = None
        self._set_communication_status(CommunicationStatus.DISABLED)

    # -- inputs --------------------------------------------------------------------------

    def _deliver(self, raw: object) -> None:
        self.push_reading(raw)

    def push_reading(self, raw: object) -> GateStatus:
        """Judge one raw reading arriving now; returns the new status."""
        check = self._model(raw)
        with self._lock:
            self._last_raw = raw
            return self._update(apply_reading(self._status, check, self._clock.now(), self._gate))

    def evaluate(self) -> GateStatus:
        """Let time act (staleness, stability, force-clear expiry); returns the new status."""
        with self._lock:
            return self._update(apply_time(self._status, self._clock.now(), self._gate))

    def force_clear(self, reason: str, duration_s: float) -> GateStatus:
        """Open the gate for ``duration_s`` clock seconds.

        Raises:
            ValueError: naming ``reason`` or ``duration_s``.
        """
        with self._lock:
            now = self._clock.now()
            return self._update(force_clear(self._status, reason, duration_s, now))

    def unclear(self) -> GateStatus:
        """Withdraw a force-clear."""
        with self._lock:
            return self._update(unclear(self._status, self._clock.now()))

    def set_limits(self, min_value: float | None, max_value: float | None) -> GateStatus:
        """Change the limits and re-judge the last reading against them.

        Raises:
            ValueError: naming the bad limit (e.g. min above max); nothing changes then.
        """
        fields = {"min_value": min_value, "max_value": max_value}
        with self._lock:
            model = self._model.model_validate({**self._model.model_dump(), **fields})
            self._model = model
            if self._status.last_update is None:
                return self._status
            check = model(self._last_raw)
            now = self._clock.now()
            return self._update(apply_reading(self._status, check, now, self._gate, refresh=False))

    def set_gate(self, **changes: float | bool) -> GateStatus:
        """Change ``stability_threshold_s``, ``max_data_age_s`` or ``is_active``.

        Raises:
            ValueError: naming the bad setting; nothing changes then.
        """
        with self._lock:
            gate = self._gate.model_validate({**self._gate.model_dump(), **changes})
            was_active, self._gate = self._gate.is_active, gate
            now = self._clock.now()
            if gate.is_active != was_active:
                return self._update(set_active(self._status, gate.is_active, now, gate))
            return self._update(apply_time(self._status, now, gate))

    # -- internals -----------------------------------------------------------------------

    def _update(self, new: GateStatus) -> GateStatus:
        old, self._status = self._status, new
        significant = _significant(new) != _significant(old)
        if self._callback is not None:
            self._callback(new, significant)
        self._wake.set()
        due = (
            self._last_snapshot is None
            or (new.evaluated_at - self._last_snapshot).total_seconds() >= self._snapshot_period_s
        )
        if self._store is not None and (significant or due):
            self._last_snapshot = new.evaluated_at
            self._keep(new)
        return new

    def _keep(self, status: GateStatus) -> None:
        data = {**status.to_json(), "constraint_type": str(self._model.constraint_type)}
        data |= {"scope": str(self.identity.scope), "telescope": self.identity.telescope}
        record = SnapshotRecord(
            self.identity.name, status.evaluated_at, status.is_ok, status.value, data
        )
        try:
            assert self._store is not None
            self._store.add_snapshot(record)
        except Exception:
            self.logger.exception("Could not keep a snapshot of %s", self.identity.name)

    def next_deadline(self) -> datetime | None:
        """When time alone may next change the gate, or None."""
        status, gate = self.status, self._gate
        deadlines: list[datetime] = []
        if status.state is GateState.SETTLING and status.good_since is not None:
            deadlines.append(status.good_since + timedelta(seconds=gate.stability_threshold_s))
        watched = status.state in (GateState.BAD, GateState.SETTLING, GateState.OK)
        if watched and status.last_update is not None:
            deadlines.append(status.last_update + timedelta(seconds=gate.max_data_age_s))
        if status.forced is not None:
            deadlines.append(status.forced.until)
        return min(deadlines) if deadlines else None

    def _tick(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            deadline = self.next_deadline()
            delay = _MAX_TICK_S
            if deadline is not None:
                delay = (deadline - self._clock.now()).total_seconds() + _EPSILON_S
            if delay > 0 and self._clock.sleep(min(delay, _MAX_TICK_S), self._wake):
                continue  # woken by a change: recompute the deadline
            if self._stop.is_set():
                return
            try:
                self.evaluate()
            except Exception:
                self.logger.exception("Evaluating %s failed", self.identity.name)
