"""Reading user text: encoding detection, binary detection, and streaming decode in bounded memory."""
from __future__ import annotations

import codecs
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tokcost.errors import InputError, UsageError

BLOCK_BYTES = 1 << 20
_SNIFF_BYTES = 64 * 1024
SNIFF_BYTES = _SNIFF_BYTES  # the planner of byte ranges sniffs heads too
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# The most frequent Chinese characters, simplified and traditional forms. Text decoded with the right
# legacy codec is full of them; GBK bytes read as Big5 (or the reverse) give mostly rare characters.
_COMMON_HAN = set(
    "的一是不了人我在有他这這为為之大来來以个個中上们們到说說国國和地也子时時道出而要于於就下得可你年生"
    "自会會那后後能对對着著事其里裡所去行过過家十用发發天如然作方成者多日都三小军軍二无無同么麼经經法当"
    "當起与與好看学學进進种種将將还還分此心前面又定见見只主没沒公从從"
)
_CONTROL_OK = {9, 10, 11, 12, 13, 27}  # tab, newlines, vertical tab, form feed, escape
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in _CONTROL_OK)  # deleted to count the others


@dataclass(frozen=True)
class Sniffed:
    encoding: str | None  # None: binary
    reason: str = ""


def _bomless_utf16(head: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when the bytes read as printable UTF-16 text with a NUL in every other
    byte (Latin text without a byte-order mark), else None."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    for order, high, low in (("utf-16-le", head[1::2], head[0::2]), ("utf-16-be", head[0::2], head[1::2])):
        if high.count(0) < 0.6 * pairs or low.count(0) > 0.05 * pairs:
            continue
        text = _decodes(head[: 2 * pairs], order, True)
        if text and sum(c.isprintable() or c in "\t\n\r\f\v" for c in text) >= 0.95 * len(text):
            return order
    return None


def _binary_reason(head: bytes) -> str:
    order = _bomless_utf16(head)
    if order:
        return f"looks like UTF-16 without a byte-order mark (use --encoding {order})"
    return "binary (NUL or control bytes)"


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_CONTROL))  # at C speed: a folder of small files sniffs them all
    return controls > max(8, len(head) // 100)


def _decodes(head: bytes, encoding: str, complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(head, final=complete)
    except UnicodeDecodeError:
        return None


def _common_share(text: str) -> float:
    han = [c for c in text if "\u3400" <= c <= "\u9fff"]
    return sum(c in _COMMON_HAN for c in han) / len(han) if han else 0.0


def sniff(head: bytes, complete: bool) -> Sniffed:
    """Guess a file's encoding from its first bytes (`complete`: those are all its bytes)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return Sniffed(encoding)
    if _looks_binary(head):
        return Sniffed(None, _binary_reason(head))
    if _decodes(head, "utf-8", complete) is not None:
        return Sniffed("utf-8")
    candidates = {enc: t for enc in ("gb18030", "big5") if (t := _decodes(head, enc, complete)) is not None}
    if not candidates:
        return Sniffed(None, "not text in UTF-8, UTF-16, GB18030 or Big5 (use --encoding)")
    return Sniffed(max(candidates, key=lambda enc: _common_share(candidates[enc])))


def _decoded_blocks(stream: BinaryIO, head: bytes, encoding: str, label: str,
                    on_bytes: Callable[[int], None] | None) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, data = 0, head
    while True:
        if on_bytes and data:
            on_bytes(len(data))
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise InputError(f"{label}: not valid {encoding} near byte {offset + exc.start} "
                             "(use --encoding to say what it is)") from None
        except UnicodeError as exc:  # utf-16/utf-32 without a byte-order mark
            raise InputError(f"{label}: {exc} (use --encoding {encoding}-le or {encoding}-be)") from None
        if text:
            yield text
        if not data:
            return
        offset += len(data)
        data = _read(stream, label)


def _read(stream: BinaryIO, label: str, size: int = BLOCK_BYTES) -> bytes:
    try:
        return stream.read(size)
    except OSError as exc:
        stream.close()
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _stdin() -> BinaryIO:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("<stdin>: standard input is closed")
    return stream


def read_blocks(path: Path | None, encoding: str | None = None,
                on_bytes: Callable[[int], None] | None = None) -> tuple[Sniffed, Iterator[str]]:
    """Open a file (None: stdin) and return its encoding and a generator of decoded text blocks.

    `on_bytes(n)` is told of every n bytes read, for progress bars.
    Raises InputError for a missing or unreadable file; a binary one comes back with encoding None.
    """
    stream = _stdin() if path is None else _open(path)
    label = "<stdin>" if path is None else str(path)
    head = _read(stream, label, _SNIFF_BYTES)
    complete = len(head) < _SNIFF_BYTES
    sniffed = Sniffed(check_codec(encoding)) if encoding else sniff(head, complete)
    if sniffed.encoding is None:
        if path is not None:
            stream.close()
        return sniffed, iter(())
    return sniffed, _closing(stream, _decoded_blocks(stream, head, sniffed.encoding, label, on_bytes), path is not None)


def _closing(stream: BinaryIO, blocks: Iterator[str], close: bool) -> Iterator[str]:
    try:
        yield from blocks
    finally:
        if close:
            stream.close()


def check_codec(encoding: str) -> str:
    """The codec's name; a UsageError for unknown codecs and for bytes-to-bytes ones (base64, zlib...)."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r} (try utf-8, utf-16, gb18030, big5)") from None
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        raise UsageError(f"--encoding {encoding!r} is not a text encoding (try utf-8, utf-16, gb18030, big5)")
    return info.name
