"""Entry point of every astrotango device server.

Run as ``python -m astrotango.devices.servers NAME INSTANCE``; the server name in
``tango-db/`` selects the device classes the process serves.
"""

from __future__ import annotations

import sys

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

__all__ = ["SERVERS", "main"]

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


if __name__ == "__main__":
    main()
