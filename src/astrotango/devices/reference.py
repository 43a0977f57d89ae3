"""LrcReference: a device whose only job is to exercise the long-running-command protocol."""

from __future__ import annotations

from typing import Any

from tango import DevState, DevVarLongStringArray
from tango.server import command

from astrotango.control.reference import ExerciseSpec, ReferenceComponentManager
from astrotango.devices.base import AstroDevice
from astrotango.devices.codec import LRC_REPLY_DOC, decode_json_argument, raise_dev_failed

__all__ = ["LrcReference"]


class LrcReference(AstroDevice):
    """Self-test device: ``Exercise`` is a long-running command with progress and a result."""

    component_manager: ReferenceComponentManager

    def create_component_manager(self) -> ReferenceComponentManager:
        """Build the reference component manager."""
        return ReferenceComponentManager(
            logger=self.logger, communication_callback=self._communication_changed
        )

    def is_Exercise_allowed(self) -> bool:
        """Exercise needs the device ONLINE or in ENGINEERING."""
        return self.get_state() != DevState.DISABLE

    @command(
        dtype_in=str,
        doc_in='JSON object {"steps": 1..1000 (5), "step_s": 0..60 s (0.1), "fail_step": '
        "1-based step that fails, or null}; '' for the defaults",
        dtype_out=DevVarLongStringArray,
        doc_out=LRC_REPLY_DOC,
    )
    def Exercise(self, argument: str) -> Any:
        """Run a self-test LRC; argument JSON ``{"steps", "step_s", "fail_step"}``."""
        data = decode_json_argument(argument or "{}", what="Exercise argument")
        try:
            spec = ExerciseSpec.from_json(data)
        except ValueError as exc:
            raise_dev_failed("API_InvalidArgument", f"Exercise argument: {exc}")
        return self.submit_lrc("Exercise", self.component_manager.exercise, spec)
