"""`tokcost.count`: count files, folders, stdin or a string with one or more tokenizers."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from tokcost.counting.engine import Counted
from tokcost.counting.inputs import Input, expand
from tokcost.counting.measures import per_token
from tokcost.counting.session import CountSession, input_bytes
from tokcost.errors import InputError, InputProblem, NotText, TokcostError
from tokcost.tokenizers import available_names, tokenizer_spec

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
    encoding: str | None = None  # how the file was decoded (files and stdin; not totals or --text)

    @property
    def ratios(self) -> dict[str, float | None]:
        return {
            "chars_per_token": per_token(self.chars, self.tokens),
            "words_per_token": per_token(self.words, self.tokens),
            "han_per_token": per_token(self.han, self.tokens),
        }

    def as_dict(self) -> dict:
        record = {f: getattr(self, f) for f in _RECORD_FIELDS}  # (dataclasses.asdict deep-copies: slow)
        if self.path is None:
            del record["path"], record["encoding"]
        record.update(self.ratios)
        return record


_RECORD_FIELDS = tuple(f.name for f in fields(CountRecord))


@dataclass
class CountReport:
    tokenizers: tuple[str, ...]
    files: list[CountRecord] = field(default_factory=list)
    totals: list[CountRecord] = field(default_factory=list)
    skipped: list[InputProblem] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "files": [r.as_dict() for r in self.files],
            "totals": [r.as_dict() for r in self.totals],
            "skipped": [p.to_json() for p in self.skipped],
            "errors": [p.to_json() for p in self.errors],
        }

    def tokens(self, tokenizer: str) -> int:
        """Total tokens with one of the counted tokenizers."""
        for r in self.totals:
            if r.tokenizer == tokenizer:
                return r.tokens
        raise NotCounted(f"{tokenizer!r} was not counted; counted: {', '.join(self.tokenizers)}")


class NotCounted(TokcostError, KeyError):
    """A tokenizer asked of a CountReport that did not count with it."""

    def __str__(self) -> str:
        return str(self.args[0])


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
    return [CountRecord(label, name, n, s.chars, s.bytes, s.words, s.han, counted.encoding)
            for name, n in counted.tokens.items()]


def reason_of(exc: InputError, item: Input) -> str:
    """An input error's message without the input's name in front (it is shown beside it)."""
    message = str(exc)
    for prefix in (item.label, str(item.path)):
        message = message.removeprefix(f"{prefix}: ")
    return message


def _reject(report: CountReport, item: Input, exc: InputError) -> None:
    """A file found while walking a folder with no text in it is skipped; any other problem is an error."""
    if item.walked and isinstance(exc, NotText):
        report.skipped.append(InputProblem(item.label, exc.reason, "skipped"))
    else:
        report.errors.append(InputProblem(item.label, reason_of(exc, item)))


def count(paths: Sequence[str] = (), *, text: str | None = None, tokenizers: Iterable[str] | None = None,
          encoding: str | None = None, jobs: int | None = None, cache: bool = True,
          on_bytes: Callable[[int], None] | None = None,
          on_total: Callable[[int | None], None] | None = None) -> CountReport:
    """Count tokens in files/folders/globs (`-` is stdin) and/or a string, per tokenizer.

    Bad inputs do not stop the others: they are listed in `errors` (anything that could not be
    read, named or found in a folder) or `skipped` (binary or empty files found while walking a
    folder). An empty named file or stdin counts 0 tokens. Counts of unchanged files come from the
    count cache unless `cache` is False. For progress, `on_total(n)` hears of the bytes about to be
    read (None when stdin makes it unknown), then `on_bytes(n)` of every n bytes read.
    """
    names = resolve_tokenizers(tokenizers)
    if encoding:
        from tokcost.counting.decoding import check_codec

        check_codec(encoding)
    report = CountReport(names)
    items, bad_args = expand(list(paths))
    report.errors.extend(InputProblem(arg, why) for arg, why in bad_args)
    total = Counted({n: 0 for n in names})
    size = input_bytes(items, text)
    if on_total is not None:
        on_total(size)
    with CountSession(names, jobs=jobs, encoding=encoding, cache=cache, on_bytes=on_bytes,
                      size_hint=size) as session:
        counted_inputs = [("<text>", session.count_text(text))] if text is not None else []
        for item, result in session.count_inputs(items):
            if isinstance(result, InputError):
                report.errors.append(InputProblem(item.label, reason_of(result, item)))
                continue
            if isinstance(result, str):  # binary: skipped in a folder walk, an error when named
                _reject(report, item, NotText(item.label, result))
                continue
            counted = result
            if item.walked and not counted.stats.chars:
                report.skipped.append(InputProblem(item.label, "empty", "skipped"))
            else:
                counted_inputs.append((item.label, counted))
    for label, counted in counted_inputs:
        report.files.extend(_records(label, counted))
        total.add(counted)
    report.totals = _records(None, total)
    return report
