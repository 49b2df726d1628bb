"""Counting one input after another with one Engine and the count cache (shared by count/cost/check)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Self

from tokcost.counting.cache import CountCache, file_digest, tokenizer_identity
from tokcost.counting.engine import Counted, Engine
from tokcost.counting.inputs import Input
from tokcost.counting.decoding import read_blocks
from tokcost.counting.pool import WorkerDied
from tokcost.errors import InputError
from tokcost.tokenizers import fast, get_tokenizer, tokenizer_names, tokenizer_spec

# A tokenizer that cannot be cut (J2: see tokenizers.toml) holds a whole input in memory, and its
# library needs ~20-30 bytes of memory per byte of text on top: inputs larger than this are refused
# rather than grow the process to gigabytes.
WHOLE_LIMIT_BYTES = 10_000_000


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0  # reading it will report the problem


def input_bytes(items: Iterable[Input], text: str | None = None) -> int | None:
    """How much text a call will count (None when stdin makes it unknown)."""
    items = list(items)
    if any(i.path is None for i in items):
        return None
    return sum(_size(i.path) or 0 for i in items if i.path is not None) + len(text or "")


class CountSession:
    """An Engine, the count cache and the decoding options for every input of one call."""

    def __init__(self, names: Iterable[str], *, jobs: int | None = None, encoding: str | None = None,
                 cache: bool = True, on_bytes: Callable[[int], None] | None = None,
                 size_hint: int | None = None) -> None:
        self.engine = Engine(names, jobs)
        self.names = self.engine.names
        self.encoding, self.on_bytes = encoding, on_bytes
        self.cache = CountCache() if cache else None
        fast.prefer(size_hint)  # first: it decides which engine counts, part of each identity
        self.identities = {n: i for n in self.names if (i := tokenizer_identity(n))} if cache else {}

    def count_text(self, text: str) -> Counted:
        return self.engine.count_text(text)

    def count_input(self, item: Input) -> Counted | str:
        """The counts of one file or stdin (an empty one counts 0), or why it was not counted ("binary ...").

        Raises InputError for a missing, unreadable or wrongly encoded input, or one too large for a
        tokenizer that counts inputs whole.
        """
        key, found, todo = self._cached(item)
        counted = Counted({n: 0 for n in todo})
        if todo:
            try:
                fresh = self._count_fresh(item, todo)
            except WorkerDied as exc:
                raise WorkerDied(f"{item.label}: {exc}; nothing was counted") from None
            if isinstance(fresh, str):
                return fresh
            counted = fresh
            if key and self.cache is not None:
                self.cache.put(key, self.identities, counted)
        elif self.on_bytes and item.path is not None:
            self.on_bytes(_size(item.path) or 0)
        if found is not None:
            counted = Counted({n: found.tokens.get(n, counted.tokens.get(n, 0)) for n in self.names},
                              found.stats)
        return counted

    def _cached(self, item: Input) -> tuple[str | None, Counted | None, list[str]]:
        names = list(self.names)
        if self.cache is None or item.path is None:
            return None, None, names
        try:
            if not item.path.is_file():
                return None, None, names
            key = CountCache.key(file_digest(item.path), self.encoding)
        except OSError:
            return None, None, names  # reading it will report the problem
        found, missing = self.cache.get(key, self.identities)
        return key, found, [n for n in names if n in missing or n not in self.identities]

    def _whole(self, names: Iterable[str]) -> list[str]:
        """The tokenizers that count each input whole (read from the registry: loading them all
        first would cost seconds before a too-large input is refused)."""
        return [n for n in names if _chunking(n) == "whole"]

    def _count_fresh(self, item: Input, names: list[str]) -> Counted | str:
        whole = self._whole(names)
        if whole and item.path is not None and (_size(item.path) or 0) > WHOLE_LIMIT_BYTES:
            raise InputError(_too_large(item.label, whole, f"{(_size(item.path) or 0) / 1e6:.1f} MB"))
        sniffed, blocks = read_blocks(item.path, self.encoding, self.on_bytes)
        if sniffed.encoding is None:
            return sniffed.reason
        if item.path is None and whole:
            blocks = _limited(blocks, item.label, whole)
        if item.path is None and len(self.engine.groups) > 1:
            text = "".join(blocks)  # stdin cannot be read twice
            opener = lambda: [text]  # noqa: E731
        else:
            pending = [blocks]  # first pass reads what is open; a second pass reopens the file
            opener = lambda: pending.pop() if pending else read_blocks(item.path, self.encoding)[1]  # noqa: E731
        return self.engine.count_source(opener, names)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.engine.close(kill=exc_type is not None)


def _chunking(name: str) -> str:
    return tokenizer_spec(name).chunking if name in tokenizer_names() else get_tokenizer(name).chunking


def _too_large(label: str, whole: list[str], size: str) -> str:
    names = ", ".join(whole)
    return (f"{label}: {names} count{'s' if len(whole) == 1 else ''} each input whole (no exact cut point), and "
            f"this input is {size}: over the {WHOLE_LIMIT_BYTES / 1e6:g} MB limit that keeps memory bounded; "
            f"split it or leave {names} out")


def _limited(blocks: Iterable[str], label: str, whole: list[str]) -> Iterator[str]:
    """Stdin blocks, refused once they pass the size a whole-input tokenizer may hold (UTF-8 bytes)."""
    seen = 0
    for block in blocks:
        seen += len(block.encode("utf-8", "surrogatepass"))
        if seen > WHOLE_LIMIT_BYTES:
            raise InputError(_too_large(label, whole, f"more than {WHOLE_LIMIT_BYTES / 1e6:g} MB"))
        yield block
