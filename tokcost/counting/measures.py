"""Text measures that sit beside token counts: characters, UTF-8 bytes, Latin words, Han characters.

Definitions (the test suite proves the fast paths equal them on every corpus and on random text):
- chars: Unicode code points; bytes: length in UTF-8;
- words: whitespace-separated runs (`str.split()`) that contain a Latin letter (the unit of
  "0.75 words per token");
- han: CJK unified ideographs, `\\p{Unified_Ideograph}` (the unit of "1.45 / 0.8 Chinese characters
  per token").
They are taken from the UTF-8 bytes: with numpy, a class for each byte chunk by chunk (long text, see
_numpy_stats; its loops release the GIL) or for each code point (short non-ASCII text); without it (very
short text, or until importing numpy pays, see _numpy_pays) with `bytes.translate` / `bytes.count` for
ASCII text, a loop over the characters otherwise.
"""
from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

# Code point ranges (inclusive). LATIN is the definition; WHITESPACE is exactly `str.isspace()` and
# HAN exactly `\p{Unified_Ideograph}` of the `regex` module (tests/test_measures.py checks every
# code point, so an update of either is noticed).
LATIN = ((0x41, 0x5A), (0x61, 0x7A), (0xAA, 0xAA), (0xBA, 0xBA), (0xC0, 0xD6), (0xD8, 0xF6),
         (0xF8, 0x24F), (0x1E00, 0x1EFF), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
WHITESPACE = ((0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
              (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000))
HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xFA0E, 0xFA0F), (0xFA11, 0xFA11), (0xFA13, 0xFA14),
       (0xFA1F, 0xFA1F), (0xFA21, 0xFA21), (0xFA23, 0xFA24), (0xFA27, 0xFA29), (0x20000, 0x2A6DF),
       (0x2A700, 0x2B81E), (0x2B820, 0x2CEAD), (0x2CEB0, 0x2EBE0), (0x2EBF0, 0x2EE5D),
       (0x30000, 0x3134A), (0x31350, 0x33479))

_OTHER, _SPACE, _LETTER, _HAN_CLASS = 0, 1, 2, 4
# numpy beats plain Python from this many bytes of non-ASCII / ASCII text (once imported, see _numpy_pays)
_NUMPY_FROM, _NUMPY_ASCII_FROM = 512, 2048
# plain Python's cost per byte of non-ASCII / ASCII text at least that long, and numpy's import cost (seconds)
_SLOW_COST, _SLOW_ASCII_COST, _NUMPY_IMPORT_COST = 50e-9, 3e-9, 0.05
_slow_cost = 0.0  # what plain Python has cost so far on text numpy would have been quicker on
# numpy classifies the bytes chunk by chunk (_numpy_stats) from this many bytes of non-ASCII / ASCII text;
# below, with fewer calls, the code points (_code_point_stats) / the letters and spaces (_ascii_words)
_CHUNKED_FROM, _CHUNKED_ASCII_FROM = 16 * 1024, 64 * 1024
_CHUNK = 1 << 18  # numpy works through a text this many bytes at a time: its scratch arrays stay in cache
_WALK = 12  # steps back from a letter over other bytes before the kept bytes' positions are looked up
_DENSE = 16  # a chunk with more than 1/16 continuation bytes counts Han by lead byte; with fewer, decodes all
_FEW_KEPT = 4  # a chunk with less than 1/4 letters and spaces takes their classes in order; one with more walks
# Non-ASCII lead bytes that may start a letter, a space or a Han character outside U+4000..U+9FFF
# (whose leads, E4..E9, are counted directly): C2..C9 (Latin-1, Latin Extended), E1..E3, EF, F0..F4.
_CANDIDATE_LEADS = ((0xC2, 0xC9), (0xE1, 0xE3), (0xEF, 0xFF))
_scratch = threading.local()


@dataclass
class TextStats:
    chars: int = 0
    bytes: int = 0
    words: int = 0
    han: int = 0

    def __iadd__(self, other: TextStats) -> TextStats:
        self.chars += other.chars
        self.bytes += other.bytes
        self.words += other.words
        self.han += other.han
        return self


