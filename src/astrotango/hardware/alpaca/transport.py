"""The boundary to alpyca: timed requests, one HTTP session per thread, errors translated once.

alpyca speaks the protocol; two things it does are wrong for a poller and a worker thread
sharing a server, so the device classes here override its three request methods:

* it has no timeout setting (5 s for properties, none at all for an image download), and
* it holds one process-wide lock for the whole of every request, so one hung server would stall
  every Alpaca device in the process; here the lock only numbers the request.

Each thread gets its own ``requests.Session`` (a session is not thread-safe). Every alpyca and
``requests`` exception is translated by :func:`call` into the tree::

    HardwareError
    ├── HardwareFault
    │   ├── ServerUnreachable   connection refused / reset / DNS: the whole server is gone
    │   └── NotImplementedByDevice   the device does not have the property or method
    └── HardwareTimeout
        └── ServerTimeout       no answer within the timeout
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from alpaca import exceptions as ascom
from alpaca.camera import Camera, raise_alpaca_if
from alpaca.device import Device
from alpaca.dome import Dome
from alpaca.filterwheel import FilterWheel
from alpaca.focuser import Focuser
from alpaca.observingconditions import ObservingConditions
from alpaca.safetymonitor import SafetyMonitor
from alpaca.telescope import Telescope

from astrotango.hardware.errors import HardwareFault, HardwareTimeout

__all__ = [
    "NotImplementedByDevice",
    "ServerTimeout",
    "ServerUnreachable",
    "TimedCamera",
    "TimedDome",
    "TimedFilterWheel",
    "TimedFocuser",
    "TimedObservingConditions",
    "TimedSafetyMonitor",
    "TimedTelescope",
    "call",
    "get",
    "is_network",
    "put",
]

T = TypeVar("T")

_ASCOM_ERRORS = (
    ascom.ActionNotImplementedException,
    ascom.AlpacaRequestException,
    ascom.DriverException,
    ascom.InvalidOperationException,
    ascom.InvalidValueException,
    ascom.NotConnectedException,
    ascom.OperationCancelledException,
    ascom.ParkedException,
    ascom.SlavedException,
    ascom.ValueNotSetException,
)


class ServerUnreachable(HardwareFault):
    """The Alpaca server does not accept connections."""


class ServerTimeout(HardwareTimeout):
    """The Alpaca server did not answer in time."""


class NotImplementedByDevice(HardwareFault):
    """The device does not implement the property or method."""


def is_network(exc: BaseException) -> bool:
    """Whether ``exc`` means the server (not one device) cannot be talked to."""
    return isinstance(exc, ServerUnreachable | ServerTimeout)


class _Timed:
    """Overrides alpyca's request methods (see the module docstring); mixed into its devices."""

    base_url: str
    timeout_s: float = 3.0
    download_timeout_s: float = 30.0
    _local: threading.local

    def _session(self) -> requests.Session:
        local = self.__dict__.setdefault("_local", threading.local())
        session: requests.Session | None = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        return session

    def _request(
        self, method: str, attribute: str, timeout_s: float, headers: dict[str, str], **data: Any
    ) -> requests.Response:
        with Device._ctid_lock:
            transaction = Device._client_trans_id
            Device._client_trans_id += 1
        fields = {"ClientTransactionID": str(transaction), "ClientID": str(Device._client_id)}
        fields.update({k: str(v) for k, v in data.items()})
        url = f"{self.base_url}/{attribute}"
        if method == "GET":
            return self._session().get(url, params=fields, timeout=timeout_s, headers=headers)
        return self._session().put(url, data=fields, timeout=timeout_s, headers=headers)

    @staticmethod
    def _checked(response: requests.Response) -> Any:
        if response.status_code not in range(200, 204):
            raise ascom.AlpacaRequestException(
                response.status_code, f"{response.text[:200]} (URL {response.url})"
            )
        answer = response.json()
        raise_alpaca_if(answer["ErrorNumber"], answer["ErrorMessage"])
        return answer

    def _get(self, attribute: str, tmo: float | None = None, **data: Any) -> Any:
        response = self._request("GET", attribute, tmo or self.timeout_s, {}, **data)
        return self._checked(response)["Value"]

    def _put(self, attribute: str, tmo: float | None = None, **data: Any) -> Any:
        return self._checked(self._request("PUT", attribute, tmo or self.timeout_s, {}, **data))

    def _fetch_imagedata_response(self, attribute: str, **data: Any) -> requests.Response:
        accept = {"accept": "application/imagebytes"}
        response = self._request("GET", attribute, self.download_timeout_s, accept, **data)
        if response.status_code not in range(200, 204):
            raise ascom.AlpacaRequestException(
                response.status_code, f"{response.reason} (URL {response.url})"
            )
        return response


