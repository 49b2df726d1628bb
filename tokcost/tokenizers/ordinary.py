"""One rule for added, special and control tokens: in a user's text their strings are ordinary text.

Vendors' libraries match some of these strings as single tokens (HF `added_tokens`, special or not:
DeepSeek V3's `<｜User｜>`, MiniMax's `<think>`; sentencepiece user-defined symbols: Mistral v3's
`[REFERENCE_DOC_1]`), but an API bills a user's text as the text it is: chat markup is added by the
vendor, and a prompt that contains the markup's characters does not get the vendor's markup tokens.
So tokcost builds every tokenizer without them: the text is split by the model alone.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

# Part of every cached count's identity: bump it when this rule changes what a text counts.
RULES_VERSION = 1
_MARKUP = re.compile(r"^(?:\[[^\[\]]+\]|<[^<>]+>)$")  # `[INST]`, `<s>`: not J2's word pieces (`THU`)
_USER_DEFINED, _UNUSED = 4, 5


def tokenizer_json(path: Path) -> str:
    """A tokenizer.json with its `added_tokens` removed (its model, normalizer, pre-tokenizer kept)."""
    return without_added_tokens(path.read_text("utf-8"))


def without_added_tokens(text: str) -> str:
    data = json.loads(text)
    data["added_tokens"] = []
    return json.dumps(data, ensure_ascii=False)


def _varint(data: bytes | bytearray, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(data: bytes | bytearray, start: int, end: int):
    """(field number, wire type, value start, value end) of each field of a protobuf message."""
    pos = start
    while pos < end:
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, after = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            after = pos + length
        elif wire == 5:
            after = pos + 4
        elif wire == 1:
            after = pos + 8
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, pos, after
        pos = after


def sentencepiece_model(path: Path) -> tuple[bytes, list[str]]:
    """A sentencepiece model whose markup-shaped user-defined symbols are marked unused (so the
    model segments their text like any other), and those symbols. Control symbols (`<s>`, `[INST]`)
    are never matched in text by sentencepiece, so they need no change.
    """
    data = bytearray(path.read_bytes())
    changed: list[str] = []
    for field, wire, start, end in _fields(data, 0, len(data)):
        if field != 1 or wire != 2:  # ModelProto.pieces
            continue
        piece, type_at = "", None
        for inner, inner_wire, vstart, vend in _fields(data, start, end):
            if inner == 1 and inner_wire == 2:
                piece = data[vstart:vend].decode("utf-8", "replace")
            elif inner == 3 and inner_wire == 0 and data[vstart] == _USER_DEFINED:
                type_at = vstart
        if type_at is not None and _MARKUP.match(piece):
            data[type_at] = _UNUSED
            changed.append(piece)
    return bytes(data), changed
