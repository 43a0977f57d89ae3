"""The one place errors and JSON cross the Tango boundary.

Domain errors become ``DevFailed`` with a reason code and a message that names the field;
JSON arguments are decoded here so every command reports bad input the same way.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import tango

__all__ = ["decode_json_argument", "lrc_reply", "raise_dev_failed"]


def raise_dev_failed(reason: str, message: str, origin: str = "astrotango") -> NoReturn:
    """Raise ``DevFailed`` with ``reason`` (a short code such as ``API_InvalidArgument``)."""
    tango.Except.throw_exception(reason, message, origin)
    raise AssertionError("unreachable")  # pragma: no cover - throw_exception always raises


def decode_json_argument(text: str, *, what: str = "argument") -> Any:
    """Decode a JSON command argument, or raise ``DevFailed`` naming ``what`` and the error."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise_dev_failed("API_InvalidArgument", f"{what}: not valid JSON ({exc})")


def lrc_reply(result_code: int, text: str) -> tuple[list[int], list[str]]:
    """Return the ``DevVarLongStringArray`` answer of a long-running command."""
    return [int(result_code)], [text]
