"""Device clients for a controller runtime under test: events pushed and commands recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from astrotango.control.proxies import AttributeEvent


class Device:
    def __init__(self, name: str) -> None:
        self.name = name
        self.listeners: list[tuple[str, Callable[[AttributeEvent], None]]] = []
        self.commands: list[tuple[str, Any]] = []

    def subscribe(self, attribute: str, callback: Callable[[AttributeEvent], None]) -> Any:
        self.listeners.append((attribute, callback))
        return self

    def close(self) -> None:
        pass

    def emit(self, attribute: str, value: Any) -> None:
        for name, callback in self.listeners:
            if name == attribute:
                callback(AttributeEvent(self.name, attribute, value, None))

    def read(self, attribute: str) -> Any:
        return None

    def command(self, name: str, argument: Any = None) -> Any:
        self.commands.append((name, argument))
        return None


class Proxies:
    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}

    def device(self, name: str) -> Device:
        return self.devices.setdefault(name, Device(name))
