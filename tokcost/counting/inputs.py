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


def _is_dir(path: Path) -> bool:
    """Like Path.is_dir, but False (not a traceback) when the path cannot even be looked at: it is
    then read as a file, which reports why it cannot be."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _listable(path: Path) -> bool:
    """A regular file, or one we cannot stat: reading it reports why (vanished, permission denied)."""
    try:
        return path.is_file() or not path.exists()
    except OSError:
        return True


def _walk(root: Path, errors: list[tuple[str, str]]) -> Iterator[Input]:
    """Every file under `root`; a folder that cannot be listed is an error, never silently skipped."""
    def unreadable(exc: OSError) -> None:
        errors.append((exc.filename or str(root), f"cannot list this folder ({exc.strerror or exc})"))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d not in _VCS_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            if _listable(path):
                yield Input(str(path), path, walked=True)


def expand(args: list[str]) -> tuple[list[Input], list[tuple[str, str]]]:
    """Inputs in argument order, and (argument, error) for arguments that name nothing or
    folders that could not be read."""
    found: list[Input] = []
    errors: list[tuple[str, str]] = []
    for arg in args:
        if arg == "-":
            found.append(Input("<stdin>", None))
            continue
        path = Path(arg)
        if _is_dir(path):
            found.extend(_walk(path, errors))
        elif os.path.lexists(arg) or not (_GLOB_CHARS & set(arg)):
            found.append(Input(arg, path))  # a missing or unreadable file is reported when it is read
        else:
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                errors.append((arg, "no file matches this pattern"))
            for match in matches:
                found.extend(_walk(Path(match), errors) if _is_dir(Path(match)) else [Input(match, Path(match))])
    return found, errors
