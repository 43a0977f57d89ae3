"""The one base device: control-model attributes and the long-running-command protocol.

Every astrotango device derives from :class:`AstroDevice`. It provides the standard SKA
control-model attributes (``adminMode`` memorized, ``healthState``, ...), the LRC attributes
(``lrcQueue``, ``lrcExecuting``, ``lrcFinished``, ``_lrcEvent``, the older
``longRunningCommand*`` ones), the commands ``Abort``, ``AbortCommands`` and
``CheckLongRunningCommandStatus``, and change and archive events for all of them, pushed from a
publisher thread so worker threads never block on Tango. Subclasses build their component
manager in :meth:`create_component_manager` and start long-running commands with
:meth:`submit_lrc`, which logs each command's outcome once, at INFO, with its result.

The device's Python logger (``self.logger``, ``astrotango.device.<name>``, handed to the
component manager) feeds Tango's logging (:mod:`astrotango.devices.tango_logging`):
``loggingLevel`` sets both levels, ``loggingTargets`` Tango's targets.
"""

from __future__ import annotations

import logging
import threading
from enum import IntEnum
from typing import Any

from tango import AttrWriteType, DevState, DevVarLongStringArray, EnsureOmniThread, Util
from tango.server import Device, attribute, command

from astrotango import __version__
from astrotango.clock import set_thread_context
from astrotango.control import BaseComponentManager
from astrotango.control_model import (
    TERMINAL_TASK_STATUSES,
    AdminMode,
    CommunicationStatus,
    ControlMode,
    HealthState,
    LoggingLevel,
    ResultCode,
    SimulationMode,
    TaskStatus,
    TestMode,
)
from astrotango.devices import tango_logging
from astrotango.devices.codec import NO_ARGUMENT_DOC, lrc_reply, raise_dev_failed
from astrotango.devices.events import EventPublisher
from astrotango.lrc import LRC_PROTOCOL_VERSIONS, CommandRegistry, TaskFunction

# Every thread a device server spawns calls Tango (proxies, subscriptions): known to omniORB.
set_thread_context(EnsureOmniThread)

__all__ = ["SERVING", "AstroDevice"]

#: Set once this process's device server has finished starting (``run``'s post-init callback).
SERVING = threading.Event()

_RW = AttrWriteType.READ_WRITE
_ACTIVE_MODES = (AdminMode.ONLINE, AdminMode.ENGINEERING)
_PARKED_MODES = (AdminMode.NOT_FITTED, AdminMode.RESERVED)
_STANDARD: tuple[str, ...] = (
    "adminMode",
    "healthState",
    "controlMode",
    "simulationMode",
    "testMode",
)
_STANDARD += ("loggingLevel", "loggingTargets", "buildState", "versionId", "State", "Status")
_LRC: tuple[str, ...] = (
    "lrcQueue",
    "lrcExecuting",
    "lrcFinished",
    "lrcProtocolVersions",
    "_lrcEvent",
)
_LRC += ("longRunningCommandStatus", "longRunningCommandProgress", "longRunningCommandResult")
_LRC += ("longRunningCommandIDsInQueue", "longRunningCommandsInQueue")
_LRC += ("longRunningCommandInProgress",)
_MAX_TARGETS = 8
_ABORT_DOC = "[[ResultCode], [text]]: STARTED (1) and the Abort command's id"
# Bounds large enough that nothing is ever truncated: 32 queued + executing + 100 finished.
_MAX_COMMANDS = 160


def _lrc_list(name: str, doc: str, max_dim_x: int = _MAX_COMMANDS) -> Any:
    def read(self: AstroDevice) -> Any:
        return () if name == "_lrcEvent" else self._commands.attribute_values()[name]

    return attribute(name=name, dtype=(str,), max_dim_x=max_dim_x, doc=doc, fget=read)


def _mode(name: str, dtype: type) -> Any:
    def read(self: AstroDevice) -> int:
        return self._modes[name]

    def write(self: AstroDevice, value: int) -> None:
        self._write_mode(name, value)

    return attribute(
        name=name,
        dtype=dtype,
        access=_RW,
        memorized=True,
        hw_memorized=True,
        fget=read,
        fset=write,
    )


_MODE_TYPES: dict[str, type[IntEnum]] = {
    "controlMode": ControlMode,
    "simulationMode": SimulationMode,
    "testMode": TestMode,
    "loggingLevel": LoggingLevel,
}


def _reason(result: Any) -> str:
    """The message of a ``[ResultCode, message]`` result, or the result as text."""
    if isinstance(result, list | tuple) and len(result) == 2 and isinstance(result[1], str):
        try:
            return f"{ResultCode(result[0]).name} {result[1]}"
        except ValueError:
            pass
    return str(result)


