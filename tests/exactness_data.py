"""Shared test material for the exactness proofs: vocabularies as text, and the multilingual text."""
from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path

from tokcost.tokenizers import tokenizer_spec
from tokcost.tokenizers.assets import asset_path

MULTILINGUAL_DIR = Path(__file__).parent / "data" / "multilingual"
# Contexts each vocabulary entry is counted in: alone (tiktoken returns a whole piece found in the
# vocabulary as one token even when no merge reaches it), and glued to a letter or a Han character
# (so the BPE merges must build it), which is where an engine that emits unreachable entries differs.
CONTEXTS = (("", ""), ("", "a"), ("a", ""), ("", "的"))


def _byte_level_decoder() -> dict[str, int]:
    """GPT-2's byte-to-unicode table, inverted: the characters of a byte-level BPE vocab -> bytes."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = list(kept), 0
    for b in range(256):
        if b not in kept:
            kept.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(kept, chars, strict=True)}


def _tiktoken_entries(path: Path) -> list[bytes]:
    return [base64.b64decode(line.split()[0]) for line in path.read_bytes().splitlines() if line]


def _hf_entries(path: Path) -> list[bytes]:
    decoder = _byte_level_decoder()
    vocab = json.loads(path.read_bytes())["model"]["vocab"]
    return [bytes(decoder[c] for c in piece) for piece in vocab if all(c in decoder for c in piece)]


@cache
def vocabulary_texts(name: str) -> tuple[str, ...]:
    """Every entry of a byte-level BPE vocabulary that is valid UTF-8 on its own, as text."""
    spec = tokenizer_spec(name)
    path = asset_path(name)
    entries = _tiktoken_entries(path) if spec.format == "tiktoken" else _hf_entries(path)
    texts = []
    for entry in entries:
        try:
            texts.append(entry.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return tuple(texts)


@cache
def multilingual_texts() -> dict[str, str]:
    """The hand-written multilingual test text, one file per language or script."""
    return {p.stem: p.read_text("utf-8") for p in sorted(MULTILINGUAL_DIR.glob("*.txt"))}


def multilingual_text(size: int) -> str:
    """The multilingual files, interleaved and repeated to about `size` characters."""
    texts = list(multilingual_texts().values())
    unit = "\n".join(texts) + "\n" + "".join(t.replace("\n", " ") for t in texts) + "\n"
    return (unit * (size // len(unit) + 1))[:size]