def _ascii_in(ranges: tuple[tuple[int, int], ...]) -> frozenset[int]:
    return frozenset(c for lo, hi in ranges for c in range(lo, min(hi, 127) + 1))


_SPACES, _LETTERS = _ascii_in(WHITESPACE), _ascii_in(LATIN)
_ASCII_SPACE_RANGES = tuple((lo, hi) for lo, hi in WHITESPACE if hi < 0x80)
# words: whitespace -> b" ", Latin letters -> b"L", everything else deleted; then count b" L".
_WORD_TABLE = bytes(32 if c in _SPACES else 76 if c in _LETTERS else c for c in range(256))
_WORD_DELETE = bytes(c for c in range(256) if c not in _SPACES | _LETTERS)


def text_stats(text: str) -> TextStats:
    """The measures of a decoded text (lone surrogates, from `--text`, count as other characters)."""
    stats = utf8_stats(text.encode("utf-8", "surrogatepass"))
    stats.chars = len(text)
    return stats


def utf8_stats(data: bytes) -> TextStats:
    """The measures of UTF-8 bytes (valid UTF-8: the decoded text's measures)."""
    n = len(data)
    ascii = data.isascii()
    numpy = _numpy_pays(n, ascii)
    if numpy and n >= (_CHUNKED_ASCII_FROM if ascii else _CHUNKED_FROM):
        chars, words, han = _numpy_stats(data, ascii)
        return TextStats(chars, n, words, han)
    if ascii:
        return TextStats(n, n, _ascii_words(data, numpy), 0)
    if numpy:
        chars, words, han = _code_point_stats(data)
        return TextStats(chars, n, words, han)
    text = data.decode("utf-8", "surrogatepass")
    words, han = _python_words_han(text)
    return TextStats(len(text), n, words, han)


def _numpy_pays(n: int, ascii: bool) -> bool:
    """Whether to measure with numpy: from _NUMPY_FROM bytes if it is imported; if not, once plain Python would
    have cost as much as its import (a piece of a long input at once, small files after a while; a warm cached
    run measures nothing, so never imports it)."""
    global _slow_cost
    if n < (_NUMPY_ASCII_FROM if ascii else _NUMPY_FROM):
        return False
    if "numpy" in sys.modules:
        return True
    _slow_cost += n * (_SLOW_ASCII_COST if ascii else _SLOW_COST)
    return _slow_cost >= _NUMPY_IMPORT_COST


def _ascii_words(data: bytes, numpy: bool) -> int:
    """The words of ASCII text from its letters and spaces: b"L" after b" " (or first) starts one."""
    marks = data.translate(_WORD_TABLE, _WORD_DELETE)
    if not numpy:
        return marks.count(b" L") + marks.startswith(b"L")
    import numpy as np

    seq = np.frombuffer(marks, np.uint8)
    return int(np.count_nonzero(seq[1:] > seq[:-1])) + marks.startswith(b"L")


def _class_of(cp: int) -> int:
    for ranges, value in ((WHITESPACE, _SPACE), (LATIN, _LETTER), (HAN, _HAN_CLASS)):
        if any(lo <= cp <= hi for lo, hi in ranges):
            return value
    return _OTHER


@cache
def _bmp_table() -> bytes:
    """The class of every code point below U+10000."""
    table = bytearray(0x10000)
    for ranges, value in ((WHITESPACE, _SPACE), (LATIN, _LETTER), (HAN, _HAN_CLASS)):
        for lo, hi in ranges:
            if lo <= 0xFFFF:
                hi = min(hi, 0xFFFF)
                table[lo:hi + 1] = bytes([value]) * (hi + 1 - lo)
    return bytes(table)


def _python_words_han(text: str) -> tuple[int, int]:
    """(words, han) of a short text, a character at a time."""
    words = han = 0
    previous = _SPACE
    table = _bmp_table()
    for cp in map(ord, text):
        kind = table[cp] if cp < 0x10000 else _class_of(cp)
        if kind == _HAN_CLASS:
            han += 1
        elif kind:
            words += kind == _LETTER and previous == _SPACE
            previous = kind
    return words, han


