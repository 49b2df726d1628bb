"""sha256 digests, the one way tokcost pins files (assets, corpora, engines) and keys its count cache."""
from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20


def sha256(data: bytes | str) -> str:
    """Hex digest of bytes, or of a string's UTF-8 encoding."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex digest of a file, read in 1 MiB blocks (bounded memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
