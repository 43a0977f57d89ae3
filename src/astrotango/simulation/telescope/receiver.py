"""The simulated radio receiver: tuning within its band, integrations producing spectra."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from astrotango.clock.clocks import Clock
from astrotango.hardware import HardwareError, IntegrationRequest, ReceiverInfo
from astrotango.hardware.types import HeaderValue
from astrotango.simulation.telescope.faults import FaultBoard
from astrotango.simulation.telescope.instruments import PointingSource, SimulatedInstrument

__all__ = ["SimulatedReceiver"]


class SimulatedReceiver(SimulatedInstrument):
    """A radio receiver implementing :class:`~astrotango.hardware.Receiver`.

    Args:
        info: The receiver's description.
        clock: The simulation clock.
        faults: The shared fault board.
        pointing: Where the telescope points (for the spectrum metadata).
        header: Metadata common to every spectrum.
        data_dir: Where spectra are written as FITS files (None: not written).
    """

    kind = "radio_spectrum"

    def __init__(
        self,
        info: ReceiverInfo,
        clock: Clock,
        faults: FaultBoard,
        pointing: PointingSource,
        header: dict[str, HeaderValue],
        data_dir: Path | None = None,
    ) -> None:
        super().__init__(info.name, clock, faults, pointing, header, data_dir)
        self.info = info
        self._frequency_ghz: float | None = None

    def tune(self, frequency_ghz: float) -> None:
        """Tune the receiver.

        Raises:
            HardwareError: the frequency is outside the band.
        """
        self._faults.gate(self._name)
        low, high = self.info.band_ghz
        if not low <= frequency_ghz <= high:
            raise HardwareError(
                f"{self._name}: {frequency_ghz:g} GHz is outside the band {low:g}-{high:g} GHz"
            )
        with self._lock:
            self._frequency_ghz = frequency_ghz

    def integrate(self, request: IntegrationRequest) -> None:
        """Start an integration at the tuned frequency.

        Raises:
            HardwareError: not tuned, or busy.
        """
        self._faults.gate(self._name)
        with self._lock:
            now = self._advance()
            if self._frequency_ghz is None:
                raise HardwareError(f"{self._name}: not tuned")
            self._begin(
                now,
                0.0,
                request.duration_s,
                request.task,
                {
                    "FREQ_GHZ": self._frequency_ghz,
                    "BW_MHZ": self.info.bandwidth_mhz,
                    "CHANNELS": self.info.channels,
                    "BEAM_DEG": self.info.beam_deg,
                    "INSTRUME": self._name,
                    "TSYS_K": 35.0,
                },
            )

    def _actual(self, actual_s: float) -> dict[str, HeaderValue]:
        return {"INTTIME": round(actual_s, 3), "PARTIAL": self._partial}

    def _synthetic_data(self) -> np.ndarray:
        """A flat spectrum, one value per channel: a valid FITS file of the real size."""
        return np.zeros(self.info.channels, dtype=np.float32)
