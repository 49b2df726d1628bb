"""Turning PATH arguments (files, directories, globs, `-`) into the list of texts to count."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

_VCS_DIRS = {".git", ".hg", ".svn"}
_GLOB_CHARS = set("*?[")


class Input:
    """One text to count. `path` None is stdin; `walked` means found inside a directory walk.

    `location` is the path as a string (None for stdin) and `stat` the walk's stat of the file: a walk
    makes no Path objects (a folder of thousands of unchanged files is served without one), `path`
    makes it when first asked for.
    """

    __slots__ = ("_path", "label", "location", "stat", "walked")

    def __init__(self, label: str, path: Path | str | None, walked: bool = False,
                 stat: os.stat_result | None = None) -> None:
        self.label, self.walked, self.stat = label, walked, stat
        self.location = None if path is None else os.fspath(path)
        self._path = path if isinstance(path, Path) else None

    @property
    def path(self) -> Path | None:
        if self._path is None and self.location is not None:
            self._path = Path(self.location)
        return self._path

    def _key(self) -> tuple:
        return self.label, self.path, self.walked

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Input) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Input(label={self.label!r}, path={self.path!r}, walked={self.walked!r})"


def _is_dir(path: Path) -> bool:
    """Like Path.is_dir, but False (not a traceback) when the path cannot even be looked at: it is
    then read as a file, which reports why it cannot be."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _walk(root: Path, errors: list[tuple[str, str]]) -> Iterator[Input]:
    """Every file under `root`, folders in name order (one scandir per folder, one stat per file);
    a folder that cannot be listed is an error, never silently skipped."""
    yield from _scan(str(root), errors)


def _scan(folder: str, errors: list[tuple[str, str]]) -> Iterator[Input]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        errors.append((exc.filename or folder, f"cannot list this folder ({exc.strerror or exc})"))
        return
    folders = []
    for entry in entries:
        if _entry_is_dir(entry):
            folders.append(entry)
        elif (st := _entry_stat(entry)) is not False:
            yield Input(entry.path, entry.path, walked=True, stat=st)
    for entry in folders:
        if entry.name not in _VCS_DIRS and not entry.is_symlink():
            yield from _scan(entry.path, errors)


def _entry_is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _entry_stat(entry: os.DirEntry) -> os.stat_result | bool | None:
    """A regular file's stat; None for one we cannot stat (reading it reports why: vanished,
    permission denied); False for anything else (a pipe, a socket, a device)."""
    try:
        if entry.is_file():
            return entry.stat()
        return None if not os.path.exists(entry.path) else False
    except OSError:
        return None


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
            import glob

            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                errors.append((arg, "no file matches this pattern"))
            for match in matches:
                found.extend(_walk(Path(match), errors) if _is_dir(Path(match)) else [Input(match, Path(match))])
    return found, errors
