"""`--field PATH`: which part of a record holds the text.

A path is dot-separated keys, each optionally followed by `[*]` (every element of a list) or
`[N]` (element N, from 0): `text`, `messages`, `body.messages`, `conversations[*].value`.
Descending into a string that holds JSON (a CSV cell, a Parquet string column) parses it first.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from tokcost.counting import safejson
from tokcost.errors import UsageError

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[(?:\*|\d+)\])*)")
_INDEX = re.compile(r"\[(\*|\d+)\]")


class FieldError(ValueError):
    """A record has no value at the path, or the value is not text."""


@dataclass(frozen=True)
class FieldPath:
    text: str
    steps: tuple[str | int | None, ...]  # key, list index, or None for [*]

    @property
    def column(self) -> str:
        """The top-level key (a CSV or Parquet column)."""
        return str(self.steps[0])

    @property
    def many(self) -> bool:
        return None in self.steps

    def extract(self, record: Any) -> Any:
        """The value at the path; a list when the path has `[*]`. Raises FieldError."""
        values = [record]
        for i, step in enumerate(self.steps):
            values = [v for value in values for v in _step(value, step, self._upto(i))]
        return values if self.many else values[0]

    def _upto(self, i: int) -> str:
        keys = [s for s in self.steps[: i + 1] if isinstance(s, str)]
        return ".".join(keys) or self.text


def _step(value: Any, step: str | int | None, where: str) -> list[Any]:
    if isinstance(value, str) and value[:1] in ("{", "["):
        with contextlib.suppress(ValueError, RecursionError):  # not JSON after all (or hostile): the string itself
            value = safejson.decoder().decode(value)
    if isinstance(step, str):
        if not isinstance(value, dict):
            raise FieldError(f"no field {where!r} (the value above it is a {_kind(value)})")
        if step not in value or value[step] is None:
            raise FieldError(f"no field {where!r}")
        return [value[step]]
    if not isinstance(value, (list, tuple)):
        raise FieldError(f"{where!r} is a {_kind(value)}, not a list")
    if step is None:
        return list(value)
    if step >= len(value):
        raise FieldError(f"{where!r} has {len(value)} elements, no [{step}]")
    return [value[step]]


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__)


def parse_field(text: str) -> FieldPath:
    """Raises UsageError for a malformed path."""
    steps: list[str | int | None] = []
    parts = text.split(".") if text else []
    for part in parts:
        m = _SEGMENT.fullmatch(part)
        if not m:
            raise UsageError(f"--field {text!r}: {part!r} is not a key, key[*] or key[N] "
                             "(e.g. text, messages, conversations[*].value)")
        steps.append(m[1])
        steps.extend(None if i == "*" else int(i) for i in _INDEX.findall(m[2]))
    if not steps:
        raise UsageError("--field needs a path, e.g. text, messages or conversations[*].value")
    return FieldPath(text, tuple(steps))
