"""Where a long text may be cut so that the chunk counts add up to the whole text's count.

Measured rule (shared/spec/performance-facts.md): cut after a newline that is followed by a
non-whitespace character; for o200k-style patterns not before `/` (they absorb `.\\n/`).
GPT-2-style patterns (p50k, Claude legacy) end a text with `\\s++$`, which glues `\\n\\n` together at a
chunk's end, so their newline must also follow a non-space. Where a text has no newline to cut at
(one huge line), a cut before a single space between two letters is exact too: every pattern here
starts a word with at most one space. sentencepiece tokenizers cut only there or after a newline,
and their backend counts the chunk in that context (see SentencePieceBackend.count_chunk).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import regex

# Part of every cached count's identity: bump it whenever a rule changes where a text may be cut.
CUT_RULES_VERSION = 1

_NEWLINE_CUTS = {
    "newline": regex.compile(r"(?<=\n)(?=[^\s/])"),
    "newline-strict": regex.compile(r"(?<=[^\s]\n)(?=[^\s/])"),
    "sentencepiece": regex.compile(r"(?<=[^\s]\n)(?=[^\s/])"),
}
_SPACE_CUT = regex.compile(r"(?<=\p{L}) (?=\p{L})")


def next_cut(text: str, chunking: str, start: int) -> int:
    """The first exact cut position at or after `start`, or -1 if text[start:] has none."""
    if chunking == "whole":
        return -1
    best = -1
    for pattern in (_NEWLINE_CUTS[chunking], _SPACE_CUT):
        found = pattern.search(text, start, best if best > 0 else len(text))
        if found:
            best = found.start()
    return best


def rechunk(blocks: Iterable[str], chunking: str, target: int) -> Iterator[str]:
    """Regroup decoded text blocks into chunks of about `target` characters, cut only where exact.

    A stretch with no exact cut point at all stays in one chunk (memory then grows with it).
    """
    buffer, searched = "", 0
    for block in blocks:
        buffer += block
        while len(buffer) > target:
            cut = next_cut(buffer, chunking, max(target, searched))
            if cut < 0:
                searched = len(buffer) - 1  # do not rescan a cut-less stretch
                break
            yield buffer[:cut]
            buffer, searched = buffer[cut:], 0
    if buffer:
        yield buffer
