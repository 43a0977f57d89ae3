"""The only module below ``devices/`` that talks Tango: other devices, behind a Protocol.

Component managers see other devices through :class:`ProxyFactory` and :class:`DeviceClient`:
subscribe to an attribute's change events, and invoke a long-running command and follow its
``_lrcEvent`` stream to the end. :class:`TangoProxyFactory` is the real thing; unit tests inject
fakes. ``DevFailed`` is translated here, once, into :class:`ProxyError`.

Exceptions::

    ProxyError            a device could not be reached, or a call failed
    └── LrcRejected       the device answered REJECTED to a long-running command
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import tango

from astrotango.clock import Clock, ClockCondition, WallClock
from astrotango.clock.ledger import Receipt
from astrotango.control_model import TERMINAL_TASK_STATUSES, ResultCode, TaskStatus

__all__ = [
    "AttributeCallback",
    "AttributeEvent",
    "DeviceClient",
    "LrcCall",
    "LrcOutcome",
    "LrcRejected",
    "NoAnswer",
    "ProxyError",
    "ProxyFactory",
    "Subscription",
    "TangoProxyFactory",
]

_LOG = logging.getLogger(__name__)
_KEEP_COMMANDS = 256
# Concurrent first subscriptions race in cppTango ("Could not find event consumer"): serialise.
_SUBSCRIBE_LOCK = threading.Lock()
#: Real seconds a subscription that lost its device may hold virtual time (see _ReconnectHold):
#: cppTango's keepalive re-subscribes every 10 real s.
_RECONNECT_HOLD_S = 15.0


class ProxyError(RuntimeError):
    """A device could not be reached, or a call to it failed."""


class LrcRejected(ProxyError):
    """The device answered REJECTED to a long-running command."""


class NoAnswer(ProxyError):
    """The call timed out on the client: the device may have carried it out, or not."""


#: DevFailed reasons and descriptions of a client-side timeout (the request may have arrived).
_NO_ANSWER = ("API_DeviceTimedOut", "TRANSIENT_CallTimedout")


def _call_failed(what: str, exc: tango.DevFailed) -> ProxyError:
    """The ProxyError for a failed call: :class:`NoAnswer` when it timed out."""
    said = " ".join(f"{getattr(e, 'reason', '')} {getattr(e, 'desc', '')}" for e in exc.args)
    kind = NoAnswer if any(marker in said for marker in _NO_ANSWER) else ProxyError
    return kind(f"{what}: {_describe(exc)}")


@dataclass(frozen=True, slots=True)
class AttributeEvent:
    """One change event: ``value`` (None when INVALID), or ``error`` (device unreachable)."""

    device: str
    attribute: str
    value: Any = None
    error: str | None = None


AttributeCallback = Callable[[AttributeEvent], None]


@dataclass(frozen=True, slots=True)
class LrcOutcome:
    """How a long-running command ended: its final status and result."""

    command_id: str
    status: TaskStatus
    result: Any


class Subscription(Protocol):
    """A live subscription."""

    def close(self) -> None:
        """Unsubscribe; idempotent, never raises."""


class LrcCall(Protocol):
    """A long-running command accepted by a device."""

    @property
    def command_id(self) -> str:
        """The id the device gave the command."""

    def wait(self, timeout_s: float, abort_event: threading.Event | None = None) -> LrcOutcome:
        """Block until the final status; ProxyError after ``timeout_s`` or ``abort_event``."""


class DeviceClient(Protocol):
    """Another device, as a component manager may use it."""

    @property
    def name(self) -> str:
        """The device name."""

    def subscribe(self, attribute: str, callback: AttributeCallback) -> Subscription:
        """Follow change events of ``attribute``; retried while the device is down."""

    def prepare_lrc(self) -> None:
        """Get ready to invoke LRCs with no set-up delay (idempotent); may raise ProxyError."""

    def invoke_lrc(
        self,
        command: str,
        argument: Any = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> LrcCall:
        """Invoke an LRC; returns once accepted. Raises LrcRejected or ProxyError."""

    def command(self, command: str, argument: Any = None) -> Any:
        """Run an ordinary command and return its answer. Raises ProxyError."""

    def read(self, attribute: str) -> Any:
        """Read an attribute's value. Raises ProxyError."""


class ProxyFactory(Protocol):
    """Gives a client for any device name."""

    def device(self, name: str) -> DeviceClient:
        """The client of device ``name`` (cheap; the connection is made when first used)."""


def _describe(failure: tango.DevFailed | tango.EventData) -> str:
    errors = getattr(failure, "errors", None) or getattr(failure, "args", ()) or ()
    return "; ".join(str(getattr(e, "desc", e)).strip() for e in errors) or "Tango error"


