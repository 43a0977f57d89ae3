"""Thin pytango devices: one class per file over one base device."""
