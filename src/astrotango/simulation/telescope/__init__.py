"""The simulated telescope: mount, enclosure, focuser, camera and receiver on the injected clock.

It implements :class:`astrotango.hardware.TelescopeDriver` with realistic timing (per-axis
rates and acceleration, settling, enclosure and focuser travel, readout), a focus curve the
images follow, and fault injection.
"""

from __future__ import annotations

from astrotango.simulation.telescope.config import FocuserConfig, SimulatorConfig
from astrotango.simulation.telescope.enclosure import SimulatedEnclosure
from astrotango.simulation.telescope.faults import Fault, FaultBoard
from astrotango.simulation.telescope.focuser import SimulatedFocuser
from astrotango.simulation.telescope.instruments import SimulatedCamera
from astrotango.simulation.telescope.motion import AxisMove
from astrotango.simulation.telescope.mount import SimulatedMount
from astrotango.simulation.telescope.receiver import SimulatedReceiver
from astrotango.simulation.telescope.simulator import TelescopeSimulator

__all__ = [
    "AxisMove",
    "Fault",
    "FaultBoard",
    "FocuserConfig",
    "SimulatedCamera",
    "SimulatedEnclosure",
    "SimulatedFocuser",
    "SimulatedMount",
    "SimulatedReceiver",
    "SimulatorConfig",
    "TelescopeSimulator",
]
