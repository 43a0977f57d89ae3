"""The errors a telescope driver raises.

The tree::

    HardwareError           a driver could not do what it was asked
    ├── HardwareFault       the hardware reports a fault (mount servo error, stalled motor)
    ├── HardwareTimeout     the hardware did not answer in time (a hung controller)
    └── LimitViolation      the command would break a mount limit (horizon, sun avoidance)

Component managers turn them into FAILED results naming the part and the reason; nothing above
the component manager sees them.
"""

from __future__ import annotations

__all__ = ["HardwareError", "HardwareFault", "HardwareTimeout", "LimitViolation"]


class HardwareError(Exception):
    """A driver could not do what it was asked; the message names the part and the reason."""


class HardwareFault(HardwareError):
    """The hardware reports a fault."""


class HardwareTimeout(HardwareError):
    """The hardware did not answer in time."""


class LimitViolation(HardwareError):
    """A pointing would break a mount limit.

    Attributes:
        limit: Which limit: ``"horizon"`` or ``"sun"``.
    """

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit
