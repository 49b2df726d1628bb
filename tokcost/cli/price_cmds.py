"""`tokcost cost`, `check`, `models` and `prices`: thin layers over tokcost.pricing.cost and the catalog."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import typer

from tokcost.cli import app
from tokcost.cli.options import AsOfOpt, EncodingOpt, FormatOpt, JobsOpt, NoCacheOpt, SchedulerOpt
from tokcost.cli.render import Format, echo_wrapped, print_csv, print_json, print_table, warn

PathsArg = typer.Argument(
    None, help="Files, folders (recursive), globs, or - for stdin (the default). All plain-text inputs together "
    "are ONE request (see --per-input); a chat .json is one request; each .jsonl line is one request.")


@dataclass(frozen=True)
class CostArgs:
    """The options `cost` and `check` share, as typed: the API parses them, once (tokcost.pricing.options)."""

    paths: list[str]
    text: str | None
    input_tokens: int | None
    output_tokens: int | None
    output_ratio: str | None
    cache_hit: str
    cache_write: str
    requests: int
    per_input: bool
    currency: str | None
    fx: str | None
    as_of: str | None
    prices: str
    at: str | None
    reasoning_ratio: str | None
    encoding: str | None
    jobs: int | None
    cache: bool
    field: str | None
    scheduler: str | None

    def job(self) -> dict[str, Any]:
        """The keyword arguments of `cost()`/`check()` that describe the job (all but `paths`)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "paths"}


def _cost_options(
    paths: list[str] | None = PathsArg,
    text: str | None = typer.Option(None, "--text", help="Price this string as the input."),
    input_tokens: int | None = typer.Option(
        None, "--input-tokens", min=0, max=10**15,
        help="Input tokens per request, as given (no counting; count_kind 'given')."),
    output_tokens: int | None = typer.Option(
        None, "--output-tokens", min=0, max=10**15, help="Output tokens per request (default: 0 output tokens)."),
    output_ratio: str | None = typer.Option(
        None, "--output-ratio", help="Output tokens = ceil(input tokens x R) per request (default: 0 output)."),
    cache_hit: str = typer.Option("0", "--cache-hit", help="Share of input tokens that are cache hits, 0..1."),
    cache_write: str = typer.Option(
        "0", "--cache-write", help="Share of input tokens written to the prompt cache, 0..1, billed at the "
        "cache-write price (the input price where a model has none; said in a note)."),
    requests: int = typer.Option(1, "--requests", min=1, max=10**9, help="Repeat the whole job N times (default 1; "
                                 "with PATHs a request is the whole input unless --per-input)."),
    per_input: bool = typer.Option(False, "--per-input", help="Each plain-text input is its own request."),
    currency: str | None = typer.Option(
        None, "--currency", help="CNY or USD (default: the currency the price is quoted in)."),
    usd_cny: str | None = typer.Option(
        None, "--usd-cny", help="USD->CNY rate for conversions (default: the catalog's dated rate)."),
    as_of: str | None = AsOfOpt,
    prices: str = typer.Option("documents", "--prices", help="documents (dated, sourced), current (genai-prices "
                               "at --at, else LiteLLM's JSON), or your own FILE.toml (same schema as the catalog; "
                               "tokcost/data/prices.schema.json)."),
    at: str | None = typer.Option(None, "--at", help="With --prices current: the instant prices are evaluated at, "
                                  "ISO 8601 (default: now, UTC); time-of-day prices such as DeepSeek's off-peak "
                                  "apply."),
    reasoning_ratio: str | None = typer.Option(
        None, "--reasoning-ratio", help="Reasoning models: hidden reasoning tokens per visible output token "
        "(default: the model's stated assumption)."),
    encoding: str | None = EncodingOpt,
    jobs: int | None = JobsOpt,
    no_cache: bool = NoCacheOpt,
    field: str | None = typer.Option(
        None, "--field", help="Read PATHs as datasets (.jsonl, .json, .csv, .tsv, .parquet, folders): one request per "
        "record, its text at this path (text, messages, conversations[*].value)."),
    scheduler: str | None = SchedulerOpt,
) -> CostArgs:
    if not paths and text is None and input_tokens is None:
        paths = ["-"]
    from tokcost.cli.names import stdin_hint

    stdin_hint(paths or [])
    return CostArgs(paths or [], text, input_tokens, output_tokens, output_ratio, cache_hit, cache_write, requests,
                    per_input,
                    currency, usd_cny, as_of, prices, at, reasoning_ratio, encoding, jobs, not no_cache, field,
                    scheduler)


