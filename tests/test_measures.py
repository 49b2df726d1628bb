"""Text measures at C speed equal their definitions: every corpus, the multilingual set, random text.

The oracle below is the previous implementation (str.split, a regex of runs without a Latin letter,
`\\p{Unified_Ideograph}` of the `regex` module), kept here as the definition.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from tokcost.comparison.corpora import corpus_path, load_manifest
from tokcost.counting import measures
from tokcost.counting.measures import HAN, LATIN, WHITESPACE, text_stats, utf8_stats

_LATIN_CLASS = "".join(f"{chr(lo)}-{chr(hi)}" if lo != hi else chr(lo) for lo, hi in LATIN)
_NON_LATIN_RUN = re.compile(rf"(?<!\S)[^\s{_LATIN_CLASS}]+(?!\S)")
_HAN_RUN = regex.compile(r"\p{Unified_Ideograph}+")
MULTILINGUAL = sorted((Path(__file__).parent / "data" / "multilingual").glob("*.txt"))


def definition(text: str) -> tuple[int, int, int, int]:
    return (len(text), len(text.encode("utf-8", "surrogatepass")),
            len(text.split()) - len(_NON_LATIN_RUN.findall(text)),
            sum(len(m) for m in _HAN_RUN.findall(text)))


def fast(text: str) -> tuple[int, int, int, int]:
    s = utf8_stats(text.encode("utf-8"))
    t = text_stats(text)
    assert (s.chars, s.bytes, s.words, s.han) == (t.chars, t.bytes, t.words, t.han)
    return s.chars, s.bytes, s.words, s.han


def _members(ranges: tuple[tuple[int, int], ...]) -> set[int]:
    return {c for lo, hi in ranges for c in range(lo, hi + 1)}


def test_latin_ranges_are_the_documented_letters():
    assert _LATIN_CLASS == ("A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
                            "\uff21-\uff3a\uff41-\uff5a")


def test_whitespace_ranges_are_exactly_str_isspace():
    assert _members(WHITESPACE) == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_han_ranges_are_exactly_unified_ideograph():
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert _members(HAN) == {ord(c) for run in _HAN_RUN.findall(every) for c in run}


@pytest.mark.parametrize("name", [c.name for c in load_manifest()])
def test_every_corpus(name):
    path = corpus_path(name)
    if not path.is_file():
        pytest.fail(f"corpus {name} missing; run corpora/setup.sh", pytrace=False)
    text = path.read_text("utf-8")
    assert fast(text) == definition(text)


@pytest.mark.parametrize("path", MULTILINGUAL, ids=lambda p: p.stem)
def test_multilingual(path):
    text = path.read_text("utf-8")
    assert fast(text) == definition(text)
    assert fast(text * 40) == definition(text * 40)  # long enough for the vectorized path


def test_both_paths_on_small_and_large_text(monkeypatch):
    text = "".join(p.read_text("utf-8") for p in MULTILINGUAL)
    for threshold in (0, 1 << 30):  # numpy always / never
        monkeypatch.setattr(measures, "_NUMPY_FROM", threshold)
        assert fast(text) == definition(text)


_CHARS = st.sampled_from(
    list("ab Z9/.,'\n\r\t\x0b\x0c\x1c\x1f-") + ["\x85", "\xa0", "\xaa", "\xba", "\xd7", "\xf7", "é", "ɏ", "ɐ",
                                                  "\u1680", "\u2000", "\u200a", "\u200b", "\u2028", "\u202f",
                                                  "\u205f", "\u3000", "\u1e00", "\u1eff", "Ｆ", "ｚ", "＠",
                                                  "中", "〇", "\u3400", "\u4dbf", "\u4dc0", "\u9fff", "\ufa0e",
                                                  "\ufa10", "\U00020000", "\U0002a6e0", "\U000323af", "🙂",
                                                  "\u0301", "ß", "Ω"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_CHARS, max_size=300), big=st.booleans())
def test_random_text(parts, big):
    text = "".join(parts) * (30 if big else 1)
    assert fast(text) == definition(text)


def test_lone_surrogates_from_the_command_line():
    text = "a\udcff b"
    s = text_stats(text)
    assert (s.chars, s.bytes, s.words, s.han) == definition(text)
