"""May telescope T observe under policy P now? Answered from constraint devices' events.

:class:`PolicyMonitor` subscribes once to the ``snapshot`` attribute of every constraint device
any policy names, keeps the latest status of each, and answers with the pure
:func:`~astrotango.domain.constraints.check_eligibility`. It never polls: a status changes only
when an event arrives. A device that cannot be reached counts as failing (fail safe).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from astrotango.clock import Clock
from astrotango.control.proxies import AttributeEvent, ProxyError, ProxyFactory, Subscription
from astrotango.domain.constraints import ConstraintView, Eligibility, check_eligibility
from astrotango.domain.policy import DEFAULT_POLICIES, ObservingPolicy

__all__ = ["ChangeListener", "PolicyMonitor", "parse_snapshot"]

#: Told ``(constraint name, new view)`` whenever a constraint's verdict or state changes.
ChangeListener = Callable[[str, ConstraintView], None]
_LOG = logging.getLogger(__name__)


def parse_snapshot(text: object) -> ConstraintView:
    """A constraint's view from its ``snapshot`` JSON; anything unreadable fails safe."""
    try:
        data = json.loads(str(text))
        since = data.get("since")
        return ConstraintView(
            is_ok=data["is_ok"] is True,
            since=None if since is None else datetime.fromisoformat(since),
            state=str(data.get("state", "UNKNOWN")),
            reason=str(data.get("reason", "")),
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return ConstraintView(False, None, "UNREADABLE", f"unreadable snapshot: {exc}")


class PolicyMonitor:
    """Follows the constraint devices of a set of policies.

    Args:
        proxies: Gives a client per constraint device.
        clock: Stamps when a device became unreachable.
        policies: Policy name -> policy (the defaults when left out).
        logger: Where to log.
    """

    def __init__(
        self,
        proxies: ProxyFactory,
        clock: Clock,
        policies: Mapping[str, ObservingPolicy] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self._proxies, self._clock = proxies, clock
        self.policies = dict(DEFAULT_POLICIES if policies is None else policies)
        self._logger = logger or _LOG
        self._views: dict[str, ConstraintView] = {}
        self._listeners: list[ChangeListener] = []
        self._subscriptions: list[Subscription] = []
        self._lock = threading.Lock()

    @property
    def constraint_names(self) -> tuple[str, ...]:
        """Every constraint device some policy names, sorted."""
        names: set[str] = set()
        for policy in self.policies.values():
            names.update(policy.observatory_constraints)
            for per_telescope in policy.telescope_constraints.values():
                names.update(per_telescope)
        return tuple(sorted(names))

    def add_listener(self, listener: ChangeListener) -> None:
        """Be told of every change of a constraint's verdict or state (from event threads)."""
        with self._lock:
            self._listeners.append(listener)

    def start(self) -> None:
        """Subscribe to every constraint device (idempotent)."""
        if self._subscriptions:
            return
        for name in self.constraint_names:
            try:
                client = self._proxies.device(name)
                self._subscriptions.append(client.subscribe("snapshot", self._on_event))
            except ProxyError as exc:
                self._logger.warning("Cannot follow %s: %s", name, exc)
                self._set(name, ConstraintView(False, self._clock.now(), "UNREACHABLE", str(exc)))

    def stop(self) -> None:
        """Unsubscribe from everything."""
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions = []

    def _on_event(self, event: AttributeEvent) -> None:
        if event.error is not None:
            old = self.view(event.device)
            since = old.since if old is not None and not old.is_ok else self._clock.now()
            self._set(event.device, ConstraintView(False, since, "UNREACHABLE", event.error))
        else:
            self._set(event.device, parse_snapshot(event.value))

    def _set(self, name: str, view: ConstraintView) -> None:
        with self._lock:
            old = self._views.get(name)
            self._views[name] = view
            listeners = list(self._listeners)
        if old is None or (old.is_ok, old.state) != (view.is_ok, view.state):
            for listener in listeners:
                listener(name, view)

    def view(self, name: str) -> ConstraintView | None:
        """The latest known status of constraint device ``name``, or None."""
        with self._lock:
            return self._views.get(name)

    def may_observe(self, telescope: str, policy: str) -> Eligibility:
        """Whether ``telescope`` may observe under ``policy`` now, and what fails since when.

        Raises:
            ValueError: naming ``policy`` when it is unknown.
        """
        chosen = self.policies.get(policy)
        if chosen is None:
            raise ValueError(f"policy: unknown policy {policy!r} (known: {sorted(self.policies)})")
        with self._lock:
            views = dict(self._views)
        return check_eligibility(chosen, telescope, views)
