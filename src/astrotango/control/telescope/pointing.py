"""Where a task's target is: domain targets to driver pointings, at a given time."""

from __future__ import annotations

from datetime import datetime

from astrotango.domain import (
    AltAzTarget,
    GalacticTarget,
    IcrsTarget,
    SolarSystemTarget,
    Target,
)
from astrotango.domain.expansion import icrs_center
from astrotango.hardware import EquatorialPointing, HorizontalPointing, Pointing, Site

__all__ = ["resolve_pointing"]


def resolve_pointing(target: Target, when: datetime, site: Site) -> Pointing:
    """The pointing for ``target`` at ``when``.

    ICRS and galactic targets become equatorial (tracked) pointings, a solar-system body its
    topocentric position at ``when`` (tracked sidereally from there: good for the length of
    one task, except the moon over long tasks), an alt-az target a fixed pointing.
    """
    if isinstance(target, AltAzTarget):
        return HorizontalPointing(target.alt_deg, target.az_deg, target.label)
    if isinstance(target, IcrsTarget | GalacticTarget):
        centre = icrs_center(target)
        return EquatorialPointing(centre.ra_deg, centre.dec_deg, target.label)
    return _body(target, when, site)


def _body(target: SolarSystemTarget, when: datetime, site: Site) -> EquatorialPointing:
    import astrotango.astro  # noqa: F401, I001  (configures astropy offline before use)
    from astropy import units
    from astropy.coordinates import EarthLocation, get_body
    from astropy.time import Time

    location = EarthLocation(
        lat=site.latitude_deg * units.deg,
        lon=site.longitude_deg * units.deg,
        height=site.elevation_m * units.m,
    )
    # GCRS axes are ICRS-aligned; observed from the site, so the moon's parallax is included.
    body = get_body(target.body.value, Time(when), location)
    return EquatorialPointing(float(body.ra.deg) % 360.0, float(body.dec.deg), target.label)
