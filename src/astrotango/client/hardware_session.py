"""A short real-time session on real device protocols: ``make run-indi`` / ``make run-alpaca``.

It starts the protocol's simulators on loopback (on INDI one set per telescope, the dishes'
with a receiver; on Alpaca one per optical telescope), the default observatory on that driver
(``tango-db/<driver>``) in real time, submits one observation of two targets through the
controller, and follows it to the end: dome opened, mount slewed, frames
taken in the requested filters, FITS files written, then every telescope parked and closed.

The simulators have no sky, so the session puts the observatory at La Palma's latitude on the
meridian of the anti-sun (where it is night now), and picks targets high in that sky. The INDI
weather simulator reports no humidity or cloud cover, so the session keeps the simulated
weather; the telescopes and their data are the real protocol's. Two session settings differ
from a site's (:func:`session_constraints`): the weather gates settle in
:data:`SESSION_SETTLE_S` instead of 5 to 30 minutes, and the camera-temperature gates (which
follow the simulated host's camera, not the INDI or Alpaca camera) are inactive. On Alpaca the
frames are darks (:func:`shutter_closed`): the simulator's light frames need the network.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from astropy.coordinates import get_sun
from astropy.time import Time

from astrotango.hardware import Site
from astrotango.hardware.sky import local_sidereal_time_deg
from astrotango.launcher import System
from astrotango.launcher.config import devices_of
from astrotango.launcher.processes import Child
from astrotango.launcher.simulators import (
    INDI_RADIO_DRIVERS,
    free_port_run,
    start_alpaca,
    start_indi,
)
from astrotango.launcher.variants import write_variant

__all__ = [
    "SessionResult",
    "night_site_now",
    "run_session",
    "session_constraints",
    "session_observation",
    "shutter_closed",
]

#: How long a session's weather gates wait for a stable reading before they open, seconds.
SESSION_SETTLE_S = 5.0

#: The observation's window, minutes from submission. The scheduler may place the second
#: target anywhere in it (seen: at its end), so the session lasts up to this long.
SESSION_WINDOW_MIN = 8

#: A final observation status.
FINAL = frozenset({"completed", "failed", "aborted", "expired", "cancelled"})
_SERVER_ENV = {"indi": "ASTROTANGO_INDI_SERVER", "alpaca": "ASTROTANGO_ALPACA_SERVER"}


@dataclass
class SessionResult:
    """How the session's observation ended, and what each telescope was left as."""

    observation_id: str
    status: str
    tasks: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    telescopes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Completed, with a FITS file per frame, every telescope parked and closed."""
        safe = all(
            t["parked"] and t["enclosure"] in ("CLOSED", "NONE") for t in self.telescopes.values()
        )
        return self.status == "completed" and bool(self.files) and safe


def night_site_now(latitude_deg: float = 28.7606, now: datetime | None = None) -> Site:
    """A site at ``latitude_deg`` whose meridian faces the anti-sun now (local midnight)."""
    when = now or datetime.now(UTC)
    sun_ra = float(get_sun(Time(when)).ra.deg)
    longitude = (sun_ra + 180.0 - local_sidereal_time_deg(when, 0.0)) % 360.0
    return Site(
        "simulator sky, night now", latitude_deg, (longitude + 180.0) % 360.0 - 180.0, 2396.0
    )


def session_observation(site: Site, now: datetime) -> dict[str, Any]:
    """One observation of two targets high in ``site``'s sky now, 2 x 1 s in r and g each.

    Both targets have just crossed the meridian (hour angles 1 h and 20 min), so each sinks
    from now on and the airmass merit puts it at the window's start: the session ends in
    minutes, not at the window's end (a target still rising is best placed late).
    """
    lst = local_sidereal_time_deg(now, site.longitude_deg)
    targets = [
        {
            "name": "west of the meridian, south",
            "ra_deg": (lst - 15.0) % 360.0,
            "dec_deg": site.latitude_deg - 5.0,
        },
        {
            "name": "west of the meridian, north",
            "ra_deg": (lst - 5.0) % 360.0,
            "dec_deg": site.latitude_deg + 5.0,
        },
    ]
    return {
        "name": "hardware session: two targets",
        "owner": "hardware-session",
        "queue": "research",
        "priority": 1,
        "window": {
            "start": now.isoformat().replace("+00:00", "Z"),
            "end": (now + timedelta(minutes=SESSION_WINDOW_MIN)).isoformat().replace("+00:00", "Z"),
        },
        "requests": [
            {
                "type": "optical_imaging",
                "target": target,
                "exposures": [
                    {"filter": "r", "exposure_s": 1.0, "count": 2},
                    {"filter": "g", "exposure_s": 1.0, "count": 2},
                ],
            }
            for target in targets
        ],
    }


def run_session(
    driver: str,
    run_dir: Path,
    *,
    config: Path = Path("tango-db"),
    timeout_s: float = 600.0,
    say: Callable[[str], None] = print,
) -> SessionResult:
    """Run the session; every process it started is stopped when it returns or raises.

    Raises:
        SimulatorError: a simulator is missing or did not start.
        LaunchError: the observatory did not start.
        TimeoutError: the observation did not end within ``timeout_s``.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    simulators: list[Child] = []
    system: System | None = None
    try:
        sets = _simulator_sets(driver)
        port = free_port_run(len(sets))
        for n, start in enumerate(sets):
            simulators.append(start(port + n, run_dir / f"{driver}-{n + 1}"))
        say(f"{driver} simulators on 127.0.0.1:{port}..{port + len(sets) - 1}")
        site = night_site_now()
        variant = run_dir / "config"
        write_variant(config, driver, variant, site, weather=False, first_port=port)
        session_constraints(variant)
        if driver == "alpaca":
            shutter_closed(variant)
        server = {_SERVER_ENV[driver]: f"127.0.0.1:{port}"}
        system = System(variant, run_dir, env=server, startup_timeout_s=120.0)
        system.start()
        system.resume()
        say(
            f"observatory up (TANGO_HOST={system.tango_host}), "
            f"site longitude {site.longitude_deg:.2f}"
        )
        return _observe(system, site, timeout_s, say)
    finally:
        if system is not None:
            system.stop()
        for child in simulators:
            child.stop()


