"""Counting inputs one call after another with one Engine and the count cache (count/cost/check).

Files are counted by worker processes that read them themselves (tokcost.counting.work): this
process only stats the inputs, recognises unchanged ones (tokcost.counting.statindex), finds the
exact cut points of large UTF-8 files by reading small windows (tokcost.counting.ranges) and hands
out (path, start, end) pieces, many small files to a task. Stdin, pipes and large files in other
encodings are decoded here and sent as text (Engine.count_source).
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Self

from tokcost.counting.cache import CountCache, tokenizer_identity
from tokcost.counting.engine import Counted, Engine, chunking_groups
from tokcost.counting.inputs import Input
from tokcost.counting.measures import TextStats
from tokcost.counting.statindex import StatIndex
from tokcost.digest import sha256_file
from tokcost.errors import InputError, NotText
from tokcost.tokenizers import fast, get_tokenizer, tokenizer_names, tokenizer_spec

# Planning, reading and counting load on first use (ranges, decoding, work, pool): a run whose inputs
# the stat index recognises needs none of them.
if TYPE_CHECKING:
    from tokcost.counting.work import Piece, PieceResult

POOL_FROM_BYTES = 1 << 20  # less than this to count: this process counts it (workers cost more to start)
TASK_FILES = 256  # small files per task (and at most ranges.RANGE_BYTES of them)
_LONG_PIECE_BYTES = 4 << 20  # a whole-text piece this large runs in a worker even with --jobs 1 (Ctrl-C)

Result = Counted | str | InputError


# A tokenizer that cannot be cut (J2: see tokenizers.toml) holds a whole input in memory, and its
# library needs ~20-30 bytes of memory per byte of text on top: inputs larger than this are refused
# rather than grow the process to gigabytes.
WHOLE_LIMIT_BYTES = 10_000_000


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0  # reading it will report the problem


def _item_size(item: Input) -> int:
    return item.stat.st_size if item.stat is not None else (_size(item.path) or 0)


def input_bytes(items: Iterable[Input], text: str | None = None) -> int | None:
    """How much text a call will count (None when stdin makes it unknown)."""
    items = list(items)
    if any(i.location is None for i in items):
        return None
    return sum(_item_size(i) for i in items) + len(text or "")


@functools.cache
def _chunking(name: str) -> str:
    """A tokenizer's cut rule, without loading it when it is a registered one."""
    return tokenizer_spec(name).chunking if name in tokenizer_names() else get_tokenizer(name).chunking


@dataclass
class _Job:
    """One input on its way: done (`result`), streamed here, or counted as pieces by workers."""

    item: Input
    result: Result | None = None
    stream: bool = False
    pieces: list[Piece] = field(default_factory=list)
    st: os.stat_result | None = None
    key: str | None = None
    digest: str | None = None
    found: Counted | None = None
    fresh: Counted | None = None
    reason: str = ""
    error: str = ""
    encoding: str | None = None  # a large file's, as sniffed (its ranges are decoded as plain UTF-8)
    stored: bool = False  # a worker put its fresh counts in the count cache