def _cost_command(fn: Any) -> Any:
    """Give a command every cost option (typer reads the signature)."""
    import inspect

    own = [p for p in inspect.signature(fn).parameters.values() if p.name != "args"]
    shared = list(inspect.signature(_cost_options).parameters.values())
    params = own[:1] + shared + own[1:] if own and own[0].name == "model" else shared + own

    def wrapper(**kwargs: Any) -> Any:
        args = _cost_options(**{p.name: kwargs.pop(p.name) for p in shared})
        return fn(args=args, **kwargs)

    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    wrapper.__doc__ = fn.__doc__
    wrapper.__name__ = fn.__name__
    return wrapper


# ---------------------------------------------------------------- cost

def _band_cell(record: Any) -> str | None:
    return None if record.band is None else f"{record.band.low:,}\u2013{record.band.high:,}"


def _captions(result: Any, args: CostArgs) -> list[str]:
    records = result.records
    lines = []
    for fx in dict.fromkeys(r.breakdown.fx for r in records if r.breakdown.fx is not None):
        lines.append(f"converted at {fx.describe()}")
    if result.ranked_with is not None:
        lines.append(f"ranked by total cost (a range by its midpoint), other currencies compared at "
                     f"{result.ranked_with.short()}")
    if any(r.band is not None for r in records):
        lines.append("estimate rows: input tokens = the proxy tokenizer's count; band = min\u2013max over every "
                     "chat-LLM tokenizer (not p50k, BERT or J2); their costs are ranges over the band")
    if args.prices == "current":
        from tokcost.pricing.current import instant_label, parse_at, source_info

        src = source_info()
        at = parse_at(args.at)
        lines.append(f"prices: {src.label} (its data as of {src.data_date.isoformat()}), {instant_label(at)}"
                     f"{'' if args.at else ' (now; set --at)'}, else LiteLLM's JSON where named; "
                     "not the dated documents")
    if args.output_tokens is None and args.output_ratio is None and not any(r.output_tokens for r in records):
        lines.append("output tokens: 0 (default; set --output-tokens or --output-ratio)")
    return lines


def _csv_money(m: Any) -> str:
    low, high = m.csv_cells()
    return low if low == high else f"{low}-{high}"


def _print_cost(result: Any, args: CostArgs, fmt: Format, explain: bool = False) -> None:
    records = result.records
    if fmt is Format.json:  # every record says which inputs it leaves out
        errors, skipped = [str(p) for p in result.errors], [str(p) for p in result.skipped_inputs]
        print_json([{**r.to_json(), "errors": errors, "skipped": skipped} for r in records])
        return
    if fmt is Format.csv:
        cols = ["model", "count_kind", "tokenizer", "requests", "input_tokens", "band_low", "band_high",
                "output_tokens", "currency", "input_cost", "cache_hit_cost", "cache_write_cost", "output_cost",
                "total_low", "total_high", "price_source", "price_date", "tier"]
        rows = []
        for r in records:
            b, j = r.breakdown, r.to_json()
            rows.append([r.model, r.count_kind, r.tokenizer, r.requests, r.input_tokens,
                         r.band.low if r.band else None, r.band.high if r.band else None, r.output_tokens,
                         r.currency, _csv_money(b.input_cost), _csv_money(b.cache_hit_cost),
                         _csv_money(b.cache_write_cost), _csv_money(b.output_cost), *b.total_cost.csv_cells(),
                         j["price_source"], j["price_date"], b.tier, "ok", ""])
        blank = [""] * len(cols)
        rows += [[*blank, "error", str(e)] for e in result.errors]
        rows += [[*blank, "skipped", str(s)] for s in result.skipped_inputs]
        print_csv([*cols, "status", "reason"], rows)
        return
    first = records[0]
    title = f"{first.requests:,} request{'s' if first.requests != 1 else ''}, {first.inputs} input" \
            f"{'s' if first.inputs != 1 else ''}"
    if explain:
        _print_explained(result, args, title)
        return
    from tokcost.pricing.money import show_money

    cols = ["model", "count", "input tokens", "band", "output tokens", "total"]
    rows = [[r.model, r.count_kind, r.input_tokens, _band_cell(r), r.output_tokens,
             ("\u2248 " if r.count_kind == "estimate" else "") + show_money(r.total_cost, rounded=True)]
            for r in records]
    keep = [i for i, c in enumerate(cols) if c != "band" or any(r.band is not None for r in records)]
    print_table(title, [cols[i] for i in keep], [[row[i] for i in keep] for row in rows],
                numeric=["input tokens", "band", "output tokens", "total"], optional=["band"])
    lines = _captions(result, args) + _notes(records)
    for line in dict.fromkeys(lines):
        typer.echo(_one_line(line))
    typer.echo(_one_line("(rounded; --explain: prices, sources, full notes; -f json: exact figures)"))


