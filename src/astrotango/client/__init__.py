"""Tango clients of astrotango devices: long-running-command invocation and the main job."""

from __future__ import annotations

from astrotango.client.lrc import LrcError, LrcOutcome, invoke_lrc

__all__ = ["LrcError", "LrcOutcome", "invoke_lrc"]