# alpyca is untyped (Any to mypy): the subclasses below subclass Any.
class TimedTelescope(_Timed, Telescope):  # type: ignore[misc]
    """An alpyca Telescope with timed, per-thread requests."""


class TimedDome(_Timed, Dome):  # type: ignore[misc]
    """An alpyca Dome with timed, per-thread requests."""


class TimedCamera(_Timed, Camera):  # type: ignore[misc]
    """An alpyca Camera with timed, per-thread requests (the image download included)."""


class TimedFilterWheel(_Timed, FilterWheel):  # type: ignore[misc]
    """An alpyca FilterWheel with timed, per-thread requests."""


class TimedFocuser(_Timed, Focuser):  # type: ignore[misc]
    """An alpyca Focuser with timed, per-thread requests."""


class TimedObservingConditions(_Timed, ObservingConditions):  # type: ignore[misc]
    """An alpyca ObservingConditions with timed, per-thread requests."""


class TimedSafetyMonitor(_Timed, SafetyMonitor):  # type: ignore[misc]
    """An alpyca SafetyMonitor with timed, per-thread requests."""


def call(device: Any, member: str, action: Callable[[], T]) -> T:
    """Run ``action`` (one alpyca call on ``device``), translating every failure.

    Args:
        device: The alpyca device (names the server, device and URL in messages).
        member: The ASCOM member called (``"SlewToCoordinatesAsync"``, ``"Slewing"``).
        action: The call.

    Raises:
        ServerUnreachable: the connection failed.
        ServerTimeout: no answer within the device's timeout.
        NotImplementedByDevice: the device does not implement ``member``.
        HardwareFault: the device reported an error, or answered nonsense.
    """
    server = device.address
    what = f"{device.device_type} {device.device_number} {member}"
    url = f"{device.base_url}/{member.lower()}"
    try:
        return action()
    except requests.Timeout as exc:
        raise ServerTimeout(
            f"Alpaca server {server}: {what} did not answer within "
            f"{getattr(device, 'timeout_s', 5.0):g} s ({url})"
        ) from exc
    except (requests.JSONDecodeError, ValueError, KeyError) as exc:
        raise HardwareFault(f"Alpaca server {server}: {what}: bad answer: {exc} ({url})") from exc
    except requests.RequestException as exc:
        reason = type(exc).__name__ if not str(exc) else _short(exc)
        raise ServerUnreachable(f"Alpaca server {server}: not reachable: {reason} ({url})") from exc
    except ascom.NotImplementedException as exc:
        raise NotImplementedByDevice(f"{what}: not implemented ({url})") from exc
    except _ASCOM_ERRORS as exc:
        raise HardwareFault(f"{what}: {exc} ({url})") from exc


def get(device: Any, member: str) -> Any:
    """Read property ``member`` of ``device`` (see :func:`call` for the errors)."""
    return call(device, member, lambda: getattr(device, member))


def put(device: Any, member: str, value: Any) -> None:
    """Write property ``member`` of ``device`` (see :func:`call` for the errors)."""
    call(device, member, lambda: setattr(device, member, value))


def _short(exc: BaseException) -> str:
    """The innermost reason of a requests error ("Connection refused"), not the whole chain."""
    text = str(exc)
    for marker in ("Errno", "Connection refused", "Connection reset", "Name or service"):
        if marker in text:
            start = text.find(marker)
            return text[start:].split("'")[0].split(")")[0].rstrip(" ,")
    return text[:160]
