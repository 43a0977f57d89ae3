"""One connection to an INDI server, kept up in a background thread, and a snapshot of it.

indipyclient speaks the protocol on its own asyncio loop, which this module runs in a daemon
thread. Every property the server defines or sets is copied into an immutable
:class:`~astrotango.hardware.indi.properties.Prop`, so readers (telemetry polls) never touch the
network or the library's mutable objects. Sends are queued to the loop and return at once.

The library retries a lost connection only every 5 s and does not notice a server that closed
its socket cleanly (it reads end-of-file forever), so the supervisor here watches the stream
itself and starts a fresh client every ``reconnect_interval_s``. After each (re)connection every
device the driver uses is switched on (``CONNECTION``/``CONNECT``) and, for image devices, BLOBs
are enabled (``enableBLOB Also``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from indipyclient import IPyClient

from astrotango.hardware.errors import HardwareFault
from astrotango.hardware.indi.properties import Prop, PropState

__all__ = ["Blob", "IndiConnection", "Listener"]

_log = logging.getLogger(__name__)
_KINDS = {"SwitchVector": "Switch", "NumberVector": "Number", "TextVector": "Text"}
_KINDS |= {"LightVector": "Light", "BLOBVector": "BLOB"}
_WATCH_S = 0.1


@dataclass(frozen=True)
class Blob:
    """A BLOB the server sent: which property, its bytes, and its format (``".fits"``)."""

    device: str
    name: str
    data: bytes
    format: str


#: Called on the connection's thread with each updated property, a BLOB, or None when the
#: connection (re)starts or is lost. It must not block: it may only read and ``send``.
Listener = Callable[[Prop | Blob | None], None]


class _Client(IPyClient):  # type: ignore[misc]  # indipyclient is untyped
    """The library's client, copying what it learns into the owning connection."""

    def __init__(self, owner: IndiConnection, host: str, port: int) -> None:
        super().__init__(host, port)
        self.owner = owner
        self.enable_reports = False
        self.resend_enableBLOB_on_def = False  # BLOBs are enabled per device, below

    async def rxevent(self, event: Any) -> None:
        await self.owner._received(self, event)

    def at_eof(self) -> bool:
        reader = self._reader
        return reader is None or bool(reader.at_eof())


