"""Unchanged files recognised without reading them: (path, size, mtime_ns, inode) -> last counts.

The count cache stays keyed by content hash; this index only remembers, per folder, which content
(sha256) a file had when it was last counted and its counts (with the --encoding and tokcost version
they were made under, the rest of their count cache key), as long as its size, mtime and inode are
the same. One small JSON file per folder under `<count cache>/stat/`; anything unreadable
is ignored and rewritten. A file modified within the last few seconds is not recorded (its mtime
could still change within the clock's resolution without the size changing).
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from tokcost.digest import sha256
from tokcost.paths import atomic_write_bytes

_RECENT_NS = 3_000_000_000


def stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class StatIndex:
    def __init__(self, root: Path) -> None:
        self.root = root / "stat"
        self._tables: dict[str, dict[str, Any]] = {}
        self._changed: dict[str, dict[str, Any]] = {}
        self._folders: dict[str, str] = {}  # as given -> absolute

    def _file(self, folder: str) -> Path:
        return self.root / f"{sha256(folder.encode('utf-8', 'surrogateescape'))[:32]}.json"

    def _table(self, folder: str) -> dict[str, Any]:
        if folder not in self._tables:
            try:
                data = json.loads(self._file(folder).read_bytes())
                self._tables[folder] = data["files"] if data.get("folder") == folder else {}
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                self._tables[folder] = {}
        return self._tables[folder]

    def _where(self, path: str | os.PathLike[str]) -> tuple[str, str]:
        folder, name = os.path.split(os.fspath(path))
        if folder not in self._folders:
            self._folders[folder] = os.path.abspath(folder or ".")
        return self._folders[folder], name

    def get(self, path: str | os.PathLike[str], st: os.stat_result) -> dict[str, Any] | None:
        folder, name = self._where(path)
        entry = self._table(folder).get(name)
        if isinstance(entry, dict) and entry.get("stat") == stat_key(st):
            return entry
        return None

    def put(self, path: str | os.PathLike[str], st: os.stat_result, entry: dict[str, Any]) -> None:
        if st.st_mtime_ns > time.time_ns() - _RECENT_NS:
            return
        folder, name = self._where(path)
        self._table(folder)[name] = self._changed.setdefault(folder, {})[name] = {**entry, "stat": stat_key(st)}

    def save(self) -> None:
        """Write the folders that changed (merged with what other runs wrote meanwhile)."""
        for folder, entries in self._changed.items():
            self._tables.pop(folder, None)
            table = {**self._table(folder), **entries}
            with contextlib.suppress(OSError):  # a read-only or full cache only costs speed
                atomic_write_bytes(self._file(folder), json.dumps({"folder": folder, "files": table}).encode())
        self._changed.clear()
