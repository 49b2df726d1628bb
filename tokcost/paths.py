"""Where tokcost keeps what it fetches and computes (never inside the user's inputs)."""
from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"  # tokcost's own data files (package data; read as plain files)


def data_text(name: str) -> str:
    """One of tokcost's data files (`tokenizers.toml`, `templates/x.jinja`), as text.

    Read as a file beside the code rather than through importlib.resources, whose import (with
    tempfile and zipfile) costs more than a count served from the cache.
    """
    return (DATA_DIR / name).read_text("utf-8")


def cache_dir() -> Path:
    """`$TOKCOST_CACHE_DIR`, else `$XDG_CACHE_HOME/tokcost`, else `~/.cache/tokcost`."""
    explicit = os.environ.get("TOKCOST_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tokcost"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    import tempfile  # (~3 ms) only when something is written: a run served from the cache writes nothing

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