def _notes(records: Any) -> list[str]:
    """Each distinct note once: a note shared by several models names how many."""
    seen: dict[str, list[str]] = {}
    for r in records:
        for note in r.notes:
            if note.startswith("converted "):
                continue  # stated once in the captions
            if len(records) > 1 and note.startswith(("price:", "estimate:")):
                continue  # per-model detail: --explain
            seen.setdefault(note, []).append(r.model)
    if len(records) == 1:
        return [f"{records[0].model}: {note}" for note in seen]
    shared = [f"{len(models)} models: {note}" for note, models in seen.items() if len(models) > 1]
    own = sum(1 for models in seen.values() if len(models) == 1)
    return shared[:8] + ([f"{own} more notes about single models: --explain shows them"] if own else [])


def _one_line(text: str) -> str:
    """A note cut to the width (whole under --explain)."""
    from tokcost.cli.render import target_width

    width = target_width()
    return text if width is None or len(text) <= width else text[:width - 1] + "\u2026"


def _print_explained(result: Any, args: CostArgs, title: str) -> None:
    """Everything behind each total: tokens, band, the price entry and its source, each part's cost, notes."""
    from tokcost.pricing.money import show_money

    typer.echo(title)
    for r in result.records:
        b = r.breakdown
        typer.echo(f"\n{r.model} ({r.count_kind}, tokenizer {r.tokenizer})")
        typer.echo(f"  input tokens   {r.input_tokens:,}" + (f" (band {_band_cell(r)})" if r.band else ""))
        typer.echo(f"  output tokens  {r.output_tokens:,}")
        echo_wrapped(f"  price          {b.entry.describe()}" + (f"; tier {b.tier}" if b.tier else ""), " " * 17)
        parts = [("input", b.input_cost, True), ("cache hit", b.cache_hit_cost, b.cache_hit_tokens.high),
                 ("cache write", b.cache_write_cost, b.cache_write_tokens.high), ("output", b.output_cost, True),
                 ("total", r.total_cost, True)]
        shown = [(label + " cost", money) for label, money, asked in parts if asked]
        width = max(14, *(len(label) for label, _ in shown))
        for label, money in shown:
            typer.echo(f"  {label:<{width}} {show_money(money)}")
        for note in r.notes:
            echo_wrapped(f"  note: {note}", " " * 8)
    typer.echo("")
    for line in _captions(result, args):
        echo_wrapped(line)


@app.command("cost")
@_cost_command
def cost_command(
    model: list[str] = typer.Option(None, "--model", "-m", help="Model id or alias; may repeat; `all` ranks "
                                    "every model, cheapest first (default: each request's body.model)."),
    epochs: int | None = typer.Option(
        None, "--epochs", min=1, help="Fine-tuning: price the training file's tokens x N epochs at the "
        "documents' training price (use with --field messages)."),
    explain: bool = typer.Option(False, "--explain", "-v", help="Show where each total comes from: tokens, "
                                 "band, price entry and source, each part's cost, and every note in full."),
    fmt: Format = FormatOpt,
    args: CostArgs | None = None,
) -> None:
    """Price a job: count inputs with each model's tokenizer (or take --input-tokens) and price
    input, cache-hit and output tokens from the dated, sourced catalog; --epochs prices fine-tuning."""
    from tokcost.pricing.cost import cost

    assert args is not None  # given by _cost_command
    result = cost(args.paths, models=model, epochs=epochs, **args.job())
    if result.records and epochs is not None:
        from tokcost.cli.dataset_render import print_training

        print_training(result.records, fmt)
    elif result.records:
        _print_cost(result, args, fmt, explain)
    for line in result.warnings:
        warn(f"warning: {line}")
    for line in result.skipped:
        warn(f"not ranked: {line}")
    from tokcost.cli.dataset_render import warn_errors

    for line in result.skipped_inputs:
        warn(f"skipped {line}")
    warn_errors(result.errors)
    if result.errors or not result.records:
        raise typer.Exit(1)


