"""Observing policies at run time: which telescopes may observe, from constraint events."""

from __future__ import annotations

from astrotango.control.policy.monitor import ChangeListener, PolicyMonitor, parse_snapshot

__all__ = ["ChangeListener", "PolicyMonitor", "parse_snapshot"]
