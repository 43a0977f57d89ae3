"""The simulated telescope: one :class:`~astrotango.hardware.TelescopeDriver` with faults."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from astrotango.clock.clocks import Clock
from astrotango.hardware import (
    CameraInfo,
    EnclosureState,
    EnclosureStatus,
    HardwareError,
    MountStatus,
    ReceiverInfo,
    Site,
    Telemetry,
    radec_to_altaz,
    sun_radec,
)
from astrotango.hardware.fits import telescope_header
from astrotango.simulation.telescope.config import SimulatorConfig
from astrotango.simulation.telescope.enclosure import SimulatedEnclosure
from astrotango.simulation.telescope.faults import Fault, FaultBoard
from astrotango.simulation.telescope.focuser import SimulatedFocuser
from astrotango.simulation.telescope.instruments import (
    FocusReading,
    SimulatedCamera,
    SimulatedInstrument,
)
from astrotango.simulation.telescope.mount import SimulatedMount
from astrotango.simulation.telescope.receiver import SimulatedReceiver

__all__ = ["TelescopeSimulator"]

_NO_ENCLOSURE = EnclosureStatus(EnclosureState.NONE, 1.0)


class TelescopeSimulator:
    """A whole telescope in simulation, on the injected clock.

    Args:
        telescope_id: Goes into every asset (``TELESCOP``) and asset id.
        site: Where it stands.
        instruments: Its cameras and receivers.
        clock: The simulation clock.
        config: Motion, timing and limit parameters; defaults when left out.
        data_dir: Where each data product is written as a (synthetic) FITS file; None
            writes none.
    """

    def __init__(
        self,
        telescope_id: str,
        site: Site,
        instruments: tuple[CameraInfo | ReceiverInfo, ...],
        clock: Clock,
        config: SimulatorConfig | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.config = config or SimulatorConfig()
        self._clock = clock
        self._site = site
        self._faults = FaultBoard(clock, self.config.call_timeout_s)
        self._mount = SimulatedMount(clock, site, self.config, self._faults)
        self._enclosure = (
            SimulatedEnclosure(
                clock, self.config.enclosure_travel_s, self.config.stall_detect_s, self._faults
            )
            if self.config.has_enclosure
            else None
        )
        focuser = self.config.focuser
        self._focuser = SimulatedFocuser(clock, focuser, self._faults) if focuser else None
        header = telescope_header(telescope_id, site)
        self._instruments: dict[str, SimulatedCamera | SimulatedReceiver] = {}
        for info in instruments:
            if isinstance(info, CameraInfo):
                self._instruments[info.name] = SimulatedCamera(
                    info,
                    clock,
                    self._faults,
                    self._pointing,
                    header,
                    readout_s=self.config.readout_s,
                    filter_change_s=self.config.filter_change_s,
                    data_dir=data_dir,
                    focus=self._focus if self._focuser else None,
                )
            else:
                self._instruments[info.name] = SimulatedReceiver(
                    info, clock, self._faults, self._pointing, header, data_dir
                )

    # -- the driver Protocol --------------------------------------------------------------

    @property
    def site(self) -> Site:
        """Where the telescope stands."""
        return self._site

    @property
    def mount(self) -> SimulatedMount:
        """The mount."""
        return self._mount

    @property
    def enclosure(self) -> SimulatedEnclosure | None:
        """The enclosure, or None without one (``has_enclosure`` false)."""
        return self._enclosure

    @property
    def focuser(self) -> SimulatedFocuser | None:
        """The focuser, or None without one (``focuser`` not configured)."""
        return self._focuser

    @property
    def instruments(self) -> Mapping[str, SimulatedCamera | SimulatedReceiver]:
        """The instruments by name."""
        return self._instruments

    def telemetry(self) -> Telemetry:
        """Measure everything now.

        Raises:
            HardwareTimeout: the simulator hangs.
        """
        self._faults.gate("telescope")
        now = self._clock.now()
        sun_alt, _ = radec_to_altaz(*sun_radec(now), now, self._site)
        mount = self._mount.position()
        enclosure = self._enclosure.state() if self._enclosure else _NO_ENCLOSURE
        instruments = tuple(i.status() for i in self._instruments.values())
        focuser = self._focuser.status() if self._focuser else None
        parts: list[SimulatedMount | SimulatedEnclosure | SimulatedFocuser | SimulatedInstrument]
        parts = [self._mount]
        parts += [self._enclosure] if self._enclosure else []
        parts += [self._focuser] if self._focuser else []
        parts += self._instruments.values()
        changes = [at for at in (part.next_change() for part in parts) if at is not None]
        change = min(changes, default=None)
        return Telemetry(now, mount, enclosure, instruments, sun_alt, change, focuser)

    # -- fault injection (not part of the Protocol) ---------------------------------------

    @property
    def faults(self) -> frozenset[Fault]:
        """The active faults."""
        return self._faults.faults

    def inject(self, fault: Fault, active: bool = True) -> None:
        """Activate (or clear, ``active=False``) a fault; never blocks, even when hung."""
        self._faults.set(fault, active)
        if fault is Fault.MOUNT_FAULT:
            self._mount.set_fault(
                "mount fault: servo amplifier error (injected)" if active else None
            )
        elif fault is Fault.ENCLOSURE_STUCK and self._enclosure is not None:
            self._enclosure.set_stuck(active)

    def _pointing(self) -> MountStatus | None:
        try:
            return self._mount.position()
        except HardwareError:
            return None

    def _focus(self) -> FocusReading | None:
        """Where the focuser stands and the FWHM (arcsec) it gives; None when it hangs."""
        assert self._focuser is not None
        try:
            status = self._focuser.status()
        except HardwareError:
            return None
        return status, self._focuser.fwhm_arcsec(status.position_steps)