class _ReconnectHold:
    """Keeps virtual time still from a subscription's first error to its next good event.

    cppTango re-subscribes a stateless subscription on a wall-clock keepalive (every 10 real
    s); on virtual time the night would run on meanwhile (hours of it at full speed) with the
    subscriber deaf: a gate it never heard open, a plan it never received. The hold is bounded
    (:data:`_RECONNECT_HOLD_S` real seconds, then time moves on until the next good event), so
    a device that died is still seen dead in simulated time, by its silent heartbeat. On the
    wall and scaled clocks a hold is nothing.
    """

    def __init__(self, clock: Clock, what: str) -> None:
        self._clock, self._what = clock, what
        self._lock = threading.Lock()
        self._held = self._spent = False
        self._timer: threading.Timer | None = None

    def lost(self) -> None:
        """An error event: hold, unless this outage already had its hold."""
        with self._lock:
            if self._held or self._spent:
                return
            self._held = True
            self._clock.acquire()
            self._timer = threading.Timer(_RECONNECT_HOLD_S, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def restored(self) -> None:
        """A good event: let time go; the next outage holds again."""
        with self._lock:
            self._spent = False
            self._let_go_locked()

    def close(self) -> None:
        """The subscription ends."""
        with self._lock:
            self._spent = True
            self._let_go_locked()

    def _expire(self) -> None:
        with self._lock:
            if self._held:
                _LOG.warning(
                    "%s: no event for %g real s after an error; time moves on",
                    self._what,
                    _RECONNECT_HOLD_S,
                )
            self._spent = True
            self._let_go_locked()

    def _let_go_locked(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._held:
            self._held = False
            self._clock.release()


def _stamp_us(event: tango.EventData) -> int:
    """When the event was pushed, in microseconds (what the clock's ledger compares)."""
    stamp = event.attr_value.time
    return int(stamp.tv_sec) * 1_000_000 + int(stamp.tv_usec)


class _TangoSubscription:
    def __init__(
        self, proxy: tango.DeviceProxy, event_id: int, hold: _ReconnectHold, receipt: Receipt
    ) -> None:
        self._proxy, self._id, self._hold, self._receipt = proxy, event_id, hold, receipt
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._hold.close()
        self._receipt.close()
        try:
            self._proxy.unsubscribe_event(self._id)
        except tango.DevFailed as exc:
            _LOG.debug("unsubscribe failed: %s", _describe(exc))


class _TangoLrcCall:
    def __init__(
        self, client: TangoDeviceClient, command_id: str, on_progress: Callable[[int], None] | None
    ) -> None:
        self._client, self._id, self._on_progress = client, command_id, on_progress

    @property
    def command_id(self) -> str:
        return self._id

    def wait(self, timeout_s: float, abort_event: threading.Event | None = None) -> LrcOutcome:
        deadline = self._client.clock.now() + timedelta(seconds=timeout_s)
        seen, result = 0, None
        while True:
            payloads = self._client._payloads(self._id, seen, deadline, abort_event)
            seen += len(payloads)
            for payload in payloads:
                if "progress" in payload and self._on_progress is not None:
                    self._on_progress(int(payload["progress"]))
                if "result" in payload:
                    result = payload["result"]
                if "status" in payload and TaskStatus(payload["status"]) in TERMINAL_TASK_STATUSES:
                    return LrcOutcome(self._id, TaskStatus(payload["status"]), result)
            if not payloads:
                why = "abort requested" if abort_event and abort_event.is_set() else "timed out"
                raise ProxyError(f"{self._client.name}: {self._id} {why} after {timeout_s:g} s")


class TangoDeviceClient:
    """A :class:`DeviceClient` over ``tango.DeviceProxy`` (``timeout_ms`` per call).

    LRC waits are in ``clock`` seconds (idle waits on virtual time), and every event callback
    runs holding the clock, so what an event causes happens at the instant it arrived.
    """

    def __init__(self, name: str, timeout_ms: int = 3000, clock: Clock | None = None) -> None:
        self._name, self._timeout_ms = name, timeout_ms
        self.clock: Clock = clock or WallClock()
        self._proxy: tango.DeviceProxy | None = None
        self._lock = threading.Lock()
        self._events: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._cond = ClockCondition()
        self._lrc_subscription: int | None = None
        self._lrc_receipt: Receipt | None = None

    @property
    def name(self) -> str:
        """The device name."""
        return self._name

    def _device(self) -> tango.DeviceProxy:
        with self._lock:
            if self._proxy is None:
                try:
                    proxy = tango.DeviceProxy(self._name)
                    proxy.set_timeout_millis(self._timeout_ms)
                except tango.DevFailed as exc:
                    raise ProxyError(f"{self._name}: {_describe(exc)}") from None
                self._proxy = proxy
            return self._proxy

    def subscribe(self, attribute: str, callback: AttributeCallback) -> Subscription:
        """Follow change events (stateless: retried while the device is down); see the Protocol."""
        proxy = self._device()
        hold = _ReconnectHold(self.clock, f"{self._name}/{attribute}")
        receipts: list[Receipt] = []  # made once subscribed (the first event comes before)

        def on_event(event: tango.EventData) -> None:
            with self.clock.hold():
                deliver(event)

        def deliver(event: tango.EventData) -> None:
            if event.err:
                hold.lost()
                callback(AttributeEvent(self._name, attribute, None, _describe(event)))
                return
            hold.restored()
            value = event.attr_value
            for receipt in receipts if value is not None else ():
                receipt.seen(_stamp_us(event))
            if value is None or value.quality == tango.AttrQuality.ATTR_INVALID:
                callback(AttributeEvent(self._name, attribute, None))  # garbage, not an error
                return
            callback(AttributeEvent(self._name, attribute, value.value))

        try:
            with _SUBSCRIBE_LOCK:
                event_id = proxy.subscribe_event(
                    attribute, tango.EventType.CHANGE_EVENT, on_event, stateless=True
                )
        except tango.DevFailed as exc:
            hold.close()
            raise ProxyError(f"{self._name}/{attribute}: {_describe(exc)}") from None
        receipts.append(self.clock.event_receipt(proxy.dev_name(), attribute))
        return _TangoSubscription(proxy, event_id, hold, receipts[0])

    def prepare_lrc(self) -> None:
        """Subscribe to ``_lrcEvent`` once, so no invocation waits for a subscription."""
        proxy = self._device()
        if self._lrc_subscription is not None:
            return
        try:
            with _SUBSCRIBE_LOCK:
                sub = proxy.subscribe_event("_lrcEvent", tango.EventType.CHANGE_EVENT, self._on_lrc)
        except tango.DevFailed as exc:
            raise ProxyError(f"{self._name}/_lrcEvent: {_describe(exc)}") from None
        with self._cond:
            if self._lrc_subscription is None:
                self._lrc_subscription = sub
                self._lrc_receipt = self.clock.event_receipt(proxy.dev_name(), "_lrcEvent")
                return
        proxy.unsubscribe_event(sub)

    def _on_lrc(self, event: tango.EventData) -> None:
        with self.clock.hold():
            self._take_lrc(event)

    def _take_lrc(self, event: tango.EventData) -> None:
        if event.err or event.attr_value is None:
            return
        if self._lrc_receipt is not None:
            self._lrc_receipt.seen(_stamp_us(event))
        value: Any = event.attr_value.value or ()
        try:
            uid, text = value
            payload = json.loads(text)
        except ValueError:  # not a (command id, json) pair
            return
        with self._cond:
            self._events.setdefault(uid, []).append(payload)
            self._events.move_to_end(uid)
            while len(self._events) > _KEEP_COMMANDS:
                self._events.popitem(last=False)
            self._cond.notify_all()

    def _payloads(
        self, uid: str, seen: int, deadline: datetime, abort_event: threading.Event | None
    ) -> list[dict[str, Any]]:
        """What has arrived for ``uid`` beyond the first ``seen``, waiting for it (idle).

        Waits in clock time until something arrives, ``deadline`` passes or ``abort_event``
        is set (looked at every clock second: setting it does not notify this condition).
        """
        with self._cond:
            while True:
                fresh = self._events.get(uid, [])[seen:]
                remaining = (deadline - self.clock.now()).total_seconds()
                if fresh or remaining <= 0 or (abort_event is not None and abort_event.is_set()):
                    return list(fresh)
                self.clock.wait_for(
                    self._cond,
                    lambda: len(self._events.get(uid, [])) > seen,
                    remaining if abort_event is None else min(remaining, 1.0),
                )

    def invoke_lrc(
        self,
        command: str,
        argument: Any = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ) -> LrcCall:
        """Invoke ``command``; returns once the device has queued it (see the Protocol)."""
        self.prepare_lrc()
        try:
            [code], [text] = self._device().command_inout(command, argument)
        except tango.DevFailed as exc:
            raise _call_failed(f"{self._name}.{command}", exc) from None
        if code == ResultCode.REJECTED:
            raise LrcRejected(f"{self._name}.{command} rejected: {text}")
        return _TangoLrcCall(self, text, on_progress)

    def command(self, command: str, argument: Any = None) -> Any:
        """Run ``command`` (see the Protocol)."""
        try:
            return self._device().command_inout(command, argument)
        except tango.DevFailed as exc:
            raise _call_failed(f"{self._name}.{command}", exc) from None

    def read(self, attribute: str) -> Any:
        """Read ``attribute`` (see the Protocol)."""
        try:
            return self._device().read_attribute(attribute).value
        except tango.DevFailed as exc:
            raise ProxyError(f"{self._name}/{attribute}: {_describe(exc)}") from None


class TangoProxyFactory:
    """A :class:`ProxyFactory` of :class:`TangoDeviceClient`, one per device name."""

    def __init__(self, timeout_ms: int = 3000, clock: Clock | None = None) -> None:
        self._timeout_ms, self._clock = timeout_ms, clock
        self._clients: dict[str, TangoDeviceClient] = {}
        self._lock = threading.Lock()

    def device(self, name: str) -> DeviceClient:
        """The (cached) client of device ``name``."""
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = self._clients[name] = TangoDeviceClient(
                    name, self._timeout_ms, self._clock
                )
            return client
