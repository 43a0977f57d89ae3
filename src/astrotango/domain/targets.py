"""Targets: where a request points.

Four kinds, told apart by ``kind`` (inferred from the fields when omitted, so the contract's
``{"name", "ra_deg", "dec_deg"}`` is a sidereal ICRS target):

============  ==================  ===================  ===============
kind          fields              target position type coordinate type
============  ==================  ===================  ===============
icrs          ra_deg, dec_deg     sidereal             icrs
galactic      l_deg, b_deg        sidereal             galactic
solar_system  body                solar_system         ephemeris
altaz         alt_deg, az_deg     fixed                altaz
============  ==================  ===================  ===============

Policies allow or refuse targets by these two types and by the optional ``object_type``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from astrotango.domain.base import DocumentModel

__all__ = [
    "AltAzTarget",
    "CatalogObjectType",
    "CoordinateType",
    "GalacticTarget",
    "IcrsTarget",
    "SolarSystemBody",
    "SolarSystemTarget",
    "Target",
    "TargetPositionType",
]


class TargetPositionType(StrEnum):
    """How a target moves on the sky."""

    SIDEREAL = "sidereal"
    SOLAR_SYSTEM = "solar_system"
    FIXED = "fixed"


class CoordinateType(StrEnum):
    """The frame a target's position is given in."""

    ICRS = "icrs"
    GALACTIC = "galactic"
    ALTAZ = "altaz"
    EPHEMERIS = "ephemeris"


class CatalogObjectType(StrEnum):
    """What the target is, for policies that restrict it."""

    STAR = "star"
    DOUBLE_STAR = "double_star"
    VARIABLE_STAR = "variable_star"
    CLUSTER = "cluster"
    NEBULA = "nebula"
    GALAXY = "galaxy"
    QUASAR = "quasar"
    PULSAR = "pulsar"
    SUPERNOVA = "supernova"
    SUPERNOVA_REMNANT = "supernova_remnant"
    HII_REGION = "hii_region"
    PLANET = "planet"
    MOON = "moon"
    SUN = "sun"
    COMET = "comet"
    ASTEROID = "asteroid"
    SATELLITE = "satellite"
    CALIBRATOR = "calibrator"
    OTHER = "other"


class SolarSystemBody(StrEnum):
    """Bodies astropy's offline ``builtin`` ephemeris can place."""

    SUN = "sun"
    MOON = "moon"
    MERCURY = "mercury"
    VENUS = "venus"
    MARS = "mars"
    JUPITER = "jupiter"
    SATURN = "saturn"
    URANUS = "uranus"
    NEPTUNE = "neptune"


_Name = Annotated[str, Field(min_length=1, max_length=200)]


class _TargetBase(DocumentModel):
    object_type: CatalogObjectType | None = None

    @property
    def label(self) -> str:
        """A human name for logs and task targets."""
        name: str | None = getattr(self, "name", None)
        return name or "target"


class IcrsTarget(_TargetBase):
    """A sidereal target in ICRS (J2000) right ascension and declination."""

    kind: Literal["icrs"] = "icrs"
    name: _Name
    ra_deg: float = Field(ge=0.0, lt=360.0, description="Right ascension, degrees.")
    dec_deg: float = Field(ge=-90.0, le=90.0, description="Declination, degrees.")

    @property
    def position_type(self) -> TargetPositionType:
        """Fixed on the sky: sidereal."""
        return TargetPositionType.SIDEREAL

    @property
    def coordinate_type(self) -> CoordinateType:
        """The frame: ICRS."""
        return CoordinateType.ICRS


class GalacticTarget(_TargetBase):
    """A sidereal target in galactic longitude and latitude."""

    kind: Literal["galactic"] = "galactic"
    name: _Name
    l_deg: float = Field(ge=0.0, lt=360.0, description="Galactic longitude, degrees.")
    b_deg: float = Field(ge=-90.0, le=90.0, description="Galactic latitude, degrees.")

    @property
    def position_type(self) -> TargetPositionType:
        """Galactic positions are fixed on the sky: sidereal."""
        return TargetPositionType.SIDEREAL

    @property
    def coordinate_type(self) -> CoordinateType:
        """The frame: galactic."""
        return CoordinateType.GALACTIC


class SolarSystemTarget(_TargetBase):
    """A named solar-system body, placed by the ephemeris at observing time."""

    kind: Literal["solar_system"] = "solar_system"
    body: SolarSystemBody
    name: _Name | None = None

    @property
    def label(self) -> str:
        """The given name, or the body's."""
        return self.name or self.body.value

    @property
    def position_type(self) -> TargetPositionType:
        """Moves against the stars: solar_system."""
        return TargetPositionType.SOLAR_SYSTEM

    @property
    def coordinate_type(self) -> CoordinateType:
        """Position comes from an ephemeris."""
        return CoordinateType.EPHEMERIS


class AltAzTarget(_TargetBase):
    """A fixed horizontal position (a flat-field screen, a test point, a zenith stare)."""

    kind: Literal["altaz"] = "altaz"
    name: _Name
    alt_deg: float = Field(ge=0.0, le=90.0, description="Altitude above the horizon, degrees.")
    az_deg: float = Field(ge=0.0, lt=360.0, description="Azimuth, east of north, degrees.")

    @property
    def position_type(self) -> TargetPositionType:
        """Fixed to the horizon."""
        return TargetPositionType.FIXED

    @property
    def coordinate_type(self) -> CoordinateType:
        """The frame: horizontal."""
        return CoordinateType.ALTAZ


_INFERRED_KIND = (("ra_deg", "icrs"), ("l_deg", "galactic"), ("body", "solar_system"))


def _target_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("kind")
        if kind is not None:
            return kind if isinstance(kind, str) else None
        for key, inferred in (*_INFERRED_KIND, ("alt_deg", "altaz")):
            if key in value:
                return inferred
        return None
    return getattr(value, "kind", None)


#: Any target; ``kind`` is inferred from the fields when omitted.
Target = Annotated[
    Annotated[IcrsTarget, Tag("icrs")]
    | Annotated[GalacticTarget, Tag("galactic")]
    | Annotated[SolarSystemTarget, Tag("solar_system")]
    | Annotated[AltAzTarget, Tag("altaz")],
    Discriminator(
        _target_kind,
        custom_error_type="target_kind",
        custom_error_message=(
            "unknown target kind; give kind icrs|galactic|solar_system|altaz, or the fields "
            "ra_deg/dec_deg, l_deg/b_deg, body or alt_deg/az_deg"
        ),
    ),
]