@cache
def _bmp_classes() -> Any:
    import numpy as np

    return np.frombuffer(_bmp_table(), np.uint8)


def _scratch_arrays(size: int) -> Any:
    """Five arrays of `size` bytes for this thread, kept: fresh ones would cost ~1 ms of page faults a call."""
    import numpy as np

    arrays = getattr(_scratch, "arrays", None)
    if arrays is None or len(arrays[0]) < size:
        arrays = _scratch.arrays = (np.empty(size, np.uint8), *(np.empty(size, np.bool_) for _ in range(4)))
    return arrays


def _numpy_stats(data: bytes, ascii: bool) -> tuple[int, int, int]:
    """(chars, words, han) of UTF-8 bytes, a chunk at a time. Each byte gets a class: a multi-byte character's
    is at its lead byte, its continuation bytes are other; a word starts at a letter whose nearest letter or
    space before it is a space (or the text's start). numpy releases the GIL in its loops."""
    import numpy as np

    raw = np.frombuffer(data, np.uint8)
    n = len(raw)
    chars, words, han = n, 0, 0
    after_space = True  # whether the last letter or space so far is a space (the text's start counts as one)
    scratch = _scratch_arrays(min(n, _CHUNK))
    for start in range(0, n, _CHUNK):
        a = raw[start:start + _CHUNK]
        t, letter, space, kept, work = (x[:len(a)] for x in scratch)
        # (np.less_equal, not np.less: numpy 2's np.less against a scalar is half as fast on uint8)
        np.bitwise_or(a, 0x20, out=t)
        np.subtract(t, 0x61, out=t)
        np.less_equal(t, 25, out=letter)  # A-Z a-z
        for i, (lo, hi) in enumerate(_ASCII_SPACE_RANGES):
            np.subtract(a, lo, out=t)
            np.less_equal(t, hi - lo, out=work if i else space)
            if i:
                np.logical_or(space, work, out=space)
        if not ascii and a.max() >= 0x80:
            continuation, chunk_han = _non_ascii(np, raw, start, scratch)
            chars -= continuation
            han += chunk_han
        np.logical_or(letter, space, out=kept)
        chunk_words, after_space = _chunk_words(np, letter, space, kept, work, after_space)
        words += chunk_words
    return chars, words, han


def _non_ascii(np: Any, raw: Any, start: int, scratch: Any) -> tuple[int, int]:
    """The classes of the non-ASCII characters whose lead bytes are in the chunk at `start` (into the
    chunk's letter and space arrays); its continuation bytes and Han characters."""
    a = raw[start:start + _CHUNK]
    m = len(a)
    t, letter, space, kept, work = (x[:m] for x in scratch)
    count = np.count_nonzero
    continuation = int(count(np.less(a.view(np.int8), -64, out=work)))  # 80..BF
    han = 0
    if continuation * _DENSE <= m:  # few multi-byte characters: all decoded
        np.greater_equal(a, 0xC0, out=work)
    else:  # many (CJK, Cyrillic...): the Han of U+4000..U+9FFF counted by lead byte, the others decoded
        np.subtract(a, 0xE4, out=t)
        han += int(count(np.less_equal(t, 5, out=work)))  # E4..E9
        after = raw[start + 1:start + m + 1]
        k = len(after)
        np.equal(a[:k], 0xE4, out=work[:k])
        np.equal(after, 0xB7, out=kept[:k])
        han -= int(count(np.logical_and(work[:k], kept[:k], out=work[:k])))  # E4 B7: U+4DC0..U+4DFF
        for i, (lo, hi) in enumerate(_CANDIDATE_LEADS):
            np.subtract(a, lo, out=t)
            np.less_equal(t, hi - lo, out=kept if i else work)
            if i:
                np.logical_or(work, kept, out=work)
    where = np.flatnonzero(work)  # lead bytes (few) or candidate lead bytes (many)
    if len(where):
        classes, lead_han = _lead_classes(np, raw, where + start)
        han += lead_han
        letter[where] = classes == _LETTER
        space[where] = classes == _SPACE
    return continuation, han


