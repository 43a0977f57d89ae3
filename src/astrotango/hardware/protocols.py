"""The driver Protocol of one telescope: mount, enclosure, focuser, instruments, telemetry.

Commands start an action and return at once; whether it finished is learnt by monitoring
(``position()``, ``state()``, ``status()``, ``telemetry()``), never from the command's return.
Every method may raise :class:`~astrotango.hardware.errors.HardwareError`. The simulator in
``astrotango.simulation.telescope`` implements these Protocols; so must a real adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from astrotango.hardware.instruments import CameraInfo, ReceiverInfo
from astrotango.hardware.limits import MountLimits
from astrotango.hardware.types import (
    Asset,
    EnclosureStatus,
    ExposureRequest,
    FocuserInfo,
    FocuserStatus,
    InstrumentStatus,
    IntegrationRequest,
    MountStatus,
    Pointing,
    Site,
    Telemetry,
)

__all__ = [
    "Camera",
    "Connected",
    "Enclosure",
    "Focuser",
    "Instrument",
    "Mount",
    "Receiver",
    "TelescopeDriver",
]


class Mount(Protocol):
    """An alt-az mount."""

    @property
    def limits(self) -> MountLimits:
        """The pointing limits the mount enforces."""
        ...

    def slew(self, target: Pointing) -> None:
        """Start slewing; an equatorial target is tracked once reached and settled.

        Raises:
            LimitViolation: the target is below the horizon limit or too close to the sun.
            HardwareFault: the mount is parked or in fault.
        """
        ...

    def track(self, enabled: bool) -> None:
        """Start or stop sidereal tracking of the current equatorial target."""
        ...

    def stop(self) -> None:
        """Stop every motion at once (the mount stays where it is)."""
        ...

    def park(self) -> None:
        """Start moving to the park position; PARKED when there."""
        ...

    def unpark(self) -> None:
        """Release the park brakes; IDLE when done."""
        ...

    def position(self) -> MountStatus:
        """Measure where the mount points and what it does."""
        ...


class Enclosure(Protocol):
    """A dome or roll-off roof."""

    def open(self) -> None:
        """Start opening (reverses a closing enclosure)."""
        ...

    def close(self) -> None:
        """Start closing (reverses an opening enclosure)."""
        ...

    def state(self) -> EnclosureStatus:
        """Measure the enclosure."""
        ...


class Focuser(Protocol):
    """A motorised focuser: moves the camera along the optical axis, in motor steps."""

    def info(self) -> FocuserInfo:
        """Its travel (the highest position, steps).

        Raises:
            HardwareFault: not known yet (a real focuser not connected).
        """
        ...

    def status(self) -> FocuserStatus:
        """Measure the focuser: position (steps), whether it moves, its temperature (deg C)."""
        ...

    def move_to(self, position_steps: int) -> None:
        """Start moving to an absolute position (steps) and return; it moves until there.

        Raises:
            HardwareError: the position is outside 0..``info().max_steps``, or the focuser
                refused (disconnected, in fault).
        """
        ...

    def stop(self) -> None:
        """Stop the focuser where it is.

        Raises:
            HardwareError: it cannot be stopped (it then finishes its move), or disconnected.
        """
        ...


class Instrument(Protocol):
    """What every instrument does: report, abort, read out."""

    @property
    def info(self) -> CameraInfo | ReceiverInfo:
        """The instrument's description (field of view or beam)."""
        ...

    def status(self) -> InstrumentStatus:
        """Measure the instrument."""
        ...

    def abort(self) -> None:
        """Cut the current exposure or integration short; what was taken is still read out."""
        ...

    def readout(self) -> Asset:
        """Fetch the data of a READY instrument, which becomes IDLE.

        Raises:
            HardwareError: nothing is ready.
        """
        ...


@runtime_checkable
class Camera(Instrument, Protocol):
    """An optical camera with a filter wheel."""

    def set_filter(self, name: str) -> None:
        """Move the filter wheel.

        Raises:
            HardwareError: no such filter.
        """
        ...

    def expose(self, request: ExposureRequest) -> None:
        """Start an exposure; it reads out by itself, then the camera is READY."""
        ...


@runtime_checkable
class Receiver(Instrument, Protocol):
    """A radio receiver with a spectrometer."""

    def tune(self, frequency_ghz: float) -> None:
        """Tune to a frequency.

        Raises:
            HardwareError: the frequency is outside the band.
        """
        ...

    def integrate(self, request: IntegrationRequest) -> None:
        """Start an integration; the receiver is READY when it ends."""
        ...


class TelescopeDriver(Protocol):
    """One telescope: its site, mount, optional enclosure and focuser, instruments, telemetry."""

    @property
    def site(self) -> Site:
        """Where the telescope stands."""
        ...

    @property
    def mount(self) -> Mount:
        """The mount."""
        ...

    @property
    def enclosure(self) -> Enclosure | None:
        """The enclosure, or None (a radio dish)."""
        ...

    @property
    def focuser(self) -> Focuser | None:
        """The focuser, or None (a radio dish, or a camera focused by hand)."""
        ...

    @property
    def instruments(self) -> Mapping[str, Camera | Receiver]:
        """The instruments by name."""
        ...

    def telemetry(self) -> Telemetry:
        """Measure everything at once (what the component manager polls)."""
        ...


@runtime_checkable
class Connected(Protocol):
    """A driver holding a connection (a thread, a socket) that must be let go of when done."""

    def close(self) -> None:
        """Disconnect and stop the driver's background work; idempotent."""
        ...
