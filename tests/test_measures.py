"""Text measures at C speed equal their definitions: every corpus, the multilingual set, random text,
every code point, and adversarial text; through every path (plain Python, and numpy with every branch forced
and chunk boundaries everywhere).

The oracle below is the previous implementation (str.split, a regex of runs without a Latin letter,
`\\p{Unified_Ideograph}` of the `regex` module), kept here as the definition.
"""
from __future__ import annotations

import re
import subprocess
import sys
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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


_PLAIN = {"_NUMPY_FROM": 1 << 62, "_NUMPY_ASCII_FROM": 1 << 62}
_NUMPY = {"_NUMPY_FROM": 0, "_NUMPY_ASCII_FROM": 0, "_NUMPY_IMPORT_COST": 0}
_SHORT = {"_CHUNKED_FROM": 1 << 62, "_CHUNKED_ASCII_FROM": 1 << 62}
_BYTES = {"_CHUNKED_FROM": 0, "_CHUNKED_ASCII_FROM": 0}
# numpy with each branch forced: Han by lead byte or every lead byte decoded, the walk back from letters or
# the classes of letters and spaces in order, walks cut short, chunks down to one byte (multi-byte characters
# and byte pairs cut everywhere)
_BY_LEAD, _DECODED = {"_DENSE": 1 << 62}, {"_DENSE": 0}
_WALKS, _IN_ORDER = {"_FEW_KEPT": 0}, {"_FEW_KEPT": 1 << 62}
_FORCED = [
    {**_NUMPY, **_SHORT},
    {**_NUMPY, **_BYTES, **_DECODED, **_IN_ORDER, "_CHUNK": 61, "_WALK": 1},
    {**_NUMPY, **_BYTES, **_BY_LEAD, **_WALKS, "_CHUNK": 7, "_WALK": 0},
    {**_NUMPY, **_BYTES, **_BY_LEAD, **_IN_ORDER, "_CHUNK": 1000, "_WALK": 3},
    {**_NUMPY, **_BYTES, **_DECODED, **_WALKS, "_CHUNK": 1, "_WALK": 2},
    {**_NUMPY, **_BYTES, **_DECODED, **_IN_ORDER, "_CHUNK": 2, "_WALK": 12},
    {**_NUMPY, **_BYTES, **_BY_LEAD, **_WALKS, "_CHUNK": 3, "_WALK": 12},
]
ALL_PATHS = [_PLAIN, _NUMPY, *_FORCED]
LONG_TEXT_PATHS = [_PLAIN, _NUMPY, {**_NUMPY, **_SHORT}, {**_NUMPY, **_BYTES, "_CHUNK": 4099, "_WALK": 1},
                   {**_NUMPY, **_BYTES, **_DECODED, **_IN_ORDER, "_CHUNK": 65537},
                   {**_NUMPY, **_BYTES, **_BY_LEAD, **_WALKS}]


@contextmanager
def forced(config: dict[str, int]) -> Iterator[None]:
    saved = {name: getattr(measures, name) for name in config}
    for name, value in config.items():
        setattr(measures, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(measures, name, value)


def fast(text: str, paths: list[dict[str, int]] = ALL_PATHS) -> tuple[int, int, int, int]:
    """The measures by every path in `paths` (all equal, from the bytes and from the text)."""
    results = set()
    data = text.encode("utf-8")
    for config in paths:
        if config.get("_CHUNK", len(data)) * 512 < len(data):
            continue  # at most 512 chunks: one-byte chunks on short text only
        with forced(config):
            s = utf8_stats(data)
            t = text_stats(text)
        results.add((s.chars, s.bytes, s.words, s.han))
        results.add((t.chars, t.bytes, t.words, t.han))
    assert len(results) == 1, (paths, results)
    return results.pop()


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
    assert fast(text, LONG_TEXT_PATHS) == definition(text)


@pytest.mark.parametrize("path", MULTILINGUAL, ids=lambda p: p.stem)
def test_multilingual(path):
    text = path.read_text("utf-8")
    assert fast(text) == definition(text)
    assert fast(text * 40, LONG_TEXT_PATHS) == definition(text * 40)


_CHARS = st.sampled_from(
    list("ab Z9/.,'\n\r\t\x0b\x0c\x1c\x1f-") + ["\x85", "\xa0", "\xaa", "\xba", "\xd7", "\xf7", "é", "ɏ", "ɐ",
                                                  "\u1680", "\u2000", "\u200a", "\u200b", "\u2028", "\u202f",
                                                  "\u205f", "\u3000", "\u1e00", "\u1eff", "Ｆ", "ｚ", "＠",
                                                  "中", "〇", "\u3400", "\u4dbf", "\u4dc0", "\u9fff", "\ufa0e",
                                                  "\ufa10", "\U00020000", "\U0002a6e0", "\U000323af", "🙂",
                                                  "\u0301", "ß", "Ω", "\u4dc0", "\u4dff", "\u4e00",
                                                  "\u3001", "\uff0c", "\u201c", "\U0001f600", "\U00033479",
                                                  "\U0003347a", "\ufa11", "\ufa12", "\u1e9e", "\u0250"])
_EVERY_SPACE = st.sampled_from(sorted(chr(c) for c in _members(WHITESPACE)))


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_CHARS | _EVERY_SPACE, max_size=300), big=st.booleans())
def test_random_text(parts, big):
    text = "".join(parts) * (30 if big else 1)
    assert fast(text) == definition(text)


