"""`tokcost.count`: count files, folders, stdin or a string with one or more tokenizers."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tokcost.count_cache import CountCache, file_digest, tokenizer_identity
from tokcost.counting import Counted, Engine
from tokcost.errors import InputError
from tokcost.inputs import Input, expand
from tokcost.stats import per_token
from tokcost.textio import check_codec, read_blocks
from tokcost.tokenizers import available_names, fast, tokenizer_spec

DEFAULT_TOKENIZER = "o200k_base"


@dataclass(frozen=True)
class CountRecord:
    path: str | None
    tokenizer: str
    tokens: int
    chars: int
    bytes: int
    words: int
    han: int

    @property
    def ratios(self) -> dict[str, float | None]:
        return {
            "chars_per_token": per_token(self.chars, self.tokens),
            "words_per_token": per_token(self.words, self.tokens),
            "han_per_token": per_token(self.han, self.tokens),
        }

    def as_dict(self) -> dict:
        record = asdict(self)
        if self.path is None:
            del record["path"]
        return {**record, **self.ratios}


@dataclass
class CountReport:
    tokenizers: tuple[str, ...]
    files: list[CountRecord] = field(default_factory=list)
    totals: list[CountRecord] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "files": [r.as_dict() for r in self.files],
            "totals": [r.as_dict() for r in self.totals],
            "skipped": self.skipped,
            "errors": self.errors,
        }

    def tokens(self, tokenizer: str) -> int:
        return next(r.tokens for r in self.totals if r.tokenizer == tokenizer)


def resolve_tokenizers(names: Iterable[str] | None) -> tuple[str, ...]:
    """`all` means every tokenizer that is available now; unknown names raise UnknownName."""
    chosen: list[str] = []
    for name in names or (DEFAULT_TOKENIZER,):
        if name == "all":
            chosen.extend(available_names())
            continue
        if not (name.startswith("hf:") or Path(name).is_file()):
            tokenizer_spec(name)  # raises UnknownName with the close matches
        chosen.append(name)
    return tuple(dict.fromkeys(chosen))


def _records(label: str | None, counted: Counted) -> list[CountRecord]:
    s = counted.stats
    return [CountRecord(label, name, n, s.chars, s.bytes, s.words, s.han) for name, n in counted.tokens.items()]


@dataclass
class _Run:
    """What every input of one `count()` call shares."""

    engine: Engine
    encoding: str | None
    report: CountReport
    total: Counted
    cache: CountCache | None
    identities: dict[str, str]
    on_bytes: Callable[[int], None] | None


def _cached(run: _Run, item: Input) -> tuple[str | None, Counted | None, list[str]]:
    names = list(run.engine.names)
    if run.cache is None or item.path is None or not item.path.is_file():
        return None, None, names
    try:
        key = CountCache.key(file_digest(item.path), run.encoding)
    except OSError:
        return None, None, names  # reading it will report the problem
    found, missing = run.cache.get(key, run.identities)
    return key, found, [n for n in names if n in missing or n not in run.identities]


def _count_input(run: _Run, item: Input) -> None:
    key, found, todo = _cached(run, item)
    counted = Counted({n: 0 for n in todo})
    if todo:
        counted = _count_fresh(run, item, todo)
        if counted is None:
            return
        if key:
            run.cache.put(key, run.identities, counted)
    elif run.on_bytes and item.path is not None:
        run.on_bytes(item.path.stat().st_size)
    if found is not None:
        counted = Counted({n: found.tokens.get(n, counted.tokens.get(n, 0)) for n in run.engine.names},
                          found.stats)
    if counted.stats.chars == 0:
        _reject(run.report, item, "empty")
        return
    run.report.files.extend(_records(item.label, counted))
    run.total.add(counted)


def _count_fresh(run: _Run, item: Input, names: list[str]) -> Counted | None:
    sniffed, blocks = read_blocks(item.path, run.encoding, run.on_bytes)
    if sniffed.encoding is None:
        _reject(run.report, item, sniffed.reason)
        return None
    if item.path is None and len(run.engine.groups) > 1:
        text = "".join(blocks)  # stdin cannot be read twice
        opener = lambda: [text]  # noqa: E731
    else:
        pending = [blocks]  # first pass reads what is open; a second pass reopens the file
        opener = lambda: pending.pop() if pending else read_blocks(item.path, run.encoding)[1]  # noqa: E731
    return run.engine.count_source(opener, names)


def _reject(report: CountReport, item: Input, reason: str) -> None:
    if item.walked:
        report.skipped.append({"path": item.label, "reason": reason})
    else:
        report.errors.append({"path": item.label, "error": reason})


def _input_bytes(items: list[Input], text: str | None) -> int | None:
    """How much text this call will count (None when stdin makes it unknown)."""
    if any(i.path is None for i in items):
        return None
    sizes = (i.path.stat().st_size for i in items if i.path is not None and i.path.is_file())
    return sum(sizes) + len(text or "")


def count(paths: Sequence[str] = (), *, text: str | None = None, tokenizers: Iterable[str] | None = None,
          encoding: str | None = None, jobs: int | None = None, cache: bool = True,
          on_bytes: Callable[[int], None] | None = None) -> CountReport:
    """Count tokens in files/folders/globs (`-` is stdin) and/or a string, per tokenizer.

    Bad inputs do not stop the others: they are listed in `errors` (named inputs) or `skipped`
    (binary or empty files found while walking a folder). Counts of unchanged files come from the
    count cache unless `cache` is False. `on_bytes(n)` hears of every n bytes read (progress).
    """
    names = resolve_tokenizers(tokenizers)
    if encoding:
        check_codec(encoding)
    report = CountReport(names)
    items, bad_args = expand(list(paths))
    report.errors.extend({"path": arg, "error": why} for arg, why in bad_args)
    identities = {n: i for n in names if (i := tokenizer_identity(n))} if cache else {}
    fast.prefer(_input_bytes(items, text))
    with Engine(names, jobs) as engine:
        run = _Run(engine, encoding, report, Counted({n: 0 for n in names}),
                   CountCache() if cache else None, identities, on_bytes)
        if text is not None:
            counted = engine.count_text(text)
            report.files.extend(_records("<text>", counted))
            run.total.add(counted)
        for item in items:
            try:
                _count_input(run, item)
            except InputError as exc:
                report.errors.append({"path": item.label, "error": str(exc).removeprefix(f"{item.label}: ")})
    report.totals = _records(None, run.total)
    return report
