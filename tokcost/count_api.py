"""`tokcost.count`: count files, folders, stdin or a string with one or more tokenizers."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from tokcost.counting import Counted, Engine
from tokcost.errors import InputError
from tokcost.inputs import Input, expand
from tokcost.stats import per_token
from tokcost.textio import check_codec, read_blocks
from tokcost.tokenizers import available_names

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
        chosen.extend(available_names() if name == "all" else [name])
    return tuple(dict.fromkeys(chosen))


def _records(label: str | None, counted: Counted) -> list[CountRecord]:
    s = counted.stats
    return [CountRecord(label, name, n, s.chars, s.bytes, s.words, s.han) for name, n in counted.tokens.items()]


def _count_input(engine: Engine, item: Input, encoding: str | None, report: CountReport,
                 total: Counted) -> None:
    sniffed, blocks = read_blocks(item.path, encoding)
    if sniffed.encoding is None:
        _reject(report, item, sniffed.reason)
        return
    if item.path is None and len(engine.groups) > 1:
        text = "".join(blocks)  # stdin cannot be read twice
        opener = lambda: [text]  # noqa: E731
    else:
        pending = [blocks]  # first pass reads what is open; a second pass reopens the file
        opener = lambda: pending.pop() if pending else read_blocks(item.path, encoding)[1]  # noqa: E731
    counted = engine.count_source(opener)
    if counted.stats.chars == 0:
        _reject(report, item, "empty")
        return
    report.files.extend(_records(item.label, counted))
    total.add(counted)


def _reject(report: CountReport, item: Input, reason: str) -> None:
    if item.walked:
        report.skipped.append({"path": item.label, "reason": reason})
    else:
        report.errors.append({"path": item.label, "error": reason})


def count(paths: Sequence[str] = (), *, text: str | None = None, tokenizers: Iterable[str] | None = None,
          encoding: str | None = None, jobs: int | None = None) -> CountReport:
    """Count tokens in files/folders/globs (`-` is stdin) and/or a string, per tokenizer.

    Bad inputs do not stop the others: they are listed in `errors` (named inputs) or `skipped`
    (binary or empty files found while walking a folder).
    """
    names = resolve_tokenizers(tokenizers)
    if encoding:
        check_codec(encoding)
    report = CountReport(names)
    items, bad_args = expand(list(paths))
    report.errors.extend({"path": arg, "error": why} for arg, why in bad_args)
    total = Counted({n: 0 for n in names})
    with Engine(names, jobs) as engine:
        if text is not None:
            counted = engine.count_text(text)
            report.files.extend(_records("<text>", counted))
            total.add(counted)
        for item in items:
            try:
                _count_input(engine, item, encoding, report, total)
            except InputError as exc:
                report.errors.append({"path": item.label, "error": str(exc).removeprefix(f"{item.label}: ")})
    report.totals = _records(None, total)
    return report
