"""Turning PATH arguments (files, directories, globs, `-`) into the list of texts to count."""
from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_VCS_DIRS = {".git", ".hg", ".svn"}
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Input:
    """One text to count. `path` None is stdin; `walked` means found inside a directory walk."""

    label: str
    path: Path | None
    walked: bool = False


def _walk(root: Path) -> Iterator[Input]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _VCS_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file():
                yield Input(str(path), path, walked=True)


def expand(args: list[str]) -> tuple[list[Input], list[tuple[str, str]]]:
    """Inputs in argument order, and (argument, error) for arguments that name nothing."""
    found: list[Input] = []
    errors: list[tuple[str, str]] = []
    for arg in args:
        if arg == "-":
            found.append(Input("<stdin>", None))
            continue
        path = Path(arg)
        if path.is_dir():
            found.extend(_walk(path))
        elif path.exists() or not (_GLOB_CHARS & set(arg)):
            found.append(Input(arg, path))  # a missing file is reported when it is read
        else:
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                errors.append((arg, "no file matches this pattern"))
            for match in matches:
                found.extend(_walk(Path(match)) if Path(match).is_dir() else [Input(match, Path(match))])
    return found, errors
