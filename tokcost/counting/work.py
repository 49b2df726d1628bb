"""What a worker does with a task: read its byte ranges itself, decode, count and measure.

A task is a list of pieces: whole small files (the worker also hashes them, looks them up in the
count cache and sniffs their encoding) or byte ranges of large UTF-8 files cut by the main process
(tokcost.counting.ranges). No text crosses a pipe: only paths and offsets go out, and numbers come back.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from tokcost.counting import decoding
from tokcost.counting.decoding import SNIFF_BYTES, sniff
from tokcost.counting.engine import Counted
from tokcost.counting.measures import TextStats, text_stats, utf8_stats
from tokcost.digest import sha256
from tokcost.errors import InputError
from tokcost.tokenizers import get_tokenizer

_UTF8 = ("utf-8", "utf-8-sig")


@dataclass(frozen=True)
class Piece:
    """Bytes [start, end) of input number `index` (end -1: the whole file, sniffed by the worker)."""

    index: int
    path: str
    names: tuple[str, ...]
    start: int = 0
    end: int = -1
    size: int = 0  # of a whole file, when it was planned
    first: bool = True  # the text's first range (sentencepiece counts later ones in context)
    measure: bool = True
    encoding: str | None = None  # forced or sniffed; None: sniff
    cache: tuple[str, str | None, dict[str, str]] | None = None  # (cache root, --encoding, identities)
    fast: bool = True  # count with the faster engines (Backend.count): the value the identities were made with


@dataclass
class PieceResult:
    index: int
    size: int = 0
    counted: Counted | None = None
    reason: str = ""  # not counted: binary, ...
    error: str = ""  # InputError text
    digest: str | None = None
    key: str | None = None  # its count cache key (whole files only)
    cached: Counted | None = None  # what the count cache already held (whole files only)
    missing: list[str] = field(default_factory=list)
    stored: bool = False  # its fresh counts are in the count cache already (whole files: see _store)


def count_task(pieces: list[Piece]) -> list[PieceResult]:
    return [count_piece(p) for p in pieces]


def count_piece(piece: Piece) -> PieceResult:
    result = PieceResult(piece.index)
    try:
        data = _read(piece)
    except InputError as exc:
        result.error = str(exc).removeprefix(f"{piece.path}: ")
        return result
    except OSError as exc:
        result.error = f"cannot read ({exc.strerror or exc})"
        return result
    result.size = len(data)
    names = piece.names
    if piece.end < 0:
        names = _lookup(piece, data, result)
        if not names:
            return result
    encoding = piece.encoding
    if encoding is None:
        sniffed = sniff(data[:SNIFF_BYTES], len(data) <= SNIFF_BYTES)
        if sniffed.encoding is None:
            if sniffed.ambiguous:  # never guessed, never skipped quietly: an error naming --encoding
                result.error = sniffed.reason
            else:
                result.reason = sniffed.reason
            return result
        encoding = sniffed.encoding
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(data, final=True)
    except UnicodeDecodeError as exc:
        result.error = (f"not valid {encoding} near byte {piece.start + exc.start} "
                        "(use --encoding to say what it is)")
        return result
    except UnicodeError as exc:  # utf-16/utf-32 without a byte-order mark
        result.error = f"{exc} (use --encoding {encoding}-le or {encoding}-be)"
        return result
    utf8 = _utf8(data, encoding)
    tokens = count_tokens(names, text, piece.first, piece.fast, utf8)
    stats = TextStats() if not piece.measure else utf8_stats(utf8) if utf8 is not None else text_stats(text)
    result.counted = Counted(tokens, stats, encoding)
    if piece.cache is not None and result.key is not None and tokens:
        _store(piece.cache[0], result.key, piece.cache[2], result.counted)
        result.stored = True
    return result


def count_tokens(names: tuple[str, ...], text: str, first: bool, fast: bool = True,
                 utf8: bytes | None = None) -> dict[str, int]:
    """The one place a piece is tokenized (`first`: the text's start; `fast`: see Backend.count_chunk;
    `utf8`: the text's UTF-8 bytes when the input was UTF-8, for engines that count bytes)."""
    return {n: get_tokenizer(n).count_chunk(text, first, fast, utf8) for n in names}


def _read(piece: Piece) -> bytes:
    with decoding._open(Path(piece.path)) as stream:
        stream.seek(piece.start)
        left = piece.end - piece.start if piece.end >= 0 else -1
        blocks = []
        while left:
            block = stream.read(decoding.BLOCK_BYTES if left < 0 else min(left, decoding.BLOCK_BYTES))
            if not block:
                break
            blocks.append(block)
            left -= len(block) if left > 0 else 0
        return b"".join(blocks)


def _utf8(data: bytes, encoding: str) -> bytes | None:
    """The decoded text's UTF-8 bytes, when they are `data` (less a byte-order mark), else None."""
    if encoding not in _UTF8:
        return None
    return data[3:] if encoding == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf") else data


def _lookup(piece: Piece, data: bytes, result: PieceResult) -> tuple[str, ...]:
    """For a whole file: hash it, take what the count cache holds, return the names still to count."""
    if piece.cache is None:
        return piece.names
    from tokcost.counting.cache import CountCache

    root, encoding, identities = piece.cache
    result.digest = sha256(data)
    result.key = CountCache.key(result.digest, encoding)
    found, missing = CountCache(Path(root)).get(result.key, identities)
    result.cached = found
    todo = tuple(n for n in piece.names if n in missing or n not in identities)
    result.missing = list(todo)
    return todo


def _store(root: str, key: str, identities: dict[str, str], counted: Counted) -> None:
    """A whole file's fresh counts into the count cache, by the worker: creating thousands of small
    files is slow on some filesystems (~0.4 ms each), and here it runs in parallel, off the main thread."""
    from tokcost.counting.cache import CountCache

    CountCache(Path(root)).put(key, identities, counted)