# ---------------------------------------------------------------- check

@app.command("check")
@_cost_command
def check_command(
    model: str | None = typer.Option(None, "--model", "-m", help="Model id or alias (default: the one model "
                                     "the requests name in body.model)."),
    budget: str = typer.Option(..., "--budget", help="Budget for the whole job: 10, 10USD or '10 CNY' "
                               "(default currency: --currency, else the price's)."),
    fmt: Format = FormatOpt,
    args: CostArgs | None = None,
) -> None:
    """Pre-flight: exit 0 if the job fits the budget and every request fits the model's context
    window, 1 if not (one line per failure), 2 on a usage or input error. An estimate is checked at
    the high end of its band."""
    from tokcost.pricing.check import check

    assert args is not None  # given by _cost_command
    result = check(args.paths, model=model, budget=budget, **args.job())
    from tokcost.cli.dataset_render import warn_errors

    for line in result.skipped:
        warn(f"skipped {line}")
    warn_errors(result.errors)  # an input not read or a malformed record: nothing is judged (fail closed)
    if result.errors:
        if fmt is Format.json:
            print_json({"ok": False, "checked": False, "failures": [], "summary": result.summary,
                        "errors": [str(e) for e in result.errors], "skipped": [str(s) for s in result.skipped]})
        else:
            typer.echo(result.summary)
        raise typer.Exit(2)
    if fmt is Format.json:
        assert result.record is not None and result.budget is not None
        print_json({"ok": result.ok, "checked": True, "failures": result.failures, "summary": result.summary or None,
                    "errors": [], "skipped": [str(s) for s in result.skipped], "notes": result.notes,
                    "budget": result.budget.to_json(), "currency": result.budget.currency,
                    "cost": result.record.to_json()})
    else:
        for line in (result.failures or [result.summary]) + result.notes:
            typer.echo(line)
    if not result.ok:
        raise typer.Exit(1)


# ---------------------------------------------------------------- models and prices

def _per_m(entry: Any, kind: str) -> str | None:
    value = entry.price_per(kind) if entry is not None else None
    return None if value is None else value.format()


@app.command("models")
def models_command(fmt: Format = FormatOpt) -> None:
    """Every model: tokenizer, exact or estimate count, context window, and its newest price per 1M tokens."""
    from tokcost.pricing.catalog import load_catalog
    from tokcost.pricing.windows import context_window

    cols = ["id", "vendor", "tokenizer", "count_kind", "context_window", "context_source", "currency",
            "input_per_1m", "output_per_1m", "input_from", "output_from", "price_date", "tier"]
    rows = []
    for m in load_catalog().models:
        w = context_window(m)
        fields = _model_fields(m)
        rows.append([m.id, m.vendor, m.tokenizer, m.count_kind, w.tokens, w.source, m.currency,
                     *(_per_1m(fields[k]) for k in ("input", "output")),
                     *(_origin(fields[k]) for k in ("input", "output")),
                     next((f.entry.effective or "undated" for f in fields.values() if f), None),
                     next((f.entry.tier for f in fields.values() if f and f.entry.tier), None)])
    if fmt is Format.json:
        print_json([dict(zip(cols, row, strict=True)) for row in rows])
    elif fmt is Format.csv:
        print_csv(cols, rows)
    else:
        heads = ["id", "vendor", "tokenizer", "count", "context", "context source", "currency", "in/1M",
                 "out/1M", "input from", "output from", "price date", "tier"]
        print_table("prices per 1M tokens in the vendor's currency, in effect on the newest date known (base tier)",
                    heads, rows, numeric=["context", "in/1M", "out/1M"],
                    optional=["tier", "context source", "input from", "output from", "vendor", "price date",
                              "currency", "count"])


