"""ObservationController: the one writer of observations and tasks (DESIGN sections 2 and 3)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tango import Database, DevFailed, DevState
from tango.server import attribute, command, device_property

from astrotango.clock import make_clock
from astrotango.control.observation import ObservationControllerComponentManager, ObservationIntake
from astrotango.control.observation.dispatch import DEFAULT_SYNC_TOLERANCE_S
from astrotango.control.observation.monitors import MonitorSettings
from astrotango.control.observation.runtime import ControllerRuntime
from astrotango.control.policy import PolicyMonitor
from astrotango.control.proxies import TangoProxyFactory
from astrotango.control.scheduler.submission import SubmissionCheck
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import (
    NO_REPLY_DOC,
    decode_json_argument,
    domain_errors,
    raise_dev_failed,
)
from astrotango.devices.event_config import enable_events
from astrotango.domain import ObservationStatus
from astrotango.store import TransitionRecord, default_store_url, open_store

__all__ = ["ObservationController"]

#: One attribute per observation status: its name and the status it counts.
_COUNT_ATTRIBUTES = {
    f"{''.join(w.capitalize() if i else w for i, w in enumerate(s.value.split('_')))}Count": s
    for s in ObservationStatus
}


def _count(status: ObservationStatus) -> Any:
    def read(self: ObservationController) -> int:
        return self._counts.get(status.value, 0)

    return attribute(
        dtype=int, fget=read, doc=f"Observations that are {status.value.replace('_', ' ')}"
    )


class ObservationController(AstroDevice):
    """Submission, cancel/abort, resubmission and reads; one event per lifecycle change."""

    StoreUrl = device_property(
        dtype=str, default_value="", doc="'' = $ASTROTANGO_STORE_URL or a SQLite file"
    )
    ClockScale = device_property(dtype=float, default_value=1.0)
    SimulationStart = device_property(dtype=str, default_value="", doc="ISO UTC; '' = now")
    Telescopes = device_property(dtype=(str,), default_value=[], doc="Telescope devices")
    SchedulerDevice = device_property(dtype=str, default_value="", doc="'' = no dispatch")
    Interlocks = device_property(dtype=(str,), default_value=[])
    UsePolicies = device_property(dtype=bool, default_value=True, doc="Gate on constraints")
    TickSeconds = device_property(dtype=float, default_value=10.0, doc="Clock seconds")
    HeartbeatTimeout = device_property(dtype=float, default_value=60.0, doc="Clock seconds")
    SyncToleranceSeconds = device_property(
        dtype=float,
        default_value=DEFAULT_SYNC_TOLERANCE_S,
        doc="Clock seconds a sync group's members may start apart (0 or more)",
    )
    StaleWarnSeconds = device_property(dtype=float, default_value=3600.0, doc="Clock seconds")
    StaleSeconds = device_property(dtype=float, default_value=7200.0, doc="Clock seconds")
    TelescopeModels = device_property(
        dtype=str,
        default_value="",
        doc=(
            "JSON list as the Scheduler's Telescopes (fields are tiled for, and submissions"
            " checked against, these); '' = the SchedulerDevice's Telescopes property"
        ),
    )

    component_manager: ObservationControllerComponentManager

    def init_device(self) -> None:
        """Open the store and publish the current counts."""
        self._counts: dict[str, int] = {}
        self._last_transition = "{}"
        self._stale = "[]"
        self._online: tuple[str, ...] = ()
        super().init_device()
        lists = ("lastTransition", "activeObservations", "staleObservations", "telescopesOnline")
        enable_events(self, (*_COUNT_ATTRIBUTES, *lists))
        self._refresh_counts()

    def create_component_manager(self) -> ObservationControllerComponentManager:
        """Build the component manager over the configured store."""
        url = self.StoreUrl or default_store_url()
        clock = make_clock(self.ClockScale, self.SimulationStart)
        store = open_store(url)
        models = self._telescope_models()
        manager = ObservationControllerComponentManager(
            store=store,
            intake=ObservationIntake(
                store,
                clock=clock,
                planning=SubmissionCheck.from_json(models) if models else None,
            ),
            clock=clock,
            announce=self._on_transition,
            logger=self.logger,
            communication_callback=self._communication_changed,
        )
        if self.SchedulerDevice and self.Telescopes:
            proxies = TangoProxyFactory(clock=clock)
            settings = MonitorSettings(
                heartbeat_timeout_s=self.HeartbeatTimeout,
                warn_after=timedelta(seconds=self.StaleWarnSeconds),
                stale_after=timedelta(seconds=self.StaleSeconds),
            )
            manager.attach_runtime(
                lambda ledger: ControllerRuntime(
                    ledger=ledger,
                    proxies=proxies,
                    telescopes=list(self.Telescopes),
                    scheduler=self.SchedulerDevice,
                    interlocks=list(self.Interlocks),
                    policy=PolicyMonitor(proxies, clock) if self.UsePolicies else None,
                    tick_s=self.TickSeconds,
                    sync_tolerance_s=self.SyncToleranceSeconds,
                    settings=settings,
                    on_progress=self._on_progress,
                    on_stale=self._on_stale,
                    on_telescopes=self._on_telescopes,
                )
            )
        return manager

    def _telescope_models(self) -> str:
        """The planning model: ``TelescopeModels``, else the Scheduler's ``Telescopes``.

        Read from the Tango database once, at start; '' when neither is set (no database,
        no scheduler): fields are then tiled at 1° and submissions are not checked.
        """
        if self.TelescopeModels or not self.SchedulerDevice:
            return str(self.TelescopeModels)
        try:
            found = Database().get_device_property(self.SchedulerDevice, ["Telescopes"])
        except DevFailed as exc:
            self.logger.warning("No telescope models from %s: %s", self.SchedulerDevice, exc)
            return ""
        return "".join(found.get("Telescopes", []))

    def _on_progress(self, observation_id: str, progress: float) -> None:
        self._publisher.push("activeObservations", json.dumps(self.component_manager.active()))

    def _on_stale(self, flagged: list[dict[str, Any]]) -> None:
        self._stale = json.dumps(flagged)
        self._publisher.push("staleObservations", self._stale)

    def _on_telescopes(self, online: list[str]) -> None:
        self._online = tuple(online)
        self._publisher.push("telescopesOnline", self._online)

    def _on_transition(self, record: TransitionRecord) -> None:
        self._last_transition = self.component_manager.transition_json(record)
        self._publisher.push("lastTransition", self._last_transition)
        if record.entity_kind == "observation":
            self._refresh_counts()

    def _refresh_counts(self) -> None:
        counts = self.component_manager.counts()
        changed = [
            (n, counts[s.value])
            for n, s in _COUNT_ATTRIBUTES.items()
            if counts[s.value] != self._counts.get(s.value)
        ]
        self._counts = counts
        active = json.dumps(self.component_manager.active(reread=True))
        self._publisher.push_many([*changed, ("activeObservations", active)])

    def _allowed(self) -> bool:
        return self.get_state() != DevState.DISABLE

    is_SubmitObservation_allowed = is_CancelObservation_allowed = _allowed
    is_AbortObservation_allowed = is_ResubmitObservation_allowed = _allowed

    @command(
        dtype_in=str,
        doc_in="Observation document, JSON (targets, instrument, exposures, window, queue...)",
        dtype_out=str,
        doc_out="The new observation's id; DevFailed naming the field when invalid",
    )
    def SubmitObservation(self, document: str) -> str:
        """Validate, expand and store an observation document; return its id."""
        with domain_errors():
            return self.component_manager.submit_observation(document)

    @command(dtype_in=str, doc_in="The observation id", doc_out=NO_REPLY_DOC)
    def CancelObservation(self, observation_id: str) -> None:
        """Cancel an observation that has not started (pending or assigned)."""
        with domain_errors():
            self.component_manager.cancel(observation_id)

    @command(dtype_in=str, doc_in="The observation id", doc_out=NO_REPLY_DOC)
    def AbortObservation(self, observation_id: str) -> None:
        """Stop an observation wherever it is."""
        with domain_errors():
            self.component_manager.abort(observation_id)

    @command(
        dtype_in=str,
        doc_in='The observation id, or JSON {"id": id, "window": {"start": ISO, "end": ISO}}',
        dtype_out=str,
        doc_out="The new observation's id",
    )
    def ResubmitObservation(self, argument: str) -> str:
        """Repeat an observation: an id, or ``{"id", "window": {"start", "end"}}``; new id."""
        text = argument.strip()
        data = decode_json_argument(text, what="argument") if text.startswith("{") else {"id": text}
        if not isinstance(data.get("id"), str):
            raise_dev_failed("API_InvalidArgument", "id: the observation to resubmit")
        window = data.get("window")
        if window is not None and not (
            isinstance(window, dict) and {"start", "end"} <= set(window)
        ):
            raise_dev_failed("API_InvalidArgument", "window: needs start and end")
        with domain_errors():
            try:
                return self.component_manager.resubmit(data["id"], window)
            except ValueError as exc:
                raise_dev_failed("API_InvalidArgument", f"window: {exc}")

    @command(
        dtype_in=str,
        doc_in="The observation id",
        dtype_out=str,
        doc_out="JSON: the observation, its tasks, history, assignments and assets",
    )
    def GetObservation(self, observation_id: str) -> str:
        """Everything about one observation: tasks, history, assignments, assets (JSON)."""
        with domain_errors():
            return json.dumps(self.component_manager.observation(observation_id))

    @command(
        dtype_in=str,
        doc_in='JSON filter {"status", "queue", "limit", "offset"}, all optional; "" = all',
        dtype_out=str,
        doc_out="JSON list of matching observations",
    )
    def ListObservations(self, query: str) -> str:
        """Observations matching ``{"status", "queue", "limit", "offset"}`` (JSON)."""
        data = decode_json_argument(query or "{}", what="filter")
        if not isinstance(data, dict):
            raise_dev_failed("API_InvalidArgument", "filter: expected a JSON object")
        with domain_errors():
            return json.dumps(self.component_manager.observations(data))

    @attribute(dtype=str, doc="JSON of the latest lifecycle transition; one event each")
    def lastTransition(self) -> str:
        """The latest transition."""
        return self._last_transition

    @attribute(dtype=str, doc="JSON list of unfinished observations with status and progress")
    def activeObservations(self) -> str:
        """Observations not yet finished."""
        return json.dumps(self.component_manager.active())

    @attribute(dtype=str, doc="JSON list of observations warned (1 h) or stale (2 h)")
    def staleObservations(self) -> str:
        """Observations stuck in one status too long."""
        return self._stale

    @attribute(dtype=(str,), max_dim_x=64, doc="Telescopes with a live heartbeat")
    def telescopesOnline(self) -> tuple[str, ...]:
        """Telescopes the controller can dispatch to."""
        runtime = self.component_manager.runtime
        return tuple(runtime.online()) if runtime is not None else self._online

    pendingCount = _count(ObservationStatus.PENDING)
    assignedCount = _count(ObservationStatus.ASSIGNED)
    inProgressCount = _count(ObservationStatus.IN_PROGRESS)
    acquisitionCompleteCount = _count(ObservationStatus.ACQUISITION_COMPLETE)
    suspendedCount = _count(ObservationStatus.SUSPENDED)
    completedCount = _count(ObservationStatus.COMPLETED)
    failedCount = _count(ObservationStatus.FAILED)
    abortedCount = _count(ObservationStatus.ABORTED)
