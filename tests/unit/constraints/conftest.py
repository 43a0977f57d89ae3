"""Fakes for the constraint, policy and interlock component managers: no Tango, no patching."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from astrotango.clock import ManualClock
from astrotango.control.proxies import AttributeEvent, LrcOutcome, LrcRejected, ProxyError
from astrotango.control_model import ResultCode, TaskStatus

START = datetime(2026, 12, 16, 1, 0, tzinfo=UTC)


class FakeSubscription:
    def __init__(self, device: FakeDevice, attribute: str, callback: Callable[..., None]) -> None:
        self.device, self.attribute, self.callback = device, attribute, callback
        self.closed = False

    def close(self) -> None:
        self.closed = True


class FakeCall:
    def __init__(self, device: FakeDevice, command_id: str) -> None:
        self.device, self.command_id = device, command_id

    def wait(self, timeout_s: float, abort_event: threading.Event | None = None) -> LrcOutcome:
        if not self.device.finish.wait(timeout_s):
            raise ProxyError(f"{self.device.name}: {self.command_id} timed out")
        if self.device.hang:
            raise ProxyError(f"{self.device.name}: {self.command_id} timed out after {timeout_s}")
        code, message = self.device.outcome
        return LrcOutcome(self.command_id, TaskStatus.COMPLETED, [int(code), message])


class FakeDevice:
    """A device double: events are pushed by the test; LRCs end as configured."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.subscriptions: list[FakeSubscription] = []
        self.invocations: list[str] = []
        self.outcome: tuple[ResultCode, str] = (ResultCode.OK, "closed and parked")
        self.reject: str | None = None
        self.unreachable = False
        self.hang = False
        self.finish = threading.Event()
        self.finish.set()
        self.on_invoke: Callable[[], None] | None = None
        self.reads = 0

    def subscribe(self, attribute: str, callback: Callable[..., None]) -> FakeSubscription:
        subscription = FakeSubscription(self, attribute, callback)
        self.subscriptions.append(subscription)
        return subscription

    def emit(self, attribute: str, value: Any = None, error: str | None = None) -> None:
        for sub in self.subscriptions:
            if sub.attribute == attribute and not sub.closed:
                sub.callback(AttributeEvent(self.name, attribute, value, error))

    def prepare_lrc(self) -> None:
        if self.unreachable:
            raise ProxyError(f"{self.name}: device not exported")

    def invoke_lrc(
        self, command: str, argument: Any = None, *, on_progress: Any = None
    ) -> FakeCall:
        if self.unreachable:
            raise ProxyError(f"{self.name}: device not exported")
        if self.on_invoke is not None:
            self.on_invoke()
        self.invocations.append(command)
        if self.reject is not None:
            raise LrcRejected(f"{self.name}.{command} rejected: {self.reject}")
        if on_progress is not None:
            on_progress(50)
        return FakeCall(self, f"{len(self.invocations)}_{command}")

    def read(self, attribute: str) -> Any:  # present only to prove nobody polls
        self.reads += 1
        raise AssertionError("polled")


class FakeProxies:
    def __init__(self) -> None:
        self.devices: dict[str, FakeDevice] = {}

    def device(self, name: str) -> FakeDevice:
        return self.devices.setdefault(name, FakeDevice(name))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def proxies() -> FakeProxies:
    return FakeProxies()
