"""Counting one input after another with one Engine and the count cache (shared by count/cost/check)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Self

from tokcost.counting.cache import CountCache, file_digest, tokenizer_identity
from tokcost.counting.engine import Counted, Engine
from tokcost.counting.inputs import Input
from tokcost.counting.decoding import read_blocks
from tokcost.counting.pool import WorkerDied
from tokcost.tokenizers import fast


def input_bytes(items: Iterable[Input], text: str | None = None) -> int | None:
    """How much text a call will count (None when stdin makes it unknown)."""
    items = list(items)
    if any(i.path is None for i in items):
        return None
    sizes = (i.path.stat().st_size for i in items if i.path is not None and i.path.is_file())
    return sum(sizes) + len(text or "")


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
        """The counts of one file or stdin, or why it was not counted ("binary ...", "empty").

        Raises InputError for a missing, unreadable or wrongly encoded input.
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
            self.on_bytes(item.path.stat().st_size)
        if found is not None:
            counted = Counted({n: found.tokens.get(n, counted.tokens.get(n, 0)) for n in self.names},
                              found.stats)
        return counted if counted.stats.chars else "empty"

    def _cached(self, item: Input) -> tuple[str | None, Counted | None, list[str]]:
        names = list(self.names)
        if self.cache is None or item.path is None or not item.path.is_file():
            return None, None, names
        try:
            key = CountCache.key(file_digest(item.path), self.encoding)
        except OSError:
            return None, None, names  # reading it will report the problem
        found, missing = self.cache.get(key, self.identities)
        return key, found, [n for n in names if n in missing or n not in self.identities]

    def _count_fresh(self, item: Input, names: list[str]) -> Counted | str:
        sniffed, blocks = read_blocks(item.path, self.encoding, self.on_bytes)
        if sniffed.encoding is None:
            return sniffed.reason
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
