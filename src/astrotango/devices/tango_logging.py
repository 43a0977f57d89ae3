"""Python logging into Tango's logging: targets, levels and the log viewer see device logs.

Each device logs through ``logging.getLogger("astrotango.device.<name>")`` (and its children,
and the component managers it hands that logger to). :class:`TangoLogHandler`, attached to
that logger, forwards every record to the device's Tango log streams (``debug_stream`` ...
``fatal_stream``), so Tango's logging targets (``console::cout``, ``file::/path``,
``device::<log consumer>``) and the log viewer receive them, filtered by the device's Tango
logging level. The SKA ``loggingLevel`` attribute sets both levels (:func:`set_levels`);
``loggingTargets`` adds and removes Tango targets (:func:`parse_targets`,
:func:`apply_targets`).

Levels set on the device's admin (``SetLoggingLevel``) reach Tango's filter only: records the
Python logger drops never get that far, so ``loggingLevel`` is the knob to turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

import tango

from astrotango.control_model import LoggingLevel

__all__ = [
    "TARGET_TYPES",
    "TangoLogHandler",
    "apply_targets",
    "attach",
    "detach",
    "initial_level",
    "parse_targets",
    "set_levels",
]

#: Tango's logging target types (``<type>::<name>``); ``console`` needs no name.
TARGET_TYPES = ("console", "file", "device")

_PYTHON_LEVELS = {
    LoggingLevel.OFF: logging.CRITICAL + 10,
    LoggingLevel.FATAL: logging.CRITICAL,
    LoggingLevel.ERROR: logging.ERROR,
    LoggingLevel.WARNING: logging.WARNING,
    LoggingLevel.INFO: logging.INFO,
    LoggingLevel.DEBUG: logging.DEBUG,
}
_LOG4TANGO_STEP = 100  # log4tango's levels: OFF=100, FATAL=200 ... DEBUG=600


class TangoLogHandler(logging.Handler):
    """Forwards log records to one device's Tango log streams.

    Records at ``CRITICAL`` go to ``fatal_stream``, ``ERROR`` to ``error_stream``, ``WARNING``
    to ``warn_stream``, ``INFO`` to ``info_stream`` and anything lower to ``debug_stream``.
    Where no other handler would see a record (a server with no logging configured), it is also
    handed to :data:`logging.lastResort`, as it would have been without this handler: WARNING
    and above still reach the server's stderr.

    Args:
        device: The device whose streams receive the records.
    """

    def __init__(self, device: tango.server.Device) -> None:
        super().__init__()
        self._streams: tuple[tuple[int, Callable[[str], None]], ...] = (
            (logging.CRITICAL, device.fatal_stream),
            (logging.ERROR, device.error_stream),
            (logging.WARNING, device.warn_stream),
            (logging.INFO, device.info_stream),
        )
        self._debug = device.debug_stream
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Send ``record`` to the stream of its level."""
        try:
            message = self.format(record)
            stream = next((s for level, s in self._streams if record.levelno >= level), None)
            (stream or self._debug)(message)
        except Exception:  # noqa: BLE001 - the Tango boundary: logging must never raise
            self.handleError(record)
        last = logging.lastResort
        if last is not None and record.levelno >= last.level and not self._others_handle(record):
            last.handle(record)

    def _others_handle(self, record: logging.LogRecord) -> bool:
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self for h in logger.handlers):
                return True
            logger = logger.parent if logger.propagate else None
        return False


def attach(device: tango.server.Device, logger: logging.Logger) -> TangoLogHandler:
    """Attach a new handler for ``device`` to ``logger``, replacing one left from before."""
    detach(logger)
    handler = TangoLogHandler(device)
    logger.addHandler(handler)
    return handler


def detach(logger: logging.Logger) -> None:
    """Remove every :class:`TangoLogHandler` from ``logger``."""
    for handler in [h for h in logger.handlers if isinstance(h, TangoLogHandler)]:
        logger.removeHandler(handler)


def initial_level(device: tango.server.Device) -> LoggingLevel:
    """INFO, or the device's Tango level if the server was started more verbose (``-v``)."""
    tango_level = device.get_logger().get_level() // _LOG4TANGO_STEP - 1
    return LoggingLevel(max(LoggingLevel.INFO, min(tango_level, LoggingLevel.DEBUG)))


def set_levels(device: tango.server.Device, logger: logging.Logger, level: LoggingLevel) -> None:
    """Set the device's Tango logging level and its Python logger's level to ``level``."""
    device.get_logger().set_level((int(level) + 1) * _LOG4TANGO_STEP)
    logger.setLevel(_PYTHON_LEVELS[level])


def parse_targets(values: Iterable[str]) -> tuple[str, ...]:
    """Normalise logging targets to ``<type>::<name>``, in order, without duplicates.

    ``console`` alone means ``console::cout``; type names are case-insensitive.

    Raises:
        ValueError: A target of an unknown type, or a file or device target without a name.
    """
    targets: list[str] = []
    for value in values:
        kind, _, name = value.strip().partition("::")
        kind = kind.lower()
        if kind not in TARGET_TYPES:
            raise ValueError(f"{value!r}: the target type must be one of {', '.join(TARGET_TYPES)}")
        if kind == "console":
            name = name or "cout"
        elif not name:
            raise ValueError(f"{value!r}: a {kind} target needs a name ({kind}::<name>)")
        target = f"{kind}::{name}"
        if target not in targets:
            targets.append(target)
    return tuple(targets)


def apply_targets(device_name: str, old: Sequence[str], new: Sequence[str]) -> None:
    """Remove the targets in ``old`` but not in ``new`` from Tango's logging, then add the rest.

    Raises:
        tango.DevFailed: Tango refused a target (a file it cannot open, an unknown device).
    """
    for target in old:
        if target not in new:
            tango.Logging.remove_logging_target([device_name, target])
    for target in new:
        if target not in old:
            tango.Logging.add_logging_target([device_name, target])
