"""Pure translations between INDI standard properties and the driver Protocol's values.

No I/O: each function takes :class:`~astrotango.hardware.indi.properties.Prop` copies and
returns our states, so every rule is unit-tested without a server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from astrotango.hardware.errors import HardwareError
from astrotango.hardware.indi.properties import Prop
from astrotango.hardware.types import EnclosureState, EnclosureStatus, MountState

__all__ = [
    "FRAME_TYPES",
    "WEATHER_PARAMETERS",
    "enclosure_status",
    "filter_slot",
    "frame_type",
    "mount_state",
    "weather_values",
]

#: FITS IMAGETYP (lower case) to the ``CCD_FRAME_TYPE`` switch.
FRAME_TYPES: dict[str, str] = {
    "object": "FRAME_LIGHT",
    "light": "FRAME_LIGHT",
    "bias": "FRAME_BIAS",
    "zero": "FRAME_BIAS",
    "dark": "FRAME_DARK",
    "flat": "FRAME_FLAT",
}

#: ``WEATHER_PARAMETERS`` member to (our sensor name, factor to our unit). INDI weather
#: drivers report wind in km/h, rain in mm/h, humidity and cloud cover in %, temperatures in °C.
WEATHER_PARAMETERS: dict[str, tuple[str, float]] = {
    "WEATHER_WIND_SPEED": ("wind_speed", 1.0 / 3.6),
    "WEATHER_WIND_GUST": ("wind_gust", 1.0 / 3.6),
    "WEATHER_HUMIDITY": ("humidity", 1.0),
    "WEATHER_RAIN_HOUR": ("rain", 1.0),
    "WEATHER_CLOUD_COVER": ("cloud_cover", 1.0),
    "WEATHER_SKY_TEMPERATURE": ("sky_temperature", 1.0),
}


def mount_state(park: Prop | None, coord: Prop, track: Prop | None) -> tuple[MountState, str]:
    """The mount's state, and why when it is FAULT, from three standard properties.

    The properties are ``TELESCOPE_PARK``, ``EQUATORIAL_EOD_COORD``, ``TELESCOPE_TRACK_STATE``.

    Alert on parking or pointing is FAULT; a busy park is PARKING or UNPARKING (by the switch
    that is On); a parked mount is PARKED; busy coordinates are SLEWING; otherwise TRACKING or
    IDLE by the track switch.
    """
    for prop in (park, coord):
        if prop is not None and prop.alert:
            return MountState.FAULT, prop.reason()
    if park is not None and park.busy:
        return (MountState.PARKING if park.on("PARK") else MountState.UNPARKING), ""
    if park is not None and park.on("PARK"):
        return MountState.PARKED, ""
    if coord.busy:
        return MountState.SLEWING, ""
    if track is not None and track.on("TRACK_ON") and not track.alert:
        return MountState.TRACKING, ""
    return MountState.IDLE, ""


def enclosure_status(shutter: Prop, park: Prop | None, opening: bool) -> EnclosureStatus:
    """The enclosure from ``DOME_SHUTTER`` and ``DOME_PARK``.

    Args:
        shutter: The shutter switch (``SHUTTER_OPEN`` / ``SHUTTER_CLOSE``).
        park: The dome's park switch, if it has one.
        opening: The driver was asked to open and waits for the dome to unpark first.
    """
    for prop in (shutter, park):
        if prop is not None and prop.alert:
            return EnclosureStatus(EnclosureState.FAULT, 0.0, prop.reason())
    is_open = shutter.on("SHUTTER_OPEN")
    if shutter.busy:
        if is_open:
            return EnclosureStatus(EnclosureState.OPENING, 0.5)
        return EnclosureStatus(EnclosureState.CLOSING, 0.5)
    if opening and not is_open:
        return EnclosureStatus(EnclosureState.OPENING, 0.0)
    if is_open:
        return EnclosureStatus(EnclosureState.OPEN, 1.0)
    return EnclosureStatus(EnclosureState.CLOSED, 0.0)


def frame_type(image_type: str) -> str:
    """The ``CCD_FRAME_TYPE`` member for a FITS IMAGETYP.

    Raises:
        HardwareError: an image type the camera cannot take.
    """
    try:
        return FRAME_TYPES[image_type.strip().lower()]
    except KeyError:
        raise HardwareError(
            f"camera: no frame type for image type {image_type!r}; knows {sorted(FRAME_TYPES)}"
        ) from None


def filter_slot(name: str, filters: Sequence[str], slots: Mapping[str, int]) -> int:
    """The wheel slot (1-based) of filter ``name``.

    ``slots[name]`` when given, else the filter's position in ``filters`` plus one.

    Raises:
        HardwareError: the camera has no such filter.
    """
    if name not in filters:
        raise HardwareError(f"camera: no filter {name!r}; has {list(filters)}")
    return slots.get(name, filters.index(name) + 1)


def weather_values(parameters: Prop) -> dict[str, float]:
    """Our sensor readings (m/s, %, mm/h, °C) from ``WEATHER_PARAMETERS``.

    Sensors the station does not report are left out.
    """
    values: dict[str, float] = {}
    for member, (sensor, factor) in WEATHER_PARAMETERS.items():
        if member in parameters.values:
            values[sensor] = parameters.number(member) * factor
    return values
