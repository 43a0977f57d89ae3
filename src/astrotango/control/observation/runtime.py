"""The controller at run time: follows the schedule, dispatches, runs the monitors.

It subscribes to the Scheduler's ``schedule`` (new plans become assignments) and
``nextBlocks`` (each telescope's first slot, assigned before the full plan arrives), to every
interlock's ``fired`` (a fired interlock makes its telescopes ineligible at once) and, through
the :class:`PolicyMonitor`, to the constraint devices of the queues' policies. A loop on the
injected clock's real period runs the dispatcher and the monitors. Telescopes lost or regained
are reported to the Scheduler (``SetAvailability``) so it stops planning on them.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from astrotango.clock import Wake, spawn, to_grid
from astrotango.control.observation.device_link import DeviceTelescopeLink
from astrotango.control.observation.dispatch import DEFAULT_SYNC_TOLERANCE_S, Dispatcher
from astrotango.control.observation.fleet import Fleet
from astrotango.control.observation.ledger import ObservationLedger
from astrotango.control.observation.monitors import Monitors, MonitorSettings
from astrotango.control.observation.outcomes import OutcomeHandler
from astrotango.control.observation.reconcile import Reconciler
from astrotango.control.policy import PolicyMonitor
from astrotango.control.proxies import AttributeEvent, ProxyError, ProxyFactory, Subscription
from astrotango.domain import DEFAULT_QUEUES, PolicyViolation, policy_for_queue

__all__ = ["ControllerRuntime"]

_LOG = logging.getLogger(__name__)


def _policy_of(queue: str) -> str:
    """The policy a queue names (an unknown queue is taken as a policy name)."""
    try:
        return policy_for_queue(queue).name
    except PolicyViolation:
        return queue


class ControllerRuntime:
    """Dispatch and monitors for one ObservationController.

    Args:
        ledger: The one writer.
        proxies: Clients of the other devices.
        telescopes: Telescope device names.
        scheduler: The Scheduler device name ('' for none).
        interlocks: Interlock device names.
        policy: The policy monitor (None: no operational gates).
        tick_s: Clock seconds between dispatch rounds (a plan arriving starts one at once).
        sync_tolerance_s: Clock seconds a sync group's members may start apart.
        settings: Monitor thresholds.
        on_progress: Told ``(observation id, progress 0..1)``.
        on_stale: Told the warned and stale observations.
        on_telescopes: Told the list of telescopes online.
    """

    def __init__(
        self,
        *,
        ledger: ObservationLedger,
        proxies: ProxyFactory,
        telescopes: Sequence[str],
        scheduler: str = "",
        interlocks: Sequence[str] = (),
        policy: PolicyMonitor | None = None,
        tick_s: float = 0.5,
        sync_tolerance_s: float = DEFAULT_SYNC_TOLERANCE_S,
        settings: MonitorSettings | None = None,
        on_progress: Callable[[str, float], None] | None = None,
        on_stale: Callable[[list[dict[str, Any]]], None] | None = None,
        on_telescopes: Callable[[list[str]], None] | None = None,
    ) -> None:
        self._proxies = proxies
        self._clock = ledger.clock
        self._scheduler = scheduler
        self._policy = policy
        self._tick_s = tick_s
        self._on_telescopes = on_telescopes or (lambda _: None)
        self._fired: dict[str, tuple[bool, frozenset[str]]] = {}
        self._available: dict[str, tuple[bool, frozenset[str]]] = {}
        self._lock = threading.Lock()
        #: Plans received on the event thread, applied by the loop: (complete, blocks).
        self._plans: list[tuple[bool, list[dict[str, Any]]]] = []
        self.fleet = Fleet(
            {
                name: DeviceTelescopeLink(proxies.device(name), clock=ledger.clock)
                for name in telescopes
            }
        )
        self.dispatcher = Dispatcher(
            ledger,
            self.fleet,
            OutcomeHandler(ledger, on_progress),
            eligibility=self.eligible,
            on_change=self._replan,
            interlocked=lambda telescope: bool(self.fired_over(telescope)),
            sync_tolerance_s=sync_tolerance_s,
        )
        settings = settings or MonitorSettings()
        self.reconciler = Reconciler(self.dispatcher, silence_s=settings.heartbeat_timeout_s)
        self.monitors = Monitors(
            self.dispatcher,
            settings,
            on_telescope=self._telescope_changed,
            on_stale=on_stale,
            holding=self.holding,
        )
        self._subscriptions: list[Subscription] = []
        self._interlocks = tuple(interlocks)
        self._stop = Wake()
        self._kick = Wake()  # a plan arrived: a round now, not at the next tick

    def start(self) -> None:
        """Subscribe to the schedule, the interlocks and the policy; start the loop."""
        if self._policy is not None:
            # a gate that opens or closes is acted on at its instant, not at the next tick:
            # on virtual time the tick of that instant may come before or after the event,
            # and a night must not depend on which
            self._policy.add_listener(lambda _name, _view: self._kick.set())
            self._policy.start()
        for name in self._interlocks:
            client = self._proxies.device(name)
            self._subscriptions.append(
                client.subscribe("fired", functools.partial(self._on_fired, name))
            )
        if self._scheduler:
            client = self._proxies.device(self._scheduler)
            self._subscriptions.append(client.subscribe("schedule", self._on_schedule))
            self._subscriptions.append(client.subscribe("nextBlocks", self._on_next_blocks))
        spawn(self._clock, self._rounds, name="controller-loop")

    def stop(self) -> None:
        """Stop the loop and unsubscribe."""
        self._stop.set()
        self._kick.set()
        for subscription in self._subscriptions:
            subscription.close()
        if self._policy is not None:
            self._policy.stop()

    def online(self) -> list[str]:
        """Telescopes not marked offline."""
        return self.fleet.online()

    def holding(self) -> bool:
        """No online telescope may observe any queue now (weather, interlocks): on hold."""
        return not any(self.eligible(t, q)[0] for t in self.online() for q in DEFAULT_QUEUES)

    def fired_over(self, telescope: str) -> list[str]:
        """The fired interlocks covering ``telescope``."""
        with self._lock:
            return [
                n for n, (is_fired, scope) in self._fired.items() if is_fired and telescope in scope
            ]

    def eligible(self, telescope: str, queue: str) -> tuple[bool, str]:
        """No interlock covering the telescope has fired, and the queue's policy allows it."""
        fired = self.fired_over(telescope)
        if fired:
            return False, f"interlock {fired[0]} has fired"
        if self._policy is None:
            return True, ""
        answer = self._policy.may_observe(telescope, _policy_of(queue))
        if answer.allowed:
            return True, ""
        first = answer.failing[0]
        return False, f"{first.name}: {first.reason}"

    def _on_fired(self, name: str, event: AttributeEvent) -> None:
        if event.error is not None or event.value is None:
            return
        scope = self._telescopes_of(name)
        with self._lock:
            known = self._fired.get(name)
            self._fired[name] = (bool(event.value), scope)
        if known is None or known[0] != bool(event.value):
            self._kick.set()  # at the instant it fires or is reset, as for a gate
        if event.value:
            _LOG.warning("Interlock %s fired: nothing is dispatched to %s", name, sorted(scope))

    def _telescopes_of(self, interlock: str) -> frozenset[str]:
        with self._lock:
            known = self._fired.get(interlock)
        if known is not None and known[1]:
            return known[1]
        try:
            names = self._proxies.device(interlock).read("telescopes")
        except ProxyError:
            names = ()
        return frozenset(str(n) for n in names or ())

    def _on_schedule(self, event: AttributeEvent) -> None:
        self._receive_plan(event, complete=True)

    def _on_next_blocks(self, event: AttributeEvent) -> None:
        self._receive_plan(event, complete=False)

    def _receive_plan(self, event: AttributeEvent, *, complete: bool) -> None:
        """Queue a plan for the loop thread.

        Never applied here, on the event thread: dispatching holds the dispatcher's lock
        while it subscribes to a telescope's LRC events, and a subscription waits for the
        event thread; applying here would deadlock the two.
        """
        if event.error is not None or not event.value:
            return
        try:
            blocks = json.loads(event.value)
        except ValueError:
            _LOG.exception("Unreadable schedule from the Scheduler")
            return
        with self._lock:
            if complete:
                self._plans.clear()  # a complete plan supersedes whatever came before it
            self._plans.append((complete, blocks))
        self._kick.set()

    def _apply_plans(self) -> None:
        with self._lock:
            plans, self._plans = self._plans, []
        for complete, blocks in plans:
            if complete:
                self.dispatcher.apply_schedule(blocks)
            else:
                self.dispatcher.assign_blocks(blocks)

    def _telescope_changed(self, telescope: str, online: bool) -> None:
        self._on_telescopes(self.online())
        self._tell_availability()

    def availability(self, telescope: str) -> tuple[bool, frozenset[str]]:
        """Whether the telescope may observe now, and the queues closed on it.

        Unavailable: offline, an interlock over it fired, or every queue's gates closed.
        Otherwise the queues whose policy's gates fail are closed (in twilight the research
        sun gate is closed while maintenance may take its sky flats).
        """
        if telescope in self.fleet.offline or self.fired_over(telescope):
            return False, frozenset()
        closed = frozenset(q for q in DEFAULT_QUEUES if not self.eligible(telescope, q)[0])
        if closed == frozenset(DEFAULT_QUEUES):
            return False, frozenset()
        return True, closed

    def _tell_availability(self) -> None:
        """Tell the Scheduler which telescopes may observe now, and for which queues."""
        if not self._scheduler:
            return
        for telescope in self.fleet.links:
            known = self.availability(telescope)
            if self._available.get(telescope) == known:
                continue
            available, closed = known
            argument = json.dumps(
                {"telescope": telescope, "available": available, "closed_queues": sorted(closed)}
            )
            try:
                self._proxies.device(self._scheduler).command("SetAvailability", argument)
                self._available[telescope] = known
            except ProxyError as exc:
                _LOG.warning("Could not tell the scheduler about %s: %s", telescope, exc)

    def _replan(self, reason: str) -> None:
        if not self._scheduler:
            return
        try:
            self._proxies.device(self._scheduler).command("Trigger", reason)
        except ProxyError as exc:
            _LOG.warning("Could not re-trigger the scheduler: %s", exc)

    def _until_next_round(self) -> float:
        """Clock seconds to the next tick, or sooner to the next planned start.

        A task starts at its planned instant, not at the tick after it (on virtual time that
        instant is one the controller asks for). The start is the one the dispatcher's last
        tick saw: no second read of the store.
        """
        wait = to_grid(self._clock, self._tick_s)
        start = self.dispatcher.next_start
        if start is None:
            return wait
        return min(wait, max(0.0, (start - self._clock.now()).total_seconds()))

    def _rounds(self) -> None:
        wait = to_grid(self._clock, self._tick_s)
        while True:
            self._clock.sleep(wait, self._kick)
            self._kick.clear()
            if self._stop.is_set():
                return
            wait = to_grid(self._clock, self._tick_s)
            try:
                self.reconciler.run()
                self._apply_plans()
                self.dispatcher.tick()
                self.monitors.run_all()
                self._tell_availability()
                wait = self._until_next_round()
            except Exception:  # noqa: BLE001 - the loop thread's boundary: log, keep going
                _LOG.exception("Controller tick failed")
