"""Byte ranges of UTF-8 files, cut only where a count stays exact, found by reading small windows.

The cut RULES live in tokcost.counting.cuts (`next_cut` on text); this module only applies them to
a file without reading it all: near every target offset it decodes a small window of bytes and asks
`next_cut` for the first exact cut there. A cut is accepted only with context on both sides inside
the window (or the file's end), so a rule looking a few characters back or ahead sees what the whole
text would show it.
"""
from __future__ import annotations

import itertools
from typing import BinaryIO

from tokcost.counting.cuts import next_cut

RANGE_BYTES = 4 << 20  # a worker's share per task: big enough to amortise, small enough to balance
_BEFORE = 256  # bytes of context read before a target offset
_AFTER = 64  # characters a found cut must leave after it inside the window (else: read more)
_WINDOW = 64 * 1024


def _char_start(data: bytes, i: int) -> int:
    """The first offset at or after `i` that is not a UTF-8 continuation byte."""
    while i < len(data) and 0x80 <= data[i] < 0xC0:
        i += 1
    return i


def next_cut_offset(stream: BinaryIO, size: int, rule: str, offset: int) -> int:
    """The first exact cut at or after byte `offset` of a UTF-8 file, or -1 if there is none."""
    window = _WINDOW
    while True:
        low = max(0, offset - _BEFORE)
        stream.seek(low)
        data = stream.read(offset - low + window)
        at_end = low + len(data) >= size
        first = _char_start(data, 0) if low else 0
        target = _char_start(data, offset - low)
        if target < len(data):
            before = data[first:target].decode("utf-8", "surrogateescape")
            text = before + data[target:].decode("utf-8", "surrogateescape")
            cut = next_cut(text, rule, len(before))
            if cut >= 0 and (at_end or cut <= len(text) - _AFTER):
                return low + first + len(text[:cut].encode("utf-8", "surrogateescape"))
        if at_end:
            return -1
        window *= 4


def cut_offsets(stream: BinaryIO, size: int, rule: str, start: int = 0, target: int = RANGE_BYTES) -> list[int]:
    """Offsets `start < c1 < c2 < ... < size` where the file may be cut, about `target` bytes apart.

    A stretch without any exact cut (one huge line of CJK text, say) stays in one range.
    """
    cuts: list[int] = []
    if rule == "whole":
        return cuts
    offset = start + target
    while offset < size - target // 4:
        cut = next_cut_offset(stream, size, rule, offset)
        if cut < 0 or cut >= size:
            break
        cuts.append(cut)
        offset = cut + target
    return cuts


def byte_ranges(stream: BinaryIO, size: int, rule: str, start: int = 0,
                target: int = RANGE_BYTES) -> list[tuple[int, int]]:
    bounds = [start, *cut_offsets(stream, size, rule, start, target), size]
    return list(itertools.pairwise(bounds))
