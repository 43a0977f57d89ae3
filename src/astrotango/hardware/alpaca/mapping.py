"""ASCOM states to ours, as tables: shutter, camera, mount; and filter names to wheel slots.

Pure functions over what the devices reported and what the driver commanded, so every
mapping is unit-tested without a server.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from astrotango.hardware.errors import HardwareError
from astrotango.hardware.types import EnclosureState, InstrumentState, MountState

__all__ = [
    "CAMERA_STATES",
    "SHUTTER_STATES",
    "Phase",
    "camera_state",
    "mount_state",
    "open_fraction",
    "shutter_state",
    "wheel_position",
]

#: ASCOM ShutterState: 0 open, 1 closed, 2 opening, 3 closing, 4 error.
SHUTTER_STATES: Mapping[int, EnclosureState] = {
    0: EnclosureState.OPEN,
    1: EnclosureState.CLOSED,
    2: EnclosureState.OPENING,
    3: EnclosureState.CLOSING,
    4: EnclosureState.FAULT,
}

#: ASCOM CameraStates: 0 idle, 1 waiting, 2 exposing, 3 reading, 4 download, 5 error.
CAMERA_STATES: Mapping[int, InstrumentState] = {
    0: InstrumentState.IDLE,
    1: InstrumentState.EXPOSING,  # waiting to start: the exposure is under way for us
    2: InstrumentState.EXPOSING,
    3: InstrumentState.READING,
    4: InstrumentState.READING,
    5: InstrumentState.FAULT,
}

_FRACTIONS = {EnclosureState.OPEN: 1.0, EnclosureState.CLOSED: 0.0}


def shutter_state(status: int) -> EnclosureState:
    """Our enclosure state for an ASCOM ShutterStatus (an unknown value is a FAULT)."""
    return SHUTTER_STATES.get(status, EnclosureState.FAULT)


def open_fraction(state: EnclosureState) -> float:
    """How open the enclosure is: 1 open, 0 closed, 0.5 moving or unknown (no ASCOM fraction)."""
    return _FRACTIONS.get(state, 0.5)


def camera_state(status: int, image_ready: bool, *, expecting: bool) -> InstrumentState:
    """Our instrument state for an ASCOM CameraState and ImageReady.

    Args:
        status: The camera's CameraState.
        image_ready: The camera's ImageReady.
        expecting: We started an exposure not yet read out. Without one the camera is IDLE
            (an image someone else took is not ours) unless it reports an error; with one, a
            camera gone idle without an image is still READING (the caller times it out).
    """
    state = CAMERA_STATES.get(status, InstrumentState.FAULT)
    if state is InstrumentState.FAULT:
        return state
    if not expecting:
        return InstrumentState.IDLE
    if state is not InstrumentState.IDLE:
        return state  # an ImageReady left from an earlier image does not count while busy
    return InstrumentState.READY if image_ready else InstrumentState.READING


class Phase(enum.Enum):
    """What the driver commanded and has not yet seen the mount finish."""

    NONE = "none"
    UNPARKING = "unparking"
    SLEWING = "slewing"
    SETTLING = "settling"
    PARKING = "parking"


def mount_state(*, at_park: bool, slewing: bool, tracking: bool, phase: Phase) -> MountState:
    """Our mount state from the mount's AtPark, Slewing and Tracking and the commanded phase.

    ASCOM has no unparking, parking (beyond Slewing) or settling states, so the phase the
    driver is in supplies them until the mount shows the motion finished.
    """
    if phase is Phase.PARKING:
        return MountState.PARKED if at_park else MountState.PARKING
    if phase is Phase.UNPARKING:
        return MountState.UNPARKING
    if at_park:
        return MountState.PARKED
    if slewing or phase is Phase.SLEWING:
        return MountState.SLEWING
    if phase is Phase.SETTLING:
        return MountState.SETTLING
    return MountState.TRACKING if tracking else MountState.IDLE


def wheel_position(
    name: str,
    filters: Sequence[str],
    wheel_names: Sequence[str],
    filter_map: Mapping[str, int],
) -> int:
    """The wheel slot (0-based) of filter ``name``.

    The configured ``filter_map`` first; else the wheel's own Names, case-insensitively; else
    the filter's index in the camera's ``filters``.

    Raises:
        HardwareError: the camera has no such filter, or its slot is not on the wheel.
    """
    if name not in filters:
        raise HardwareError(f"no filter {name!r}; has {list(filters)}")
    if name in filter_map:
        slot = filter_map[name]
    else:
        lowered = [n.lower() for n in wheel_names]
        slot = lowered.index(name.lower()) if name.lower() in lowered else list(filters).index(name)
    if wheel_names and not 0 <= slot < len(wheel_names):
        raise HardwareError(
            f"filter {name!r} is in slot {slot}, but the wheel has {len(wheel_names)} slots"
        )
    return slot
