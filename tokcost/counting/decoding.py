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
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_OK = {9, 10, 11, 12, 13, 27}  # tab, newlines, vertical tab, form feed, escape
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or b in _CONTROL_OK)  # deleted to count the others
# charset-normalizer's candidates within this much "chaos" (mess ratio, 0..1) of its best one, and
# this much "coherence" (how well the text fits a language's letter frequencies), are as plausible as
# it; if they decode the same bytes to different text, the evidence is ambiguous.
_PLAUSIBLE_CHAOS = 0.1
_PLAUSIBLE_COHERENCE = 0.05


@dataclass(frozen=True)
class Sniffed:
    encoding: str | None  # None: binary, or ambiguous (see `ambiguous`)
    reason: str = ""
    ambiguous: bool = False


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
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(head: bytes, complete: bool, wide_only: bool) -> Sniffed | None:
    """charset-normalizer's verdict on bytes that are not UTF-8 (None: no text encoding fits).

    `wide_only`: the bytes hold NULs, so only UTF-16/UTF-32 (without a BOM) can be text.
    """
    from charset_normalizer import from_bytes

    results = [r for r in from_bytes(head) if not wide_only or r.encoding.startswith(("utf_16", "utf_32"))]
    if not results:
        return None
    best = results[0]  # charset-normalizer's ranking: least chaos, then most coherence
    plausible = [r.encoding for r in results if r.chaos <= best.chaos + _PLAUSIBLE_CHAOS
                 and r.coherence >= best.coherence - _PLAUSIBLE_COHERENCE]
    readings: dict[str, str] = {}
    for encoding in plausible:
        text = _decodes(head, encoding, complete)
        if text is not None:
            readings.setdefault(text, codecs.lookup(encoding).name)
    if len(readings) == 1:
        return Sniffed(next(iter(readings.values())))
    if not readings:
        return None
    names = list(readings.values())
    return Sniffed(None, f"encoding is ambiguous: it reads as {', '.join(names[:4])} (different text each); "
                         "say which with --encoding", ambiguous=True)


def sniff(head: bytes, complete: bool) -> Sniffed:
    """Detect a file's encoding from its first bytes (`complete`: those are all its bytes).

    A BOM decides; then UTF-8; otherwise charset-normalizer judges (legacy CJK encodings, UTF-16/32
    without a BOM, single-byte code pages). Ambiguous evidence is refused, never guessed.
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return Sniffed(encoding)
    if b"\x00" in head:
        return _detect(head, complete, wide_only=True) or Sniffed(None, _binary_reason(head))
    if _looks_binary(head):
        return Sniffed(None, _binary_reason(head))
    if _decodes(head, "utf-8", complete) is not None:
        return Sniffed("utf-8")
    return _detect(head, complete, wide_only=False) or Sniffed(
        None, "not text in any encoding tokcost can detect (use --encoding)")


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
    Raises InputError for a missing or unreadable file, or one whose encoding is ambiguous; a binary
    one comes back with encoding None.
    """
    stream = _stdin() if path is None else _open(path)
    label = "<stdin>" if path is None else str(path)
    head = _read(stream, label, _SNIFF_BYTES)
    complete = len(head) < _SNIFF_BYTES
    sniffed = Sniffed(check_codec(encoding)) if encoding else sniff(head, complete)
    if sniffed.ambiguous:
        if path is not None:
            stream.close()
        raise InputError(f"{label}: {sniffed.reason}")
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
        raise UsageError(f"unknown encoding {encoding!r} (try utf-8, utf-16, gb18030, big5, shift_jis, "
                         "euc_jp, euc_kr)") from None
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        raise UsageError(f"--encoding {encoding!r} is not a text encoding (try utf-8, utf-16, gb18030, big5)")
    return info.name