def test_lone_surrogates_from_the_command_line():
    for text in ("a\udcff b", "a\udcffb \ud800中 x" * 50):
        for config in ALL_PATHS:
            with forced(config):
                s = text_stats(text)
            assert (s.chars, s.bytes, s.words, s.han) == definition(text), config


# Every whitespace character, letters and others of every UTF-8 length, Han at the edges of its ranges and
# of the lead bytes numpy counts by (E4..E9), characters whose lead byte is a candidate or not.
_PIECES = sorted({chr(c) for c in _members(WHITESPACE)} | {
    "a", "Z", "1", "-", "'", "\x00", "\x7f", "\xaa", "\xd7", "\xe9", "\u01ff", "\u024f", "\u0250",
    "\u0301", "\u0416", "\u1e00", "\u1eff", "\u2019", "\u3001", "\u3400", "\u4dbf", "\u4dc0", "\u4dff",
    "\u4e00", "\u9fff", "\ua000", "\ufa0e", "\ufa10", "\uff0c", "\uff21", "\uff5a", "\uff5b",
    "\U0001f642", "\U00020000", "\U0002a6df", "\U0002a6e0", "\U00033479", "\U0010ffff"})


def test_every_pair_of_pieces():
    for first in ["", *_PIECES]:
        for second in ["", *_PIECES]:
            text = first + second
            assert fast(text) == definition(text), text


def test_pieces_across_chunk_boundaries():
    texts = [a + b + c for a in _PIECES for b in ("", "a", " ", "\u4e00") for c in _PIECES]
    text = "".join(texts)
    assert fast(text, LONG_TEXT_PATHS) == definition(text)
    for chunk in (1, 2, 3, 4, 5, 61, 64, 65):  # every alignment of multi-byte characters and byte pairs
        for start in range(0, len(texts), 200):
            part = "".join(texts[start:start + 200])
            with forced({**_NUMPY, **_BYTES, "_CHUNK": chunk}):
                s = utf8_stats(part.encode())
            assert (s.chars, s.bytes, s.words, s.han) == definition(part), (chunk, start)


_ASTRAL = sorted({c for lo, hi in HAN if lo > 0xFFFF for edge in (lo, hi + 1) for c in range(edge - 40, edge + 40)}
                 | {c for plane in range(1, 17) for c in range(plane << 16, (plane << 16) + 40)}
                 | set(range(0x10000, 0x110000, 211)) | {0x10FFFF})


@pytest.mark.parametrize("points", [range(block, block + 0x1000) for block in range(0, 0x10000, 0x1000)]
                         + [_ASTRAL[i::4] for i in range(4)], ids=lambda p: hex(p[0]))