def _simulator_sets(driver: str) -> list[Callable[[int, Path], Child]]:
    """What to start, one per port in the variant's order: optical telescopes, then radio.

    INDI serves both optical telescopes and both dishes (mount and receiver); Alpaca has no
    receiver, so its dishes stay simulated and only the two optical sets run.
    """
    if driver == "alpaca":
        return [start_alpaca, start_alpaca]
    radio = partial(start_indi, drivers=INDI_RADIO_DRIVERS)
    return [start_indi, start_indi, radio, radio]


def session_constraints(config_dir: Path) -> None:
    """Shorten every constraint's settling and deactivate the camera-temperature gates."""
    for path in config_dir.glob("*.json"):
        documents = [json.loads(path.read_text())]
        constraints = devices_of(documents, "OperationalConstraint")
        for props in constraints.values():
            props["StabilityThreshold"] = [repr(SESSION_SETTLE_S)]
            if props.get("ConstraintType") == ["camera_temperature"]:
                props["IsActive"] = ["false"]
        if constraints:
            path.write_text(json.dumps(documents[0], indent=2) + "\n")


def shutter_closed(config_dir: Path) -> None:
    """Every Alpaca telescope takes its frames as darks (``shutter_closed``, IMAGETYP dark).

    alpaca-simulators' light frames query a network star catalogue and, offline, leave the
    camera in error until it restarts.
    """
    for path in config_dir.glob("*.json"):
        documents = [json.loads(path.read_text())]
        telescopes = devices_of(documents, "Telescope")
        changed = False
        for props in telescopes.values():
            if props.get("Driver") == ["alpaca"]:
                parameters = json.loads(props["DriverParameters"][0] or "{}")
                props["DriverParameters"] = [json.dumps({**parameters, "shutter_closed": True})]
                changed = True
        if changed:
            path.write_text(json.dumps(documents[0], indent=2) + "\n")


def _observe(
    system: System, site: Site, timeout_s: float, say: Callable[[str], None]
) -> SessionResult:
    import os

    from astrotango.client.observatory import Observatory

    os.environ["TANGO_HOST"] = system.tango_host
    observatory = Observatory(system.tango_host)
    document = session_observation(site, datetime.now(UTC))
    observation_id = observatory.submit(json.dumps(document))
    say(f"submitted {observation_id}: {document['name']}")
    deadline = time.monotonic() + timeout_s
    status, seen = "", ""
    while time.monotonic() < deadline:
        view = observatory.observation(observation_id)
        status = str(view.get("status", ""))
        line = f"{status}: " + ", ".join(
            f"{t['id'][-8:]} {t['status']}" for t in view.get("tasks", [])
        )
        if line != seen:
            say(line)
            seen = line
        if status in FINAL:
            break
        time.sleep(1.0)
    else:
        why = json.dumps(observatory.explain(observation_id))[:2000]
        raise TimeoutError(f"{observation_id} still {status} after {timeout_s:g} s: {why}")
    result = SessionResult(observation_id, status, list(view.get("tasks", [])))
    for name in observatory.devices_of_class("Telescope"):
        proxy = observatory.proxy(name)
        assets = json.loads(proxy.GetAssets(""))
        result.files += [a["path"] for a in assets if a.get("path")]
        if str(proxy.State()) != "DISABLE" and proxy.simulationMode == 0:
            _safe_shutdown(proxy, say, name)
        result.telescopes[name] = {
            "parked": bool(proxy.parked),
            "enclosure": _enclosure(proxy),
            "assets": len(assets),
        }
    return result


def _safe_shutdown(proxy: Any, say: Callable[[str], None], name: str) -> None:
    _, [command_id] = proxy.SafeShutdown()
    deadline = time.monotonic() + 120.0
    while time.monotonic() < deadline:
        if proxy.parked and _enclosure(proxy) in ("CLOSED", "NONE"):
            say(f"{name}: parked and closed")
            return
        time.sleep(0.5)
    say(f"{name}: SafeShutdown {command_id} not done after 120 s")


def _enclosure(proxy: Any) -> str:
    from astrotango.hardware import EnclosureState

    return EnclosureState(int(proxy.enclosureState)).name
