"""Tango clients of astrotango devices: long-running commands, the main job, the safety oracle."""

from __future__ import annotations

from astrotango.client.lrc import LrcError, LrcOutcome, invoke_lrc
from astrotango.client.safety_oracle import SafetyVerdict, judge_night
from astrotango.client.safety_recorder import SafetyRecorder

__all__ = ["LrcError", "LrcOutcome", "SafetyRecorder", "SafetyVerdict", "invoke_lrc", "judge_night"]
