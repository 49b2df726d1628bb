"""The counting engine: decoded text blocks -> exact token counts per tokenizer, in bounded memory.

Text is regrouped into chunks cut only where every tokenizer's count stays exact (tokcost.counting.cuts);
chunks are counted in this process, or for large inputs by workers: threads of this process when
every tokenizer counts in parallel in threads (tokcost.counting.threads), else worker processes.
"""
from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokcost.counting.measures import TextStats, text_stats
from tokcost.tokenizers import get_tokenizer

if TYPE_CHECKING:
    from tokcost.counting.pool import WorkerPool
    from tokcost.counting.threads import ThreadWorkers
    from tokcost.tokenizers.backends import Backend

CHUNK_CHARS = 256 * 1024
LONG_CALL_CHARS = 4 * CHUNK_CHARS


@dataclass
class Counted:
    tokens: dict[str, int] = field(default_factory=dict)
    stats: TextStats = field(default_factory=TextStats)
    encoding: str | None = None  # how the input was decoded (one input's; not added up)

    def add(self, other: Counted) -> None:
        for name, n in other.tokens.items():
            self.tokens[name] = self.tokens.get(name, 0) + n
        self.stats += other.stats


def chunking_groups(backends: Iterable[Backend]) -> dict[str, tuple[str, ...]]:
    """Tokenizers grouped so that each group shares one cut rule that is exact for all of them.

    Tokenizers that can be cut share one rule, the intersection of theirs (cuts.combine); those that
    cannot ("whole") form their own group, counted in a separate pass.
    """
    from tokcost.counting.cuts import combine

    backends = list(backends)
    cuttable = [b for b in backends if b.chunking != "whole"]
    groups: dict[str, tuple[str, ...]] = {}
    if cuttable:
        groups[combine(b.chunking for b in cuttable)] = tuple(b.name for b in cuttable)
    whole = tuple(b.name for b in backends if b.chunking == "whole")
    if whole:
        groups["whole"] = whole
    return groups


def count_chunk(chunk: str, first: bool, names: tuple[str, ...], measure: bool = True,
                fast: bool = True) -> Counted:
    """Token counts of one chunk (`fast`: see Backend.count), and its text measures unless another pass takes them."""
    tokens = {n: get_tokenizer(n).count_chunk(chunk, first, fast) for n in names}
    return Counted(tokens, text_stats(chunk) if measure else TextStats())


def _count_task(task: tuple[str, bool, tuple[str, ...], bool, bool]) -> Counted:
    return count_chunk(*task)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


BlockSource = Callable[[], Iterable[str]]


class Engine:
    """Counts texts with a fixed set of tokenizers; reuses one worker pool across inputs.

    `fast`: whether the faster engines count (Backend.count), here and in every worker: the count
    cache's identities must be made with the same value (tokenizer_identity).
    """

    def __init__(self, names: Iterable[str], jobs: int | None = None, fast: bool = True) -> None:
        self.names = tuple(dict.fromkeys(names))
        self.jobs = jobs or default_jobs()
        self.fast = fast
        self._pool: WorkerPool | ThreadWorkers | None = None

    @functools.cached_property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """Built on first use: a run served from the count cache loads no tokenizer at all."""
        return chunking_groups(get_tokenizer(n) for n in self.names)

    def count_source(self, open_blocks: BlockSource, names: Iterable[str] | None = None) -> Counted:
        """Count a text that `open_blocks()` yields in decoded blocks (called once per cut rule).

        `names` limits the count to some of the engine's tokenizers (the others are cached).
        """
        wanted = self.names if names is None else tuple(names)
        groups = self.groups if names is None else chunking_groups(get_tokenizer(n) for n in wanted)
        total = Counted({n: 0 for n in wanted})
        for i, (rule, names) in enumerate(groups.items()):
            total.add(self._count_pass(open_blocks(), rule, names, measure=i == 0))  # measures: once
        return total

    def count_text(self, text: str) -> Counted:
        return self.count_source(lambda: [text])

    def _count_pass(self, blocks: Iterable[str], rule: str, names: tuple[str, ...], measure: bool) -> Counted:
        from tokcost.counting.cuts import rechunk

        total = Counted()
        chunks = rechunk(blocks, rule, CHUNK_CHARS)
        tasks = ((chunk, i == 0, names, measure, self.fast) for i, chunk in enumerate(chunks))
        head = list(itertools.islice(tasks, 2))
        # One long library call (a whole text) runs in a worker too: in this process it would hold off
        # a Ctrl-C until it returns.
        parallel = len(head) == 2 and self.jobs > 1
        if not parallel and not (len(head) == 1 and len(head[0][0]) > LONG_CALL_CHARS):
            results: Iterable[Counted] = map(_count_task, itertools.chain(head, tasks))
        else:
            results = self.pool().map(_count_task, itertools.chain(head, tasks), 2 * self.jobs)
        for part in results:
            total.add(part)
        return total

    def pool(self) -> WorkerPool | ThreadWorkers:
        """The workers, started on first use: threads that share one load of the tokenizers when they
        all count in parallel in threads (engines.toml count_in_threads), else processes that each
        load them, in parallel."""
        if self._pool is None:
            from tokcost.counting.pool import WorkerPool
            from tokcost.counting.threads import ThreadWorkers
            from tokcost.tokenizers.registry import counts_in_threads

            threads = self.jobs > 1 and all(counts_in_threads(n, self.fast) for n in self.names)
            self._pool = (ThreadWorkers if threads else WorkerPool)(self.jobs, _warm, (self.names, self.fast))
        return self._pool

    def close(self, kill: bool = False) -> None:
        """Release the workers; `kill` ends them at once (after an error or an interrupt)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.close(kill)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(kill=exc_type is not None)


def _warm(names: tuple[str, ...], fast: bool) -> None:
    for n in names:
        get_tokenizer(n).prepare(fast)
