"""The default observatory on real device protocols: the ``tango-db/indi`` and ``tango-db/alpaca``.

A variant is the default configuration (``tango-db/*.json``) with every optical telescope on the
driver and the weather station reading the driver's station; everything else (controller,
scheduler, constraints, interlocks) is unchanged. The first optical telescope and the weather
station talk to the driver's default server (``$ASTROTANGO_INDI_SERVER`` or
``$ASTROTANGO_ALPACA_SERVER``, else the standard local address, INDI 127.0.0.1:7624, Alpaca
127.0.0.1:11111); optical telescope *n* to the standard port + *n* on loopback (one simulator
set per telescope). A telescope whose simulator has a focuser gets the driver's focuser too
(INDI ``Focuser Simulator``, Alpaca focuser 0). Edit ``DriverParameters`` for a site's own
servers. On INDI the radio telescopes follow, on the ports after the optical ones, without a
dome or a filter wheel (their receiver is the server's ``Receiver Simulator``); Alpaca has no
receiver, so there they stay on the simulator.

The variants are generated (``python -m astrotango.launcher.variants``) and a test checks the
committed files against a fresh generation, so they never drift from the default.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from astrotango.hardware import Site
from astrotango.launcher.config import config_files, devices_of

__all__ = ["DRIVERS", "FOCUSERS", "hardware_variant", "write_variant"]

#: Driver -> (host, first port).
DRIVERS: dict[str, tuple[str, int]] = {"indi": ("127.0.0.1", 7624), "alpaca": ("127.0.0.1", 11111)}
_DROPPED = ("SimulatorParameters", "ClockScale", "SimulationStart")
_LIMITS = ("min_altitude_deg", "min_sun_separation_deg")
#: Driver -> the focuser its simulators serve (the INDI device name, the Alpaca device number).
FOCUSERS: dict[str, str | int] = {"indi": "Focuser Simulator", "alpaca": 0}
#: The drivers that drive a radio receiver, and what a dish has not (no dome, no wheel).
_RECEIVERS: dict[str, dict[str, Any]] = {"indi": {"dome": None, "wheel": None}}


def hardware_variant(
    base: Path,
    driver: str,
    site: Site | None = None,
    *,
    weather: bool = True,
    first_port: int | None = None,
) -> dict[str, Any]:
    """File name -> dsconfig document of ``base`` with its optical telescopes on ``driver``.

    Args:
        base: The default configuration folder.
        driver: ``indi`` or ``alpaca``.
        site: Put every telescope, constraint and the scheduler's telescopes there instead
            (a session on simulators, which have no sky, is moved to where it is night now).
        weather: Read the weather station from the driver (else it stays simulated).
        first_port: The first telescope's server port, instead of the standard one (the
            second telescope's is the next).

    Raises:
        ValueError: an unknown driver.
    """
    if driver not in DRIVERS:
        raise ValueError(f"driver: expected one of {', '.join(DRIVERS)}, got {driver!r}")
    host, port = DRIVERS[driver]
    port = first_port or port
    documents = {path.name: json.loads(path.read_text()) for path in config_files(base)}
    every = list(documents.values())
    if site is not None:
        sited = [*devices_of(every, "Telescope").values()]
        sited += devices_of(every, "OperationalConstraint").values()
        for props in sited:
            props["SiteName"] = [site.name]
            props["SiteLatitude"] = [repr(site.latitude_deg)]
            props["SiteLongitude"] = [repr(site.longitude_deg)]
            props["SiteElevation"] = [repr(site.elevation_m)]
        for props in devices_of(every, "Scheduler").values():
            entries = json.loads("".join(props.get("Telescopes", ["[]"])))
            for entry in entries:
                entry.update(site=site.name, lat_deg=site.latitude_deg)
                entry.update(lon_deg=site.longitude_deg, elevation_m=site.elevation_m)
            props["Telescopes"] = [json.dumps(entries)]
    telescopes = devices_of(every, "Telescope").values()
    optical = [p for p in telescopes if _is_of(p, "optical_camera")]
    radio = [p for p in telescopes if _is_of(p, "radio_receiver")] if driver in _RECEIVERS else []
    for n, props in enumerate(optical):
        _to_driver(props, driver, f"{host}:{port + n}" if n else None)
    for n, props in enumerate(radio, start=len(optical)):
        _to_driver(props, driver, f"{host}:{port + n}", _RECEIVERS[driver])
    for props in devices_of(every, "WeatherStation").values() if weather else ():
        props["Source"] = [driver]
        props["SourceParameters"] = ["{}"]
    return documents


def write_variant(
    base: Path, driver: str, out: Path, site: Site | None = None, **options: Any
) -> list[Path]:
    """Write :func:`hardware_variant` (with its keyword ``options``) into ``out``; the files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in hardware_variant(base, driver, site, **options).items():
        path = out / name
        path.write_text(json.dumps(document, indent=2) + "\n")
        written.append(path)
    return written


def _is_of(props: dict[str, Any], kind: str) -> bool:
    instruments = json.loads("".join(props.get("Instruments", ["[]"])))
    return bool(instruments) and all(i.get("kind") == kind for i in instruments)


def _to_driver(
    props: dict[str, Any], driver: str, server: str | None, fixed: dict[str, Any] | None = None
) -> None:
    """On ``driver`` at ``server`` (None: the driver's default), with the simulator's limits.

    A simulated focuser becomes the driver's (:data:`FOCUSERS`); ``fixed`` are further
    parameters (a dish's: no dome, no wheel).
    """
    simulated = json.loads("".join(props.get("SimulatorParameters", ["{}"])))
    parameters: dict[str, Any] = {"server": server} if server else {}
    parameters.update(fixed or {})
    parameters.update({k: simulated[k] for k in _LIMITS if k in simulated})
    if simulated.get("focuser"):
        parameters["focuser"] = FOCUSERS[driver]
    for key in _DROPPED:
        props.pop(key, None)
    props["Driver"] = [driver]
    props["DriverParameters"] = [json.dumps(parameters)]


def main(argv: list[str]) -> int:
    """``python -m astrotango.launcher.variants [BASE]``: regenerate ``BASE/indi``, ``/alpaca``."""
    base = Path(argv[0]) if argv else Path("tango-db")
    for driver in DRIVERS:
        for path in write_variant(base, driver, base / driver):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
