"""Entry point of every astrotango device server.

Run as ``python -m astrotango.devices.servers NAME INSTANCE``, or as the console script named
after the server (``AstroReference INSTANCE``, …), which is what Tango's Starter executes: it
starts a server by running the program named exactly after it from its ``StartDsPath``. The
server name in ``tango-db/`` selects the device classes the process serves.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tango.server import run

from astrotango.devices.base import SERVING
from astrotango.devices.constraint import OperationalConstraint
from astrotango.devices.controller import ObservationController
from astrotango.devices.host_telemetry import HostTelemetry
from astrotango.devices.interlock import ShutdownInterlock
from astrotango.devices.reference import LrcReference
from astrotango.devices.scheduler import Scheduler
from astrotango.devices.telescope import Telescope
from astrotango.devices.weather import WeatherStation

__all__ = [
    "SERVERS",
    "astro_constraints",
    "astro_controller",
    "astro_interlocks",
    "astro_reference",
    "astro_scheduler",
    "astro_sensors",
    "astro_telescope",
    "main",
]

#: Tango server name -> the device classes it serves.
SERVERS: dict[str, tuple[type, ...]] = {
    "AstroReference": (LrcReference,),
    "AstroTelescope": (Telescope,),
    "AstroScheduler": (Scheduler,),
    "AstroController": (ObservationController,),
    "AstroSensors": (WeatherStation, HostTelemetry),
    "AstroConstraints": (OperationalConstraint,),
    "AstroInterlocks": (ShutdownInterlock,),
}


def main(argv: list[str] | None = None) -> None:
    """Run the server named by the first argument; the rest are Tango's own arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in SERVERS:
        sys.exit(f"usage: python -m astrotango.devices.servers {{{','.join(SERVERS)}}} INSTANCE")
    run(SERVERS[args[0]], args=args, post_init_callback=SERVING.set)


def _entry_point(name: str) -> Callable[[], None]:
    """The console script ``name INSTANCE``: server ``name`` with this process's arguments."""

    def serve() -> None:
        main([name, *sys.argv[1:]])

    serve.__doc__ = f"``{name} INSTANCE``: serve {', '.join(c.__name__ for c in SERVERS[name])}."
    return serve


# One console script per server ([project.scripts] in pyproject.toml), named after it.
astro_reference = _entry_point("AstroReference")
astro_telescope = _entry_point("AstroTelescope")
astro_scheduler = _entry_point("AstroScheduler")
astro_controller = _entry_point("AstroController")
astro_sensors = _entry_point("AstroSensors")
astro_constraints = _entry_point("AstroConstraints")
astro_interlocks = _entry_point("AstroInterlocks")


if __name__ == "__main__":
    main()
