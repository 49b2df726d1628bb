"""JSON from users' files, parsed with bounded nesting and number size: hostile input is one error line."""
from __future__ import annotations

import json
from typing import Any

MAX_NUMBER_DIGITS = 100  # a longer number in a chat or dataset file is an attack or a mistake


class BadJSON(ValueError):
    """Text that is not JSON, or JSON nested too deeply or with a huge number: `reason`, at `line`."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line

    def where(self, label: str) -> str:
        return f"{label}:{self.line}: {self.reason}" if self.line else f"{label}: {self.reason}"


class _TooLong(ValueError):
    pass


def _bounded_number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _TooLong(f"a number with {len(text):,} digits (the limit is {MAX_NUMBER_DIGITS})")
    return float(text) if any(c in text for c in ".eE") else int(text)


def decoder() -> json.JSONDecoder:
    """A decoder whose numbers are bounded; what it raises beyond JSONDecodeError, `guarded` names."""
    return json.JSONDecoder(parse_int=_bounded_number, parse_float=_bounded_number)


def guarded(exc: BaseException) -> BadJSON | None:
    """The BadJSON for an exception raised while decoding, or None if it is not one of ours."""
    if isinstance(exc, _TooLong):
        return BadJSON(f"not accepted: {exc}")
    if isinstance(exc, RecursionError):
        return BadJSON("not accepted: nested more deeply than about 1,000 levels")
    return None


def load_json(text: str) -> Any:
    """json.loads with bounded number size and nesting (the interpreter's recursion limit, ~1000
    levels, which the C parser checks); anything else raises BadJSON."""
    try:
        return decoder().decode(text)
    except json.JSONDecodeError as exc:
        raise BadJSON(f"not valid JSON ({exc.msg})", exc.lineno) from None
    except (_TooLong, RecursionError) as exc:
        raise (guarded(exc) or BadJSON(str(exc))) from None