def _chunk_words(np: Any, letter: Any, space: Any, kept: Any, work: Any, after_space: bool) -> tuple[int, bool]:
    """The words that start in a chunk (`kept`: its letters and spaces), and whether its last letter or
    space is a space (`after_space`: that of the text before it)."""
    m = len(letter)
    count = np.count_nonzero
    if int(count(kept)) * _FEW_KEPT < m:  # few letters and spaces (CJK): their classes in order
        seq = np.compress(kept, letter)
        if not len(seq):
            return 0, after_space
        return int(count(np.greater(seq[1:], seq[:-1]))) + bool(seq[0] and after_space), not seq[-1]
    w = work[:m - 1]
    words = bool(letter[0] and after_space) + int(count(np.logical_and(letter[1:], space[:-1], out=w)))
    p = np.flatnonzero(np.greater(letter[1:], kept[:-1], out=w))  # an other byte at p, a letter after it
    for _ in range(_WALK):  # step back over other bytes to the nearest letter or space
        if not len(p):
            break
        p -= 1
        if p[0] < 0:
            words += after_space
            p = p[1:]
        words += int(count(space[p]))
        p = p[~kept[p]]
    if len(p):  # long runs of other bytes: the nearest letter or space looked up
        where = np.flatnonzero(kept)
        before = np.searchsorted(where, p) - 1
        words += int(count(before < 0)) * after_space + int(count(space[where[before[before >= 0]]]))
    tail = np.flatnonzero(kept[-64:])
    if len(tail):
        return words, bool(space[m - min(m, 64) + tail[-1]])
    where = np.flatnonzero(kept)
    return words, bool(space[where[-1]]) if len(where) else after_space


def _lead_classes(np: Any, raw: Any, where: Any) -> tuple[Any, int]:
    """The classes of the characters whose lead bytes are at `where` in `raw`, and how many are Han."""
    lead = raw[where].astype(np.uint16)
    second = np.take(raw, where + 1, mode="clip").astype(np.uint16) & 0x3F
    third = np.take(raw, where + 2, mode="clip").astype(np.uint16) & 0x3F
    bmp = np.where(lead >= 0xE0, ((lead & 0x0F) << 12) | (second << 6) | third, ((lead & 0x1F) << 6) | second)
    classes = _bmp_classes()[bmp]
    han = 0
    four = np.flatnonzero(lead >= 0xF0)
    if len(four):
        fourth = np.take(raw, where[four] + 3, mode="clip").astype(np.uint32) & 0x3F
        cp = (((lead[four] & 0x07).astype(np.uint32) << 18) | (second[four].astype(np.uint32) << 12)
              | (third[four].astype(np.uint32) << 6) | fourth)
        classes[four] = _OTHER
        han = _astral_han(np, cp)
    return classes, han + int(np.count_nonzero(classes == _HAN_CLASS))


def _astral_han(np: Any, cp: Any) -> int:
    """How many of the code points (all above U+FFFF) are Han; none is a letter or a space."""
    return sum(int(np.count_nonzero((cp >= lo) & (cp <= hi))) for lo, hi in HAN if lo > 0xFFFF)


def _code_point_stats(data: bytes) -> tuple[int, int, int]:
    """(chars, words, han) of short non-ASCII UTF-8 with numpy over its code points: fewer numpy calls than
    _numpy_stats, but each character costs more (a table lookup)."""
    import numpy as np

    text = data.decode("utf-8", "surrogatepass")
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    classes = _bmp_classes()[points & 0xFFFF]
    han = 0
    astral = np.flatnonzero(points > 0xFFFF)
    if len(astral):
        classes[astral] = _OTHER
        han = _astral_han(np, points[astral])
    han += int(np.count_nonzero(classes == _HAN_CLASS))
    seq = classes[(classes == _SPACE) | (classes == _LETTER)]  # a word starts at a letter after a space
    words = int(np.count_nonzero(seq[1:] > seq[:-1])) + bool(len(seq) and seq[0] == _LETTER)
    return len(text), words, han


def per_token(amount: int, tokens: int) -> float | None:
    """A ratio for display (never for money): amount per token, None when there are no tokens."""
    return round(amount / tokens, 4) if tokens else None