def _model_fields(m: Any) -> dict[str, Any]:
    from tokcost.pricing.catalog import default_fx
    from tokcost.pricing.selection import select

    return {k: select(m, k, day=m.newest_date, prompt_tokens=None, target=m.currency, fx=default_fx())
            for k in ("input", "output")}


def _per_1m(field: Any) -> str | None:
    if field is None:
        return None
    return (field.price * 1_000_000 * (1 / __import__("decimal").Decimal(field.per_tokens))).format()


def _origin(field: Any) -> str | None:
    if field is None:
        return None
    e = field.entry
    return f"{field.provenance}: {e.source} {e.table} ({e.effective or 'undated'})"


def _entry_json(e: Any) -> dict[str, Any]:
    from tokcost.pricing.catalog import unit_label

    def fig(a: Any) -> str | None:
        return None if a is None else a.format()

    marks = [k for k in ("garbled", "converted", "conflict") if getattr(e, k)]
    marks += ["corrected"] if e.correction_source else []
    marks += ["promotion"] if e.promotion else []
    return {"effective": e.effective or "undated", "status": e.status, "doc_model": e.doc_model,
            "input": e.printed_input or fig(e.input), "output": e.printed_output or fig(e.output),
            "cache_hit_input": fig(e.cache_hit_input), "training": fig(e.training),
            "corrected_input": fig(e.corrected_input), "corrected_output": fig(e.corrected_output),
            "correction_source": e.correction_source or None, "converted": e.converted or None,
            "conversion_rate": e.conversion_rate or None, "promotion": e.promotion or None,
            "unit": f"per {unit_label(e.per_tokens)} tokens", "currency": e.currency, "tier": e.tier or None,
            "source": e.source, "table": e.table, "note": e.note or e.comment or None, "marks": marks,
            "resolution": e.resolution or None}


def _conflicts(model: Any) -> list[dict[str, Any]]:
    out = []
    for e in model.history:
        if not e.conflict:
            continue
        probe = e.prompt_min + 1 if e.prompt_min is not None else e.prompt_max
        try:
            chosen = model.price_on(e.valid_from or e.last_known_day, probe)
        except Exception:
            chosen = None
        out.append({"rejected": e.describe(), "chosen": chosen.describe() if chosen else None,
                    "rule": e.resolution})
    return out


@app.command("prices")
def prices_command(model: str = typer.Argument(..., help="Model id or alias."), fmt: Format = FormatOpt) -> None:
    """A model's full price history: every printed figure with its date, status, source and marks."""
    from tokcost.pricing.catalog import load_catalog

    m = load_catalog().get(model)
    history = [_entry_json(e) for e in m.history]
    conflicts = _conflicts(m)
    garbled = [f"{e.effective} {e.table}: {e.note or e.comment or 'garbled cell'}" for e in m.history if e.garbled]
    if fmt is Format.json:
        print_json({"model": m.id, "vendor": m.vendor_name, "currency": m.currency, "history": history,
                    "conflicts": conflicts, "garbled": garbled})
        return
    cols = ["effective", "status", "input", "output", "cache_hit_input", "corrected_output", "unit", "currency",
            "tier", "source", "table", "marks", "note"]
    rows = [[h[c] if c != "marks" else ", ".join(h["marks"]) or None for c in cols] for h in history]
    if fmt is Format.csv:
        print_csv(cols, rows)
        return
    print_table(f"{m.id} ({m.vendor_name}): {len(history)} price entries", cols, rows,
                numeric=["input", "output", "cache_hit_input"],
                optional=["note", "table", "marks", "source", "tier", "corrected_output", "cache_hit_input", "status"])
    from tokcost.cli.render import echo_wrapped

    for c in conflicts:
        echo_wrapped(f"conflict: {c['rejected']} -- not used; chosen: {c['chosen'] or 'none in effect'}; {c['rule']}")
    for g in garbled:
        echo_wrapped(f"garbled: {g}")
    for e in m.history:
        for kind in ("input", "output"):
            fixed = getattr(e, f"corrected_{kind}")
            if fixed is not None:
                echo_wrapped(f"corrected: {e.doc_model} {kind} printed {getattr(e, f'printed_{kind}')}, "
                           f"corrected to {fixed.format()} per {e.correction_source}")