class IndiConnection:
    """A self-healing connection to one INDI server, serving the devices ``devices``.

    Args:
        host: The server's host.
        port: The server's port.
        devices: The devices to switch on after each connection.
        blob_devices: The devices whose BLOBs are wanted (cameras).
        connect_timeout_s: How long one connection attempt may take, real seconds.
        reconnect_interval_s: The pause between attempts, real seconds.
    """

    def __init__(
        self,
        host: str,
        port: int,
        devices: Iterable[str],
        *,
        blob_devices: Iterable[str] = (),
        connect_timeout_s: float = 2.0,
        reconnect_interval_s: float = 2.0,
    ) -> None:
        self.host, self.port = host, port
        self._devices, self._blob_devices = frozenset(devices), frozenset(blob_devices)
        self._connect_timeout_s, self._retry_s = connect_timeout_s, reconnect_interval_s
        self._lock = threading.Lock()
        self._props: dict[tuple[str, str], Prop] = {}
        self._listeners: list[Listener] = []
        self._connected = False
        self._ever_connected = False
        self._client: _Client | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: asyncio.Queue[tuple[_Client, str, str, dict[str, str]]] | None = None
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        """Names the server in messages: ``INDI server host:port``."""
        return f"INDI server {self.host}:{self.port}"

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with every update (register before :meth:`start`)."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Start connecting in the background; returns at once."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=lambda: asyncio.run(self._supervise()),
                name=f"indi-{self.host}:{self.port}",
                daemon=True,
            )
            self._thread.start()

    def close(self, timeout_s: float = 5.0) -> None:
        """Disconnect and stop the background thread (waits at most ``timeout_s``)."""
        self._closing.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    # -- reading the snapshot -------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the server is connected now."""
        return self._connected

    def check(self) -> None:
        """Raise unless the server is connected.

        Raises:
            HardwareFault: ``INDI server host:port: connection lost`` (or not connected yet).
        """
        if not self._connected:
            why = "connection lost" if self._ever_connected else "not connected"
            raise HardwareFault(f"{self.name}: {why}")

    def get(self, device: str, name: str) -> Prop | None:
        """The property as last received, or None (not defined, or not connected)."""
        return self._props.get((device, name))

    def require(self, device: str, name: str) -> Prop:
        """The property, which must exist on a connected server.

        Raises:
            HardwareFault: disconnected, or the device has not defined the property.
        """
        self.check()
        prop = self._props.get((device, name))
        if prop is None:
            raise HardwareFault(f"{self.name}: device {device!r} has no property {name}")
        return prop

    def ready(self, device: str) -> None:
        """Raise unless ``device`` is defined and switched on.

        Raises:
            HardwareFault: disconnected, or the device is missing or not switched on.
        """
        conn = self.get(device, "CONNECTION")
        self.check()
        if conn is None or not conn.on("CONNECT") or conn.state is not PropState.OK:
            raise HardwareFault(f"{self.name}: device {device!r} not connected")

    # -- sending --------------------------------------------------------------------------

    def send(self, device: str, name: str, members: Mapping[str, str | float]) -> None:
        """Queue a new value for a property; returns at once (the property shows Busy).

        Raises:
            HardwareFault: disconnected, no such property or member.
        """
        prop = self.require(device, name)
        unknown = set(members) - set(prop.values) if prop.kind != "BLOB" else set()
        if unknown:
            raise HardwareFault(f"{self.name}: {device} {name} has no member {sorted(unknown)}")
        text = {k: v if isinstance(v, str) else repr(float(v)) for k, v in members.items()}
        loop, outbox, client = self._loop, self._outbox, self._client
        if loop is None or outbox is None or client is None:
            raise HardwareFault(f"{self.name}: connection lost")
        with self._lock:
            if self._props.get((device, name)) is prop:
                self._props[(device, name)] = prop.sent(text)
        try:
            loop.call_soon_threadsafe(outbox.put_nowait, (client, device, name, text))
        except RuntimeError as exc:  # the loop has just stopped
            raise HardwareFault(f"{self.name}: connection lost") from exc

    # -- the background loop --------------------------------------------------------------

    async def _supervise(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._outbox = asyncio.Queue()
        sender = asyncio.create_task(self._send_loop())
        while not self._closing.is_set():
            client = _Client(self, self.host, self.port)
            task = asyncio.create_task(client.asyncrun())
            await self._watch(client)
            client.shutdown()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            self._lost(client)
            await self._pause(self._retry_s)
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)

    async def _watch(self, client: _Client) -> None:
        """Return when ``client`` failed to connect in time, lost its server, or on close."""
        began = time.monotonic()
        while not self._closing.is_set():
            await asyncio.sleep(_WATCH_S)
            if client is self._client:
                if not client.connected or client.at_eof():
                    _log.warning("%s: connection lost", self.name)
                    return
            elif time.monotonic() - began > self._connect_timeout_s:
                return

    async def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._closing.is_set() and time.monotonic() < end:
            await asyncio.sleep(_WATCH_S)

    async def _send_loop(self) -> None:
        assert self._outbox is not None
        while True:
            client, device, name, members = await self._outbox.get()
            if client is self._client and client.connected:
                try:
                    await client.send_newVector(device, name, members=members)
                except Exception:  # noqa: BLE001 - the loop thread's boundary: log, go on
                    _log.exception("%s: sending %s %s failed", self.name, device, name)

    def _lost(self, client: _Client) -> None:
        if client is not self._client:
            return
        with self._lock:
            self._client, self._connected = None, False
            self._props.clear()
        self._notify(None)

    async def _received(self, client: _Client, event: Any) -> None:
        kind = str(getattr(event, "eventtype", ""))
        if kind == "ConnectionMade":
            with self._lock:
                self._props.clear()
                self._client, self._connected, self._ever_connected = client, True, True
            _log.info("%s: connected", self.name)
            self._notify(None)
            return
        if client is not self._client:
            return
        device, name = getattr(event, "devicename", None), getattr(event, "vectorname", None)
        if device not in self._devices:
            return
        device = str(device)
        if kind == "Delete":
            with self._lock:
                for key in [k for k in self._props if k[0] == device and name in (None, k[1])]:
                    del self._props[key]
            return
        vector = getattr(event, "vector", None)
        if vector is None or kind not in ("Define", "DefineBLOB", "Set", "SetBLOB"):
            return
        name = str(name)
        prop = self._copy(vector)
        with self._lock:
            self._props[(device, name)] = prop
        if kind == "SetBLOB":
            for member, data in event.items():
                fmt = event.sizeformat[member][1]
                self._notify(Blob(device, name, bytes(data), str(fmt)))
        elif kind == "DefineBLOB" and device in self._blob_devices:
            await client.send_enableBLOB("Also", device, name)
        elif name == "CONNECTION" and kind == "Define" and not prop.on("CONNECT"):
            self._props[(device, name)] = prop.sent({"CONNECT": "On"})
            await client.send_newVector(device, name, members={"CONNECT": "On"})
        self._notify(prop)

    @staticmethod
    def _copy(vector: Any) -> Prop:
        kind = _KINDS.get(str(getattr(vector, "vectortype", "")), "")
        values = {} if kind == "BLOB" else {str(k): str(v) for k, v in vector.items()}
        return Prop(
            device=str(vector.devicename),
            name=str(vector.name),
            kind=kind,
            state=PropState(vector.state),
            values=values,
            message=str(vector.message or ""),
        )

    def _notify(self, update: Prop | Blob | None) -> None:
        for listener in self._listeners:
            try:
                listener(update)
            except Exception:  # noqa: BLE001 - the loop thread's boundary: log, go on
                _log.exception("%s: a listener failed on %r", self.name, update)