def test_every_code_point(points):
    """Each code point X in "aXb X X ": 1 word if X is other or Han, 2 if a space, 3 if a letter (all of
    the BMP; the rest at the edges of the Han ranges and of the planes, and one in 211)."""
    text = "".join(f"a{chr(c)}b {chr(c)} {chr(c)} " for c in points if not 0xD800 <= c <= 0xDFFF)
    assert fast(text, LONG_TEXT_PATHS) == definition(text)
    for chunk in (5, 64):
        with forced({**_NUMPY, **_BYTES, "_CHUNK": chunk}):
            s = utf8_stats(text.encode())
        assert (s.chars, s.bytes, s.words, s.han) == definition(text)


@pytest.mark.parametrize("other", ["1", "-", "\u3001", "\u0416", "\U0001f642"])
def test_long_runs_of_other_characters(other):
    """Letters far from the last space or letter: the walk back gives up, the positions are looked up;
    chunks that end in other bytes carry the class of an earlier chunk."""
    for n in (1, 11, 12, 13, 63, 64, 65, 200, 3000):
        for text in (other * n + "a", f"x {other * n}a b", f"x{other * n}a b", f" {other * n}",
                     f"a {other * n}\n{other * n}b{other * n}"):
            assert fast(text) == definition(text), (other, n)
            assert fast(text * 3) == definition(text * 3), (other, n)


def test_threads_share_nothing():
    """The engine measures in threads: each has its own scratch arrays."""
    texts = [p.read_text("utf-8") * 300 for p in MULTILINGUAL]
    with forced({**_NUMPY, **_BYTES, "_CHUNK": 4099}), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: utf8_stats(t.encode()), texts * 3))
    for text, s in zip(texts * 3, results, strict=True):
        assert (s.chars, s.bytes, s.words, s.han) == definition(text)


def test_ascii_classes_and_candidate_leads_follow_the_ranges():
    letters = {c for c in range(128) if 0 <= (c | 0x20) - 0x61 <= 25}
    assert letters == measures._LETTERS
    assert {c for lo, hi in measures._ASCII_SPACE_RANGES for c in range(lo, hi + 1)} == measures._SPACES
    candidates = {b for lo, hi in measures._CANDIDATE_LEADS for b in range(lo, hi + 1)}
    for lead in range(0xC2, 0xF5):
        if lead in candidates:
            continue
        length = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        first = (lead & (0x3F >> (length - 1))) << (6 * (length - 1))
        points = [c for c in range(first, min(first + (1 << 6 * (length - 1)), 0x110000))
                  if chr(c).encode("utf-8", "surrogatepass")[0] == lead]
        assert points, hex(lead)
        classes = {measures._class_of(c) for c in points if not 0x4DC0 <= c <= 0x4DFF}
        assert classes == ({measures._HAN_CLASS} if 0xE4 <= lead <= 0xE9 else {measures._OTHER}), hex(lead)
    assert {measures._class_of(c) for c in range(0x4DC0, 0x4E00)} == {measures._OTHER}  # E4 B7 xx


def test_numpy_is_imported_once_it_pays(monkeypatch):
    monkeypatch.setattr(measures, "sys", types.SimpleNamespace(modules={}))  # as if numpy were not imported
    monkeypatch.setattr(measures, "_slow_cost", 0.0)
    assert not measures._numpy_pays(measures._NUMPY_FROM - 1, False)
    assert not measures._numpy_pays(measures._NUMPY_ASCII_FROM - 1, True)
    assert measures._slow_cost == 0  # too short for numpy anyway
    assert not measures._numpy_pays(100_000, True)  # a small file
    assert measures._numpy_pays(4 << 20, False)  # a piece of a long text
    monkeypatch.setattr(measures, "_slow_cost", 0.0)
    small = [measures._numpy_pays(10_000, False) for _ in range(200)]  # small files: after a while
    assert not small[0] and small[-1] and small == sorted(small)
    monkeypatch.setattr(measures, "sys", types.SimpleNamespace(modules={"numpy": None}))
    monkeypatch.setattr(measures, "_slow_cost", 0.0)
    assert measures._numpy_pays(measures._NUMPY_FROM, False)
    assert measures._numpy_pays(measures._NUMPY_ASCII_FROM, True)


def test_short_text_does_not_import_numpy():
    code = ("import sys\nfrom tokcost.counting.measures import text_stats\n"
            "for t in ['', 'a b', 'Hello world. ' * 1000, '中文，English 🙂 ' * 300]: text_stats(t)\n"
            "assert 'numpy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
