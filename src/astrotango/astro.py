"""The one place astropy is configured: offline, always.

Importing this module sets astropy so that it never downloads anything: IERS tables come from
the ``astropy-iers-data`` package, and solar-system positions from the ``builtin`` ephemeris.
Every module that computes ephemerides imports it first.
"""

from __future__ import annotations

from astropy.coordinates import solar_system_ephemeris
from astropy.utils import iers

__all__ = ["configure_astropy"]


def configure_astropy() -> None:
    """Make astropy work offline; idempotent."""
    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    iers.conf.iers_degraded_accuracy = "warn"
    solar_system_ephemeris.set("builtin")


configure_astropy()
