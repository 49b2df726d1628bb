"""Errors that the CLI turns into one line on stderr (never a traceback), and `InputProblem`, the one
shape in which results list the inputs and models they left out."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


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


class NotText(InputError):
    """An input with no text to count (binary or empty): skipped in a folder walk, an error when named."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__(f"{label}: {reason}")
        self.label, self.reason = label, reason


ProblemKind = Literal["input", "skipped", "model"]


@dataclass(frozen=True)
class InputProblem:
    """Something count/cost/check/compare left out while the rest went on: the one error shape of results.

    `kind` "input": a named input (file, stdin, batch line, dataset record) that could not be used
    (the command exits 1); "skipped": a binary or empty file found while walking a folder; "model":
    a model that cannot price this job. `path` is the input's label (with ":LINE" for a line) or
    the model id."""

    path: str
    message: str
    kind: ProblemKind = "input"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    @classmethod
    def of(cls, label: str, exc: Exception, kind: ProblemKind = "input") -> InputProblem:
        """From an error whose message may start with the label (and a ":LINE")."""
        text = str(exc)
        if text.startswith(label):
            found = re.match(r"((?::\d+)*): ", text[len(label):])
            if found:
                return cls(label + found.group(1), text[len(label) + found.end():], kind)
        return cls(label, text, kind)

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason" if self.kind == "skipped" else "error": self.message}


class DataError(TokcostError):
    """Shipped or user-supplied data (price files, assets) is malformed or fails its check."""
