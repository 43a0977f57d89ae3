"""The one place errors and JSON cross the Tango boundary.

Domain errors become ``DevFailed`` with a reason code and a message that names the field;
JSON arguments are decoded here so every command reports bad input the same way.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, NoReturn

import tango

from astrotango.domain import (
    Conflict,
    IllegalTransition,
    NotFound,
    PolicyViolation,
    ValidationError,
)

__all__ = [
    "LRC_REPLY_DOC",
    "NO_ARGUMENT_DOC",
    "NO_REPLY_DOC",
    "decode_json_argument",
    "lrc_reply",
    "raise_dev_failed",
]

#: ``doc_out`` of every long-running command (what jive and Taranta show for its reply).
LRC_REPLY_DOC = (
    "[[ResultCode], [text]]: QUEUED (2) and the command id to follow on _lrcEvent/lrcFinished, "
    "or REJECTED (5) and why"
)
#: ``doc_in`` of a command without an argument.
NO_ARGUMENT_DOC = "No argument"
#: ``doc_out`` of a command that replies nothing (a refusal raises DevFailed).
NO_REPLY_DOC = "Nothing; DevFailed (naming the field) when refused or malformed"


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


@contextlib.contextmanager
def domain_errors() -> Iterator[None]:
    """Translate the domain's errors into ``DevFailed`` with a reason code per kind.

    ``ValidationError`` (and ``PolicyViolation``) keep their field-naming message; the
    reason code says which kind of refusal it was.
    """
    try:
        yield
    except PolicyViolation as exc:
        raise_dev_failed("AstroTango_PolicyViolation", str(exc))
    except ValidationError as exc:
        raise_dev_failed("AstroTango_ValidationError", str(exc))
    except IllegalTransition as exc:
        raise_dev_failed("AstroTango_IllegalTransition", str(exc))
    except NotFound as exc:
        raise_dev_failed("AstroTango_NotFound", str(exc))
    except Conflict as exc:
        raise_dev_failed("AstroTango_Conflict", str(exc))
