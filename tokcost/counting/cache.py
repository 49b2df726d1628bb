"""A persistent cache of counts, keyed by content hash + tokenizer identity + tokcost version.

One small JSON file per content hash under `<cache dir>/counts/`. A file that cannot be read or
does not have the expected shape is ignored (and replaced on the next write): never fatal.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from tokcost import __version__
from tokcost.counting.cuts import CUT_RULES_VERSION
from tokcost.counting.engine import Counted
from tokcost.counting.measures import TextStats
from tokcost.digest import sha256, sha256_file
from tokcost.paths import atomic_write_bytes, cache_dir
from tokcost.tokenizers import ordinary, tokenizer_names, tokenizer_spec
from tokcost.tokenizers.fast import counting_engine


def tokenizer_identity(name: str, fast: bool = True) -> str | None:
    """What a count depends on: the pinned vocabulary, the pre-tokenizer, the engine that counts it
    (name and version: a count from an engine later found wrong is never served) and the cut rules.
    None: do not cache. `fast`: the value the counts are made with (Backend.count), which decides the engine.
    """
    if name in tokenizer_names():
        spec = tokenizer_spec(name)
        engine = counting_engine(name, spec.format, spec.normalize, spec.library, fast)
        recipe = (f"{spec.source.sha256 if spec.source else ''}|{spec.pattern}|{spec.normalize}|{spec.lowercase}"
                  f"|{engine}|cuts {CUT_RULES_VERSION}|ordinary {ordinary.RULES_VERSION}")
        return f"{name}:{sha256(recipe)[:20]}"
    path = Path(name)
    if not name.startswith("hf:") and path.is_file():
        return f"file:{sha256_file(path)}"
    return None


_STATS = frozenset(vars(TextStats()))


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _valid_stats(stats: object) -> bool:
    """A damaged entry (hand-edited, truncated, from a bug) must be ignored, never trusted or fatal."""
    return isinstance(stats, dict) and set(stats) == _STATS and all(_count(v) for v in stats.values())


class CountCache:
    def __init__(self, root: Path | None = None) -> None:
        override = os.environ.get("TOKCOST_COUNT_CACHE_DIR")
        self.root = root or (Path(override) if override else cache_dir() / "counts")

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    @staticmethod
    def key(content_digest: str, encoding: str | None) -> str:
        return sha256(f"{content_digest}|{CountCache.variant(encoding)}")

    @staticmethod
    def variant(encoding: str | None) -> str:
        """What a key holds besides the content: the decoding asked for (--encoding) and tokcost's version."""
        return f"{encoding or 'auto'}|{__version__}"

    def _load(self, key: str) -> dict:
        try:
            data = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError, RecursionError):
            return {}
        if (isinstance(data, dict) and data.get("tokcost") == __version__ and isinstance(data.get("tokens"), dict)
                and _valid_stats(data.get("stats")) and isinstance(data.get("encoding"), str)):
            return data
        return {}

    def get(self, key: str, identities: dict[str, str]) -> tuple[Counted | None, list[str]]:
        """Cached counts for the names whose identity is known, and the names still to count."""
        data = self._load(key)
        cached = data.get("tokens", {})
        missing = [n for n, ident in identities.items() if not _count(cached.get(ident))]
        if not data:
            return None, list(identities)
        found = Counted({n: cached[i] for n, i in identities.items() if n not in missing},
                        TextStats(**data["stats"]), data["encoding"])
        return found, missing

    def put(self, key: str, identities: dict[str, str], counted: Counted) -> None:
        data = self._load(key)
        tokens = data.get("tokens", {})
        tokens.update({identities[n]: v for n, v in counted.tokens.items() if n in identities})
        record = {"tokcost": __version__, "stats": vars(counted.stats), "tokens": tokens,
                  "encoding": counted.encoding or data.get("encoding") or ""}
        with contextlib.suppress(OSError):  # a read-only or full cache only costs speed
            atomic_write_bytes(self._path(key), json.dumps(record, sort_keys=True).encode())
