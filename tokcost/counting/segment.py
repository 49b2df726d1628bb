"""Chinese words, as jieba segments them: the unit of "1 token ≈ 1.45 Chinese words" read as written.

A Chinese word is a segment that holds at least one Han character (punctuation, Latin runs and
digits are not Chinese words). jieba (precise mode, HMM on) is the reference; rjieba, its Rust
port, is used when installed because its Chinese words are the same (tests/test_segment.py checks
that on every Chinese corpus built). Both import on first use. Counts are cached by the text's
sha256 in tokcost's cache, so a corpus is segmented once.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from functools import cache

import regex

from tokcost.digest import sha256
from tokcost.paths import atomic_write_bytes, cache_dir

_HAN = regex.compile(r"\p{Unified_Ideograph}")
SEGMENTER_VERSION = 1  # bump when the definition of a Chinese word changes


@cache
def reference_cut() -> Callable[[str], list[str]]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut


@cache
def cut() -> Callable[[str], list[str]]:
    """The fastest segmenter with jieba's segmentation: rjieba when installed, else jieba."""
    try:
        import rjieba
    except ImportError:
        return reference_cut()
    return rjieba.cut


def chinese_words(words: list[str]) -> list[str]:
    return [w for w in words if _HAN.search(w)]


def count_chinese_words(text: str, segment: Callable[[str], list[str]] | None = None) -> int:
    """How many Chinese words jieba finds in `text` (the default segmenter, or `segment`)."""
    return sum(len(chinese_words((segment or cut())(line))) for line in text.split("\n") if _HAN.search(line))


def _cache_file():
    return cache_dir() / "zh-words.json"


def cached_chinese_words(text: str) -> int:
    """count_chinese_words(text), remembered by the text's sha256."""
    key = f"v{SEGMENTER_VERSION}:{sha256(text.encode('utf-8', 'surrogatepass'))}"
    path = _cache_file()
    try:
        known = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    if key not in known:
        known[key] = count_chinese_words(text)
        with contextlib.suppress(OSError):
            atomic_write_bytes(path, json.dumps(known, indent=0).encode())
    return int(known[key])
