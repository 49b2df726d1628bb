"""Where a long text may be cut so that the chunk counts add up to the whole text's count.

Each tokenizer names its rule in tokenizers.toml (`chunking`); each rule is derived from that
tokenizer's own pre-tokenizer and proven by tests/test_cut_boundaries.py (every triple of a
multi-script alphabet of character classes, for every registered tokenizer). A rule is a set of
zero-width positions:

- after a newline followed by a non-whitespace character, not `/` (o200k-style patterns absorb
  `.\\n/`) — measured in shared/spec/performance-facts.md;
- "newline-strict": the newline must also follow a non-space (GPT-2-style patterns end a text with
  `\\s++$`, which glues `\\n\\n` together at a chunk's end); "sentencepiece" cuts there too, and its
  backend counts each chunk in the context its cut left it in (SentencePieceBackend.count_chunk);
- before a single space between two letters, where a text has no newline to cut at (one huge line):
  every pattern here starts a word with at most one space;
- "newline-latin" (DeepSeek V2): its pre-tokenizer attaches a space to the FOLLOWING word only for
  the letters of its own Latin/Greek/Cyrillic class (`\\s?[A-Za-zµÀ-Ö…]+`); before any other letter
  (º, Arabic, Hebrew, kana, Hangul jamo…) the space stays with the previous word, so a space cut is
  exact only before a letter of that class.

Several tokenizers counted in one pass use the intersection of their rules: `combine(rules)` names
it ("newline+newline-latin"), and `next_cut`/`rechunk` accept such a name.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

# Part of every cached count's identity: bump it whenever a rule changes where a text may be cut.
CUT_RULES_VERSION = 2

# DeepSeek V2's "Latin" letter class, copied from the second Split of its tokenizer.json's
# pre-tokenizer (tests/test_cut_boundaries.py checks it is still the vendor's).
DEEPSEEK_V2_LETTERS = (  # escaped: an editor must not normalize these characters
    "A-Za-z\xb5\xc0-\xd6\xd8-\xf6\xf8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373"
    "\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481"
    "\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf"
    "\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d"
    "\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-"
    "\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113"
    "\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149"
    "\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b"
    "\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a"
    "\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3\U000104d8-\U000104fb\U00010c80-"
    "\U00010cb2\U00010cc0-\U00010cf2\U000118a0-\U000118df\U0001e900-\U0001e943"
)

_AFTER_NEWLINE = r"(?<=\n)(?=[^\s/])"
_AFTER_NEWLINE_STRICT = r"(?<=[^\s]\n)(?=[^\s/])"
_BEFORE_SPACE = r"(?<=\p{L})(?= \p{L})"
_BEFORE_SPACE_LATIN = rf"(?<=\p{{L}})(?= [{DEEPSEEK_V2_LETTERS}])"

RULES = {
    "newline": f"{_AFTER_NEWLINE}|{_BEFORE_SPACE}",
    "newline-strict": f"{_AFTER_NEWLINE_STRICT}|{_BEFORE_SPACE}",
    "sentencepiece": f"{_AFTER_NEWLINE_STRICT}|{_BEFORE_SPACE}",
    "newline-latin": f"{_AFTER_NEWLINE}|{_BEFORE_SPACE_LATIN}",
}


def combine(rules: Iterable[str]) -> str:
    """The name of the rule that allows only the cuts every one of `rules` allows."""
    names = sorted(set(rules))
    if not names or "whole" in names:
        return "whole"
    return "+".join(names)


@cache
def _pattern(chunking: str) -> regex.Pattern:
    parts = chunking.split("+")
    unknown = [p for p in parts if p not in RULES]
    if unknown:
        raise ValueError(f"unknown cut rule {unknown[0]!r}; known: {sorted(RULES)} and 'whole'")
    import regex  # imported when a text is cut: a run served from the count cache never needs it

    # Every alternative is zero-width, so their concatenation matches where all of them do.
    return regex.compile("".join(f"(?:{RULES[p]})" for p in parts))


def next_cut(text: str, chunking: str, start: int) -> int:
    """The first exact cut position at or after `start`, or -1 if text[start:] has none."""
    if chunking == "whole":
        return -1
    found = _pattern(chunking).search(text, start)
    return found.start() if found else -1


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
