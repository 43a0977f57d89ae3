"""The simulated telescope: mount, enclosure, camera and receiver on the injected clock.

It implements :class:`astrotango.hardware.TelescopeDriver` with realistic timing (per-axis
rates and acceleration, settling, enclosure travel, readout) and fault injection.
"""

from __future__ import annotations

from astrotango.simulation.telescope.config import SimulatorConfig
from astrotango.simulation.telescope.enclosure import SimulatedEnclosure
from astrotango.simulation.telescope.faults import Fault, FaultBoard
from astrotango.simulation.telescope.instruments import SimulatedCamera
from astrotango.simulation.telescope.motion import AxisMove
from astrotango.simulation.telescope.mount import SimulatedMount
from astrotango.simulation.telescope.receiver import SimulatedReceiver
from astrotango.simulation.telescope.simulator import TelescopeSimulator

__all__ = [
    "AxisMove",
    "Fault",
    "FaultBoard",
    "SimulatedCamera",
    "SimulatedEnclosure",
    "SimulatedMount",
    "SimulatedReceiver",
    "SimulatorConfig",
    "TelescopeSimulator",
]