class AstroDevice(Device):
    """Base of every astrotango device; Tango class name = Python class name."""

    def init_device(self) -> None:
        """Set up logging, events, the command registry and the component manager."""
        super().init_device()
        self.logger = logging.getLogger(f"astrotango.device.{self.get_name()}")
        tango_logging.attach(self, self.logger)
        level = tango_logging.initial_level(self)
        tango_logging.set_levels(self, self.logger, level)
        # Tango keeps a device's logging targets across Init; so does this list of them.
        self._logging_targets: tuple[str, ...] = getattr(self, "_logging_targets", ())
        self._publisher = EventPublisher(self, self.logger)
        self._commands = CommandRegistry(self._publisher.push_many)
        self._admin_mode = AdminMode.OFFLINE
        self._mode_lock = threading.Lock()
        self._health_state = HealthState.UNKNOWN
        self._modes: dict[str, int] = {
            "controlMode": ControlMode.REMOTE,
            "simulationMode": SimulationMode.TRUE,
            "testMode": TestMode.NONE,
            "loggingLevel": level,
        }
        for name in (*_STANDARD, *_LRC):
            self.set_change_event(name, True, False)
            self.set_archive_event(name, True, False)
        self.component_manager = self.create_component_manager()
        self._set_state(DevState.DISABLE, "Admin mode OFFLINE: not talking to the component")

    def delete_device(self) -> None:
        """Stop the component manager and the publisher; returns at once (see EventPublisher)."""
        self.component_manager.close()
        self._publisher.stop()
        tango_logging.detach(self.logger)

    def create_component_manager(self) -> BaseComponentManager:
        """Return this device's component manager; subclasses override."""
        return BaseComponentManager(
            logger=self.logger, communication_callback=self._communication_changed
        )

    # -- state and health, for subclasses ------------------------------------------------

    def _set_state(self, state: DevState, status: str) -> None:
        if state != self.get_state():
            self.set_state(state)
            self._publisher.push("State", state)
        if status != self.get_status():
            self.set_status(status)
            self._publisher.push("Status", status)

    def _set_health(self, health: HealthState) -> None:
        if health != self._health_state:
            self._health_state = health
            self._publisher.push("healthState", health)

    def _communication_changed(self, status: CommunicationStatus) -> None:
        if status == CommunicationStatus.ESTABLISHED:
            self._component_connected()
        elif status == CommunicationStatus.NOT_ESTABLISHED:
            self._set_state(DevState.UNKNOWN, "Trying to reach the component")
            self._set_health(HealthState.UNKNOWN)
        else:
            self._set_state(DevState.DISABLE, "Admin mode OFFLINE: not talking to the component")
            self._set_health(HealthState.UNKNOWN)

    def _component_connected(self) -> None:
        """Called when communication is established; subclasses derive state from monitoring."""
        self._set_state(DevState.ON, "Communicating with the component")
        self._set_health(HealthState.OK)

    # -- long-running commands -----------------------------------------------------------

    def submit_lrc(self, name: str, func: TaskFunction, *args: Any, **kwargs: Any) -> Any:
        """Register and queue a long-running command; return its ``[[code], [id or reason]]``."""
        uid = self._commands.new_command(name)
        report = self._reporter(uid, name)
        status, message = self.component_manager.submit(func, *args, task_callback=report, **kwargs)
        if status == TaskStatus.REJECTED:
            return lrc_reply(ResultCode.REJECTED, message)
        self.logger.debug("%s queued as %s", name, uid)
        return lrc_reply(ResultCode.QUEUED, uid)

    def _reporter(self, uid: str, name: str) -> Any:
        """The task callback of command ``uid``: records changes, logs the outcome once."""
        logged = threading.Event()

        def report(**changes: Any) -> None:
            self._commands.update(uid, **changes)
            if changes.get("status") in TERMINAL_TASK_STATUSES and not logged.is_set():
                logged.set()
                record = self._commands.record(uid)
                status = TaskStatus(changes["status"])
                result = record.result if record is not None else changes.get("result")
                log = self.logger.error if status == TaskStatus.FAILED else self.logger.info
                log("%s %s: %s (%s)", name, status.name, _reason(result), uid)

        return report

    def _abort(self, name: str) -> Any:
        uid = self._commands.new_command(name)
        self.component_manager.abort_commands(self._reporter(uid, name))
        return lrc_reply(ResultCode.STARTED, uid)

    @command(dtype_out=DevVarLongStringArray, doc_in=NO_ARGUMENT_DOC, doc_out=_ABORT_DOC)
    def Abort(self) -> Any:
        """Abort all queued commands and stop the running one; returns STARTED and an id."""
        return self._abort("Abort")

    @command(dtype_out=DevVarLongStringArray, doc_in=NO_ARGUMENT_DOC, doc_out=_ABORT_DOC)
    def AbortCommands(self) -> Any:
        """The older name of :meth:`Abort`, with the same effect."""
        return self._abort("AbortCommands")

    @command(
        dtype_in=str,
        dtype_out=str,
        doc_in="A command id, as a long-running command's reply gave it",
        doc_out="Its TaskStatus name (QUEUED, IN_PROGRESS, COMPLETED, ...) or NOT_FOUND",
    )
    def CheckLongRunningCommandStatus(self, command_id: str) -> str:
        """Return the status name of a command, or ``NOT_FOUND``."""
        return self._commands.status_of(command_id).name

    lrcQueue = _lrc_list("lrcQueue", "Queued commands: uid, name, submitted_time (JSON)")
    lrcExecuting = _lrc_list("lrcExecuting", "Executing commands with progress (JSON)")
    lrcFinished = _lrc_list("lrcFinished", "The last 100 finished commands (JSON)")
    _lrcEvent = _lrc_list(
        "_lrcEvent", "Events only: (command_id, json of status/progress/result)", 2
    )
    longRunningCommandStatus = _lrc_list(
        "longRunningCommandStatus", "id, STATUS, ...", 2 * _MAX_COMMANDS
    )
    longRunningCommandProgress = _lrc_list(
        "longRunningCommandProgress", "id, progress, ...", 2 * _MAX_COMMANDS
    )
    longRunningCommandResult = _lrc_list("longRunningCommandResult", "(id, json result)", 2)
    longRunningCommandIDsInQueue = _lrc_list("longRunningCommandIDsInQueue", "Known command ids")
    longRunningCommandsInQueue = _lrc_list("longRunningCommandsInQueue", "Known command names")
    longRunningCommandInProgress = _lrc_list("longRunningCommandInProgress", "Executing names")

    @attribute(dtype=(int,), max_dim_x=8)
    def lrcProtocolVersions(self) -> tuple[int, ...]:
        """The LRC protocol versions this device speaks."""
        return LRC_PROTOCOL_VERSIONS

    # -- standard control-model attributes -----------------------------------------------

    @attribute(dtype=AdminMode, access=_RW, memorized=True, hw_memorized=True)
    def adminMode(self) -> AdminMode:
        """Administrative mode; ONLINE/ENGINEERING talk to the component, others do not."""
        return self._admin_mode

    @adminMode.write  # type: ignore[no-redef]
    def adminMode(self, value: int) -> None:
        """Change admin mode; NOT_FITTED/RESERVED and ONLINE/ENGINEERING meet only via OFFLINE."""
        new, old = AdminMode(value), self._admin_mode
        if (old in _PARKED_MODES and new in _ACTIVE_MODES) or (
            old in _ACTIVE_MODES and new in _PARKED_MODES
        ):
            raise_dev_failed(
                "API_AttrValueNotAllowed",
                f"adminMode: {old.name} -> {new.name} is not allowed; go through OFFLINE",
            )
        with self._mode_lock:
            self._admin_mode = new
        if new != old:
            self.logger.info("adminMode %s -> %s", old.name, new.name)
        self._publisher.push("adminMode", new)
        if new not in _ACTIVE_MODES:
            self.component_manager.stop_communicating()
        elif Util.instance().is_svr_starting():
            threading.Thread(target=self._start_when_served, name="start-when-served").start()
        else:
            self.component_manager.start_communicating()

    def _start_when_served(self) -> None:
        """Start communicating once the server serves (the memorized adminMode of a restart).

        Talking to other devices (subscriptions above all) from a server still starting up
        broke its own event publisher now and then ("Class DServer is not initialised!", then
        every subscription to that server failed with "ZMQ message: Invalid argument").
        """
        while not SERVING.wait(0.05) and Util.instance().is_svr_starting():
            pass
        with EnsureOmniThread(), self._mode_lock:
            if self._admin_mode in _ACTIVE_MODES:
                self.component_manager.start_communicating()

    @attribute(dtype=HealthState)
    def healthState(self) -> HealthState:
        """Health of the component as this device sees it."""
        return self._health_state

    def _write_mode(self, name: str, value: int) -> None:
        old, self._modes[name] = self._modes[name], value
        if name == "loggingLevel":
            tango_logging.set_levels(self, self.logger, LoggingLevel(value))
        if value != old:
            self.logger.info("%s -> %s", name, _MODE_TYPES[name](value).name)
        self._publisher.push(name, self._modes[name])

    controlMode = _mode("controlMode", ControlMode)
    simulationMode = _mode("simulationMode", SimulationMode)
    testMode = _mode("testMode", TestMode)
    loggingLevel = _mode("loggingLevel", LoggingLevel)

    @attribute(dtype=(str,), max_dim_x=_MAX_TARGETS, access=_RW)
    def loggingTargets(self) -> tuple[str, ...]:
        """Tango logging targets set here: console::cout, file::<path>, device::<name>."""
        return self._logging_targets

    @loggingTargets.write  # type: ignore[no-redef]
    def loggingTargets(self, values: list[str]) -> None:
        """Replace the targets: remove those left out, add the new ones."""
        try:
            targets = tango_logging.parse_targets(values)
        except ValueError as exc:
            raise_dev_failed("API_AttrValueNotAllowed", f"loggingTargets: {exc}")
        tango_logging.apply_targets(self.get_name(), self._logging_targets, targets)
        self._logging_targets = targets
        self.logger.info("loggingTargets -> %s", ", ".join(targets) or "none")
        self._publisher.push("loggingTargets", targets)

    @attribute(dtype=str)
    def buildState(self) -> str:
        """What build of astrotango this is."""
        return f"astrotango {__version__}"

    @attribute(dtype=str)
    def versionId(self) -> str:
        """The astrotango version."""
        return __version__
