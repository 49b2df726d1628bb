"""Errors that the CLI turns into one line on stderr (never a traceback)."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class TokcostError(Exception):
    """A user-facing error: its message is the whole story, one line."""

    exit_code = 1


class UsageError(TokcostError):
    """Bad option, unknown name: exit code 2."""

    exit_code = 2


class UnknownName(UsageError):
    def __init__(self, kind: str, name: str, known: Iterable[str], hint: str = "") -> None:
        known = sorted(set(known))
        close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
        msg = f"unknown {kind} {name!r}"
        if close:
            msg += f"; did you mean {', '.join(close)}?"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)
        self.name = name
        self.close_matches = close


class InputError(TokcostError):
    """A single input (file, line) could not be read; others go on."""


class DataError(TokcostError):
    """Shipped or user-supplied data (price files, assets) is malformed or fails its check."""