class CountSession:
    """An Engine, the count cache and the decoding options for every input of one call."""

    def __init__(self, names: Iterable[str], *, jobs: int | None = None, encoding: str | None = None,
                 cache: bool = True, on_bytes: Callable[[int], None] | None = None,
                 size_hint: int | None = None) -> None:
        self.fast = fast.wanted(size_hint)  # one choice for the whole call: counts and identities
        self.engine = Engine(names, jobs, fast=self.fast)
        self.names = self.engine.names
        self.encoding, self.on_bytes = encoding, on_bytes
        self.variant = CountCache.variant(encoding)  # the stat index's entries say which they were made under
        self.cache = CountCache() if cache else None
        self.index = StatIndex(self.cache.root) if self.cache is not None else None
        self.identities = ({n: i for n in self.names if (i := tokenizer_identity(n, self.fast))}
                           if cache else {})

    def count_text(self, text: str) -> Counted:
        return self.engine.count_text(text)

    def count_input(self, item: Input) -> Counted:
        """The counts of one file or stdin (an empty one counts 0).

        Raises NotText for a binary input; InputError for a missing, unreadable or wrongly encoded
        input, or one too large for a tokenizer that counts inputs whole.
        """
        [(_, result)] = list(self.count_inputs([item]))
        if isinstance(result, InputError):
            raise result
        if isinstance(result, str):
            raise NotText(item.label, result)
        return result

    def count_inputs(self, items: Iterable[Input]) -> Iterator[tuple[Input, Result]]:
        """Each input with its counts, or why it was not counted, or its InputError; in order."""
        jobs = [self._stat(item) for item in items]
        pending = sum(len(j.pieces) and (j.st.st_size if j.st else 0) for j in jobs)
        if pending >= POOL_FROM_BYTES and self.engine.jobs > 1:
            self.engine.pool().start()  # workers load their tokenizers while this process plans
        for job in jobs:
            if job.pieces and job.pieces[0].end >= 0:
                self._plan_large(job)
        results = self._results(jobs)
        for job in jobs:
            yield job.item, self._finish(job, results)

    # ---------------------------------------------------------------- planning

    def _stat(self, item: Input) -> _Job:
        job = _Job(item)
        if item.location is None:
            job.stream = True
            return job
        try:
            job.st = st = item.stat or os.stat(item.location)
        except FileNotFoundError:
            return self._failed(job, "no such file or folder")
        except OSError as exc:
            return self._failed(job, f"cannot read ({exc.strerror or exc})")
        if stat.S_ISDIR(st.st_mode):
            return self._failed(job, "is a directory")
        if not stat.S_ISREG(st.st_mode):
            job.stream = True  # a pipe or a device: read it as a stream
            return job
        if self._indexed(job):
            return job
        from tokcost.counting import ranges
        from tokcost.counting.work import Piece

        whole = self._whole(self.names)
        if whole and st.st_size > WHOLE_LIMIT_BYTES:
            job.result = InputError(_too_large(item.label, whole, f"{st.st_size / 1e6:.1f} MB"))
            return job
        path = str(item.path)
        if st.st_size <= ranges.RANGE_BYTES:
            lookup = (str(self.cache.root), self.encoding, self.identities) if self.cache is not None else None
            job.pieces = [Piece(0, path, self.names, size=st.st_size, encoding=self.encoding, cache=lookup,
                                fast=self.fast)]
        else:
            job.pieces = [Piece(0, path, self.names, 0, st.st_size, fast=self.fast)]  # cut by _plan_large
        return job

    def _failed(self, job: _Job, why: str) -> _Job:
        job.result = InputError(f"{job.item.label}: {why}")
        return job

    def _indexed(self, job: _Job) -> bool:
        """Whether the stat index knows this unchanged file's counts for every tokenizer."""
        if self.index is None or job.st is None or len(self.identities) < len(self.names):
            return False
        entry = self.index.get(job.item.location, job.st)
        if entry is None or entry.get("variant") != self.variant:  # (their key: CountCache.key(digest, encoding))
            return False
        tokens = entry.get("tokens")
        try:
            counted = Counted({n: int(tokens[self.identities[n]]) for n in self.names}, TextStats(**entry["stats"]),
                              entry.get("encoding"))
        except (KeyError, TypeError, ValueError):
            return False
        if self.on_bytes:
            self.on_bytes(job.st.st_size)
        job.result = counted
        return True

    def _plan_large(self, job: _Job) -> None:
        """Sniff, hash and look up a large file; cut it into pieces if it is UTF-8 (else: stream it)."""
        from tokcost.counting.decoding import SNIFF_BYTES, Sniffed, check_codec, sniff

        path, size = job.item.path, job.st.st_size
        try:
            with open(path, "rb") as stream:
                head = stream.read(SNIFF_BYTES)
                sniffed = Sniffed(check_codec(self.encoding)) if self.encoding else sniff(head, False)
                encoding = sniffed.encoding
                if encoding is None:
                    job.pieces, job.result = [], sniffed.reason
                    if sniffed.ambiguous:
                        self._failed(job, sniffed.reason)
                    return
                if encoding not in ("utf-8", "utf-8-sig"):
                    job.pieces, job.stream = [], True
                    return
                todo = self._lookup(job, path)
                if not todo:
                    job.pieces = []
                    return
                start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
                job.encoding = "utf-8-sig" if start else "utf-8"
                job.pieces = self._cut(stream, str(path), size, start, todo)
        except OSError as exc:
            job.pieces = []
            self._failed(job, f"cannot read ({exc.strerror or exc})")

    def _lookup(self, job: _Job, path: Path) -> tuple[str, ...]:
        if self.cache is None:
            return self.names
        job.digest = sha256_file(path)
        job.key = CountCache.key(job.digest, self.encoding)
        job.found, missing = self.cache.get(job.key, self.identities)
        return tuple(n for n in self.names if n in missing or n not in self.identities)

    def _cut(self, stream, path: str, size: int, start: int, names: tuple[str, ...]) -> list[Piece]:
        from tokcost.counting import ranges
        from tokcost.counting.work import Piece

        groups = chunking_groups(SimpleNamespace(name=n, chunking=_chunking(n)) for n in names)
        pieces = []
        for g, (rule, group) in enumerate(groups.items()):
            for i, (low, high) in enumerate(ranges.byte_ranges(stream, size, rule, start, ranges.RANGE_BYTES)):
                pieces.append(Piece(0, path, group, low, high, first=i == 0, measure=g == 0, encoding="utf-8",
                                    fast=self.fast))
        return pieces

    # ---------------------------------------------------------------- counting

    def _results(self, jobs: list[_Job]) -> Iterator[PieceResult]:
        """Every piece's result, in the order of `jobs` (lazily: workers read ahead a little)."""
        pieces = [dataclasses.replace(p, index=i) for i, job in enumerate(jobs) for p in job.pieces]
        if not pieces:
            return iter(())
        from tokcost.counting.work import count_task

        tasks = list(_tasks(pieces))
        total = sum(p.end - p.start if p.end >= 0 else jobs[p.index].st.st_size for p in pieces)
        long_call = any(p.end - p.start > _LONG_PIECE_BYTES and p.names and _chunking(p.names[0]) == "whole"
                        for p in pieces)
        if (total >= POOL_FROM_BYTES and self.engine.jobs > 1) or long_call:
            pool = self.engine.pool()
            results = pool.map(count_task, tasks, 2 * self.engine.jobs)
        else:
            results = map(count_task, tasks)
        return _labelled(itertools.chain.from_iterable(results), jobs)

    def _finish(self, job: _Job, results: Iterator[PieceResult]) -> Result:
        if job.stream:
            return self._streamed(job.item)
        for _ in job.pieces:
            self._merge(job, next(results))
        if job.result is not None:
            return job.result
        if job.error:
            return InputError(f"{job.item.label}: {job.error}")
        if job.reason:
            return job.reason
        return self._combine(job)

    def _merge(self, job: _Job, part: PieceResult) -> None:
        if self.on_bytes and part.size:
            self.on_bytes(part.size)
        job.error = job.error or part.error
        job.reason = job.reason or part.reason
        job.stored = job.stored or part.stored
        if part.key is not None:
            job.digest, job.found, job.key = part.digest, part.cached, part.key
        if part.counted is not None:
            if job.fresh is None:
                job.fresh = part.counted
            else:
                job.fresh.add(part.counted)

    def _combine(self, job: _Job) -> Counted:
        fresh = job.fresh or Counted()
        if fresh.tokens and job.key and self.cache is not None and not job.stored:
            self.cache.put(job.key, self.identities, fresh)
        stats = job.found.stats if job.found is not None else fresh.stats
        found = job.found.tokens if job.found is not None else {}
        encoding = job.encoding or fresh.encoding or (job.found.encoding if job.found is not None else None)
        counted = Counted({n: found.get(n, fresh.tokens.get(n, 0)) for n in self.names}, stats, encoding)
        if job.key and self.index is not None and job.st is not None:
            tokens = {self.identities[n]: v for n, v in counted.tokens.items() if n in self.identities}
            self.index.put(job.item.location, job.st, {"digest": job.digest, "variant": self.variant,
                                                       "tokens": tokens, "stats": vars(stats), "encoding": encoding})
        return counted

    def _streamed(self, item: Input) -> Result:
        """Stdin, a pipe or a large non-UTF-8 file: decoded here and counted by Engine.count_source."""
        from tokcost.counting.pool import WorkerDied

        key, found, todo = self._cached_stream(item)
        counted = Counted({n: 0 for n in todo})
        try:
            if todo:
                fresh = self._count_stream(item, todo)
                if isinstance(fresh, str):
                    return fresh
                counted = fresh
                if key and self.cache is not None:
                    self.cache.put(key, self.identities, counted)
            elif self.on_bytes and item.path is not None:
                self.on_bytes(_size(item.path) or 0)
        except InputError as exc:
            return exc
        except WorkerDied as exc:
            raise WorkerDied(f"{item.label}: {exc}; nothing was counted") from None
        if found is not None:
            counted = Counted({n: found.tokens.get(n, counted.tokens.get(n, 0)) for n in self.names},
                              found.stats, counted.encoding or found.encoding)
        return counted

    def _cached_stream(self, item: Input) -> tuple[str | None, Counted | None, list[str]]:
        names = list(self.names)
        if self.cache is None or item.path is None or not item.path.is_file():
            return None, None, names
        try:
            key = CountCache.key(sha256_file(item.path), self.encoding)
        except OSError:
            return None, None, names  # reading it will report the problem
        found, missing = self.cache.get(key, self.identities)
        return key, found, [n for n in names if n in missing or n not in self.identities]

    def _whole(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if _chunking(n) == "whole"]

    def _count_stream(self, item: Input, names: list[str]) -> Counted | str:
        from tokcost.counting.decoding import read_blocks

        whole = self._whole(names)
        if whole and item.path is not None and (_size(item.path) or 0) > WHOLE_LIMIT_BYTES:
            raise InputError(_too_large(item.label, whole, f"{(_size(item.path) or 0) / 1e6:.1f} MB"))
        sniffed, blocks = read_blocks(item.path, self.encoding, self.on_bytes)
        if sniffed.encoding is None:
            return sniffed.reason
        if item.path is None and whole:
            blocks = _limited(blocks, item.label, whole)
        opener: Callable[[], Iterable[str]]
        if item.path is None and len(self.engine.groups) > 1:
            text = "".join(blocks)  # stdin cannot be read twice
            opener = lambda: [text]  # noqa: E731
        else:
            pending = [blocks]  # first pass reads what is open; a second pass reopens the file
            opener = lambda: pending.pop() if pending else read_blocks(item.path, self.encoding)[1]  # noqa: E731
        counted = self.engine.count_source(opener, names)
        counted.encoding = sniffed.encoding
        return counted

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.engine.close(kill=exc_type is not None)
        if exc_type is None and self.index is not None:
            self.index.save()


def _tasks(pieces: list[Piece]) -> Iterator[list[Piece]]:
    """Pieces grouped into tasks of about ranges.RANGE_BYTES (a range of a large file is a task of its own)."""
    from tokcost.counting import ranges

    task: list[Piece] = []
    size = 0
    for piece in pieces:
        task.append(piece)
        size += piece.end - piece.start if piece.end >= 0 else piece.size
        if piece.end >= 0 or size >= ranges.RANGE_BYTES or len(task) >= TASK_FILES:
            yield task
            task, size = [], 0
    if task:
        yield task


def _labelled(results: Iterator[PieceResult], jobs: list[_Job]) -> Iterator[PieceResult]:
    """The results, with a worker's death reported as one line naming the input it was counting."""
    from tokcost.counting.pool import WorkerDied

    try:
        yield from results
    except WorkerDied as exc:
        label = jobs[exc.task[0].index].item.label if exc.task else "an input"
        raise WorkerDied(f"{label}: {exc}; nothing was counted") from None


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
