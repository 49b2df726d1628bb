"""Text measures that sit beside token counts: characters, UTF-8 bytes, Latin words, Han characters.

Definitions (the test suite proves the fast paths equal them on every corpus and on random text):
- chars: Unicode code points; bytes: length in UTF-8;
- words: whitespace-separated runs (`str.split()`) that contain a Latin letter (the unit of
  "0.75 words per token");
- han: CJK unified ideographs, `\\p{Unified_Ideograph}` (the unit of "1.45 / 0.8 Chinese characters
  per token").
They are taken from the UTF-8 bytes at C speed: `bytes.translate` / `bytes.count` for ASCII text,
numpy over the lead bytes of multi-byte characters otherwise; never a second pass over the text.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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
_NUMPY_FROM = 2048  # below this many bytes of non-ASCII text, plain Python is quicker than numpy


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
_NOT_CONTINUATION = bytes(c for c in range(256) if not 0x80 <= c < 0xC0)
# words: whitespace -> b" ", Latin letters -> b"L", everything else deleted; then count b" L".
_WORD_TABLE = bytes(32 if c in _SPACES else 76 if c in _LETTERS else c for c in range(256))
_WORD_DELETE = bytes(c for c in range(256) if c not in _SPACES | _LETTERS)
_ASCII_CLASS = bytes(_SPACE if c in _SPACES else _LETTER if c in _LETTERS else _OTHER for c in range(256))
_LEAD_LENGTH = bytes(2 if 0xC0 <= c < 0xE0 else 3 if 0xE0 <= c < 0xF0 else 4 if c >= 0xF0 else 0 for c in range(256))


def text_stats(text: str) -> TextStats:
    """The measures of a decoded text (lone surrogates, from `--text`, count as other characters)."""
    stats = utf8_stats(text.encode("utf-8", "surrogatepass"))
    stats.chars = len(text)
    return stats


def utf8_stats(data: bytes) -> TextStats:
    """The measures of UTF-8 bytes (valid UTF-8: the decoded text's measures)."""
    chars = len(data) - len(data.translate(None, _NOT_CONTINUATION))
    if data.isascii():
        return TextStats(chars, len(data), _ascii_words(data), 0)
    if len(data) < _NUMPY_FROM:
        words, han = _python_words_han(data.decode("utf-8", "surrogatepass"))
    else:
        words, han = _numpy_words_han(data)
    return TextStats(chars, len(data), words, han)


def _ascii_words(data: bytes) -> int:
    marks = data.translate(_WORD_TABLE, _WORD_DELETE)
    return marks.count(b" L") + marks.startswith(b"L")


@cache
def _bmp_classes():
    import numpy as np

    classes = np.zeros(0x10000, np.uint8)
    for ranges, value in ((WHITESPACE, _SPACE), (LATIN, _LETTER), (HAN, _HAN_CLASS)):
        for lo, hi in ranges:
            if lo <= 0xFFFF:
                classes[lo:min(hi, 0xFFFF) + 1] = value
    return classes


def _class_of(cp: int) -> int:
    for ranges, value in ((WHITESPACE, _SPACE), (LATIN, _LETTER), (HAN, _HAN_CLASS)):
        if any(lo <= cp <= hi for lo, hi in ranges):
            return value
    return _OTHER


def _python_words_han(text: str) -> tuple[int, int]:
    words = han = 0
    previous = _SPACE
    for char in text:
        kind = _class_of(ord(char)) if ord(char) > 127 else _ASCII_CLASS[ord(char)]
        if kind == _HAN_CLASS:
            han += 1
        elif kind:
            words += kind == _LETTER and previous == _SPACE
            previous = kind
    return words, han


def _numpy_words_han(data: bytes) -> tuple[int, int]:
    import numpy as np

    raw = np.frombuffer(data + b"\0\0\0", np.uint8)
    classes = np.frombuffer(data.translate(_ASCII_CLASS), np.uint8).copy()
    leads = np.frombuffer(data.translate(_LEAD_LENGTH), np.uint8)
    bmp = _bmp_classes()
    two = np.flatnonzero(leads == 2)
    classes[two] = bmp[((raw[two].astype(np.uint32) & 0x1F) << 6) | (raw[two + 1] & 0x3F)]
    three = np.flatnonzero(leads == 3)
    first, second = raw[three].astype(np.uint32), raw[three + 1].astype(np.uint32)
    classes[three] = bmp[((first & 0x0F) << 12) | ((second & 0x3F) << 6) | (raw[three + 2] & 0x3F)]
    han = int(np.count_nonzero(classes[three] == _HAN_CLASS))
    four = np.flatnonzero(leads == 4)
    if len(four):
        b0, b1, b2 = (raw[four + i].astype(np.uint32) for i in range(3))
        cp = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (raw[four + 3] & 0x3F)
        han += sum(int(np.count_nonzero((cp >= lo) & (cp <= hi))) for lo, hi in HAN if lo > 0xFFFF)
    kept = classes[(classes == _SPACE) | (classes == _LETTER)]
    words = int(np.count_nonzero((kept[1:] == _LETTER) & (kept[:-1] == _SPACE)))
    return words + int(len(kept) > 0 and kept[0] == _LETTER), han


def per_token(amount: int, tokens: int) -> float | None:
    """A ratio for display (never for money): amount per token, None when there are no tokens."""
    return round(amount / tokens, 4) if tokens else None
