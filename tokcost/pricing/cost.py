"""`tokcost.cost`: count inputs per model and price them (the budget gate is tokcost.pricing.check).

Counting: every input is counted once with every tokenizer needed (one Engine for all models).
An exact model uses its vendor's tokenizer. An estimate model's count is a band, the min..max of
every available chat-LLM tokenizer (`band_names`) on that very text, with its proxy tokenizer's count as the central
figure; its costs are ranges. Given token counts (`input_tokens`) are taken as they are.

Requests: plain-text inputs together are one request (or one each with `per_input`), a chat
`.json` is one request, each `.jsonl` line is one; `requests` repeats the whole job. Tiers are
chosen per request.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tokcost.errors import InputProblem, TokcostError, UsageError
from tokcost.pricing.arithmetic import CostBreakdown, estimate_cost
from tokcost.pricing.catalog import ModelRecord
from tokcost.pricing.jobs import Job, Request, build_job, declared_models
from tokcost.pricing.money import MONEY_PRECISION, Amount, FxRate, Money, plain
from tokcost.pricing.options import (
    MAX_TOKENS,
    DateLike,
    DecimalLike,
    FxLike,
    InstantLike,
    PriceOptions,
    model_names,
    own_catalog,
    resolve_models,
    whole_option,
)
from tokcost.pricing.windows import context_window

if TYPE_CHECKING:
    from tokcost.pricing.training import TrainingCost

OPENAI_VENDORS = frozenset({"openai"})


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    tokenizers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "tokenizers": list(self.tokenizers)}


@dataclass(frozen=True)
class RequestTokens:
    """One request's prompt and output tokens for one model (a band for an estimate)."""

    label: str
    input: Amount
    output: Amount
    inputs: int = 1


@dataclass(frozen=True)
class CostRecord:
    model: str
    vendor: str
    tokenizer: str
    count_kind: str  # exact | estimate | given
    requests: int  # all requests priced (the job's requests x `requests`)
    inputs: int
    input_tokens: int  # total over all requests; the proxy tokenizer's count for an estimate
    output_tokens: int
    breakdown: CostBreakdown
    per_request: tuple[RequestTokens, ...]
    context_window: int | None
    band: Band | None = None
    context_source: str = ""  # where the window comes from, or why it is unknown
    output_band: Amount | None = None
    notes: tuple[str, ...] = ()
    output_assumption: str = ""  # what the output token figure assumes, said on every verdict
    reasoning_ratio: Decimal | None = None  # reasoning models: hidden reasoning tokens per visible output token
    training: TrainingCost | None = None  # with `epochs`: the fine-tuning job's cost

    @property
    def currency(self) -> str:
        return self.breakdown.currency

    @property
    def total_cost(self) -> Money:
        return self.breakdown.total_cost

    def to_json(self) -> dict[str, Any]:
        b, e = self.breakdown, self.breakdown.entry
        data: dict[str, Any] = {
            "model": self.model, "vendor": self.vendor, "tokenizer": self.tokenizer, "count_kind": self.count_kind,
            "requests": self.requests, "inputs": self.inputs,
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
            "cache_hit_tokens": _tokens_json(b.cache_hit_tokens),
            "cache_write_tokens": _tokens_json(b.cache_write_tokens), "currency": b.currency,
            "input_cost": b.input_cost.to_json(), "cache_hit_cost": b.cache_hit_cost.to_json(),
            "cache_write_cost": b.cache_write_cost.to_json(),
            "output_cost": b.output_cost.to_json(), "total_cost": b.total_cost.to_json(),
            "price_source": f"{e.source}, table {e.table}", "price_date": e.effective, "price_status": e.status,
            "price_currency": e.currency, "price_unit": e.per_tokens, "tier": b.tier or None,
            "context_window": self.context_window, "context_source": self.context_source,
            "prices": [f.to_json() for f in b.fields],
            "prices_as_of": None if b.as_of is None else b.as_of.isoformat(),
            "output_assumption": self.output_assumption or None,
            "money": MONEY_PRECISION,
        }
        if b.fx is not None:
            data["fx"] = {"rate": plain(b.fx.rate), "date": b.fx.date.isoformat(), "origin": b.fx.origin,
                          "pair": f"{b.fx.base}/{b.fx.quote}"}
        if self.band is not None:
            data["band"] = self.band.to_json()
        if self.output_band is not None:
            data["output_band"] = _tokens_json(self.output_band)
        if self.training is not None:
            data["training"] = self.training.to_json()
        data["reasoning_ratio"] = None if self.reasoning_ratio is None else plain(self.reasoning_ratio)
        data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class CostResult:
    """What `cost()` returns: the priced models, and what could not be priced (the rest still was)."""

    records: list[CostRecord]  # cheapest first when ranked (`all`)
    errors: list[InputProblem] = field(default_factory=list)  # inputs that could not be read, unpriced models
    skipped: list[InputProblem] = field(default_factory=list)  # with `all`: models that cannot price this job
    ranked_with: FxRate | None = None  # the rate used to compare currencies when ranking
    unread: int = 0  # how many of `errors` are inputs that could not be read or parsed
    skipped_inputs: list[InputProblem] = field(default_factory=list)  # binary/empty files found in a folder walk
    warnings: list[str] = field(default_factory=list)  # worth saying, not a failure (stale price data)


# ---------------------------------------------------------------- counting

def _needed_tokenizers(models: Sequence[ModelRecord]) -> list[str]:
    from tokcost.tokenizers import band_names

    names = [m.tokenizer for m in models if m.count_kind == "exact"]
    if any(m.count_kind == "estimate" for m in models):
        names += [*(m.tokenizer for m in models if m.count_kind == "estimate"), *band_names()]
    return list(dict.fromkeys(names))


def _given_job(input_tokens: int) -> Job:
    whole_option(input_tokens, "--input-tokens", 0, MAX_TOKENS)
    return Job([Request("--input-tokens", {"": input_tokens})], ("",), inputs=1)


def _output(inp: Amount, output_tokens: int | None, ratio: Decimal | None, cap: int | None = None,
            reasoning: Decimal | None = None) -> Amount:
    """Output tokens of one request: the option's figure plus, for a reasoning model, ceil(that x the
    reasoning ratio) hidden reasoning tokens, capped by the request's max_tokens; with no option,
    the request's max_tokens as its worst case (it bounds reasoning and visible output together)."""
    if ratio is not None:  # output = ceil(input x ratio), per request
        out = Amount(Decimal(math.ceil(inp.low * ratio)), Decimal(math.ceil(inp.high * ratio)))
    elif output_tokens is not None or cap is None:
        out = Amount.of(output_tokens or 0)
    else:
        return Amount.of(cap)
    if reasoning is not None:
        out = Amount(out.low + math.ceil(out.low * reasoning), out.high + math.ceil(out.high * reasoning))
    if cap is not None:
        out = Amount(min(out.low, Decimal(cap)), min(out.high, Decimal(cap)))
    return out


@dataclass
class _Counts:
    reqs: list[RequestTokens]
    central_in: int = 0
    central_out: int = 0
    band_low: int = 0
    band_high: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)
    capped: int = 0  # requests whose output is their max_tokens (worst case) or capped by it


def _model_requests(model: ModelRecord, job: Job, given: bool, output_tokens: int | None,
                    ratio: Decimal | None, reasoning: Decimal | None = None,
                    ) -> tuple[list[RequestTokens], int, int, Band | None, list[str]]:
    """Per-request tokens for one model, its central input/output totals, for an estimate its band,
    and notes on every part not counted exactly."""
    from tokcost.pricing.framing import image_amount, prompt_tokens
    from tokcost.tokenizers import band_names

    c = _Counts([])
    spread = tuple(n for n in job.tokenizers if n and n in band_names())
    for req in job.requests:
        if given:
            central = req.content[""]
            amount = Amount.of(central)
        elif model.count_kind == "exact":
            central, notes = prompt_tokens(req, model, model.tokenizer)
            c.notes += notes
            amount = Amount.of(central)
        else:
            counts = [prompt_tokens(req, model, n)[0] for n in spread]
            central, notes = prompt_tokens(req, model, model.tokenizer)
            c.notes += notes
            amount = Amount(Decimal(min(counts)), Decimal(max(counts)))
            c.band_low, c.band_high = c.band_low + min(counts), c.band_high + max(counts)
        if req.images:
            pics, notes = image_amount(req, model)
            c.notes += notes
            amount = amount + pics
            central += int(pics.high)
        cap = req.max_output
        c.capped += cap is not None
        c.reqs.append(RequestTokens(req.label, amount, _output(amount, output_tokens, ratio, cap, reasoning),
                                    req.inputs))
        c.central_in += central
        c.central_out += int(_output(Amount.of(central), output_tokens, ratio, cap, reasoning).high)
    if c.capped:
        how = ("the output option, capped at each request's max_tokens" if output_tokens is not None or ratio
               is not None else "each request's max_tokens / max_completion_tokens (worst case)")
        c.notes.append(f"output tokens: {how} ({c.capped} of {len(job.requests)} requests set one)")
    band = Band(c.band_low, c.band_high, spread) if model.count_kind == "estimate" and not given else None
    return c.reqs, c.central_in, c.central_out, band, _short_notes(c.notes)


def reasoning_default(model: ModelRecord) -> tuple[bool, Decimal | None]:
    """Whether a model bills hidden reasoning tokens as output, and its stated default ratio."""
    from tokcost.pricing.current import today_models

    today = today_models().get(model.id)
    return (today.reasoning, today.reasoning_ratio) if today else (False, None)


def _reasoning(model: ModelRecord, given: Decimal | None) -> tuple[Decimal | None, str]:
    is_reasoning, default = reasoning_default(model)
    if not is_reasoning:
        return None, ""
    ratio = given if given is not None else default
    if ratio is None:
        raise UsageError(f"{model.id} bills hidden reasoning tokens as output and states no default ratio: "
                         "give --reasoning-ratio")
    whence = "--reasoning-ratio" if given is not None else "tokcost's stated default for this model, an assumption"
    return ratio, (f"reasoning: {model.id} bills hidden reasoning tokens as output; assumed reasoning = "
                   f"{plain(ratio)} x visible output ({whence}); a request's max_tokens caps both together")


def _fx_for(model: ModelRecord, opts: PriceOptions) -> FxRate:
    """--usd-cny; else, on an --as-of date, the rate the price's own document fixes for that very
    date, or else the ECB rate of that date; with current prices the ECB rate of the --at day;
    with neither, the catalog's default rate (a document's own)."""
    from tokcost.pricing.fxhistory import document_rates, ecb_rate

    if opts.fx_given:
        return opts.fx
    if opts.as_of is not None:
        try:
            entry = model.price_on(opts.as_of)
        except UsageError:
            entry = None
        own = document_rates().get(entry.source) if entry is not None else None
        if own is not None and own.date == opts.as_of:
            return own
    if opts.at is not None:
        return ecb_rate(opts.at.date())
    if opts.as_of is not None:
        return ecb_rate(opts.as_of)
    return opts.fx


def _short_notes(notes: list[str], limit: int = 12) -> list[str]:
    unique = list(dict.fromkeys(notes))
    if len(unique) <= limit:
        return unique
    return [*unique[:limit], f"... and {len(unique) - limit} more notes like these"]


# ---------------------------------------------------------------- pricing

def _tiered(model: ModelRecord) -> bool:
    return any(e.prompt_min is not None or e.prompt_max is not None for e in model.history)


def _price(model: ModelRecord, reqs: Sequence[RequestTokens], repeat: int, *, cache_hit: Decimal,
           cache_write: Decimal, as_of: date | None, currency: str | None, fx: FxRate) -> CostBreakdown:
    """Tierless prices are linear, so all requests are priced at once; tiers are chosen per request."""
    price = functools.partial(estimate_cost, model, cache_hit_ratio=cache_hit, cache_write_ratio=cache_write,
                              as_of=as_of, fx=fx)
    if not _tiered(model):
        inp = sum((r.input for r in reqs), Amount.of(0))
        out = sum((r.output for r in reqs), Amount.of(0))
        part = price(inp, out, requests=repeat, currency=currency)
        return dataclasses.replace(part, requests=len(reqs) * repeat)
    groups = Counter((r.input, r.output) for r in reqs)
    largest = max(groups, key=lambda k: k[0].high)
    target = currency or price(largest[0], largest[1]).currency
    parts = [price(i, o, requests=n * repeat, currency=target) for (i, o), n in groups.items()]
    return _combine(parts, next(p for p, k in zip(parts, groups, strict=True) if k == largest))


def _combine(parts: list[CostBreakdown], main: CostBreakdown) -> CostBreakdown:
    def total(attr: str) -> Any:
        values = [getattr(p, attr) for p in parts]
        result = values[0]
        for v in values[1:]:
            result = result + v
        return result

    tiers = list(dict.fromkeys(p.tier for p in parts if p.tier))
    notes = list(dict.fromkeys(n for p in parts for n in p.notes))
    return dataclasses.replace(
        main, requests=sum(p.requests for p in parts), input_tokens=total("input_tokens"),
        output_tokens=total("output_tokens"), cache_hit_tokens=total("cache_hit_tokens"),
        cache_write_tokens=total("cache_write_tokens"), input_cost=total("input_cost"),
        cache_hit_cost=total("cache_hit_cost"), cache_write_cost=total("cache_write_cost"),
        output_cost=total("output_cost"),
        total_cost=total("total_cost"), tier="; ".join(tiers), notes=tuple(notes),
        fx=next((p.fx for p in parts if p.fx is not None), None))


def _record(model: ModelRecord, job: Job, given: bool, opts: PriceOptions, own_file: str | None) -> CostRecord:
    reasoning, reasoning_note = _reasoning(model, opts.reasoning_ratio)
    reqs, central_in, central_out, band, part_notes = _model_requests(model, job, given, opts.output_tokens,
                                                                      opts.output_ratio, reasoning)
    if reasoning_note:
        part_notes.insert(0, reasoning_note)
    repeat = opts.requests
    breakdown = _price(model, reqs, repeat, cache_hit=opts.cache_hit, cache_write=opts.cache_write, as_of=opts.as_of,
                       currency=opts.currency, fx=_fx_for(model, opts))
    notes = list(breakdown.notes) + part_notes + _overridden(job, model)
    if breakdown.entry.status == "current" and breakdown.entry.note:
        notes.insert(0, f"price note: {breakdown.entry.note}")
    if own_file is not None:
        notes.insert(0, f"price: from your price file {own_file}")
    if band is not None:
        notes.append(f"estimate: no {model.display_name} tokenizer offline; band = min..max over "
                     f"{len(band.tokenizers)} tokenizers, central figure = {model.tokenizer}")
    out_band = None
    if band is not None and opts.output_ratio is not None:
        out_band = sum((r.output for r in reqs), Amount.of(0)) * repeat
    if band is not None:
        band = Band(band.low * repeat, band.high * repeat, band.tokenizers)
    window = context_window(model)
    return CostRecord(
        model=model.id, vendor=model.vendor, tokenizer=model.tokenizer,
        count_kind="given" if given else model.count_kind, requests=len(reqs) * repeat, inputs=job.inputs,
        input_tokens=central_in * repeat, output_tokens=central_out * repeat, breakdown=breakdown,
        per_request=tuple(reqs), context_window=window.tokens, context_source=window.source, band=band,
        output_band=out_band, notes=tuple(dict.fromkeys(notes)),
        output_assumption=output_assumption(job, opts.output_tokens, opts.output_ratio), reasoning_ratio=reasoning)


def output_assumption(job: Job, output_tokens: int | None, ratio: Decimal | None) -> str:
    """What the output tokens of a job assume, in words (an unstated 0 is said as such)."""
    capped = sum(r.max_output is not None for r in job.requests)
    total = len(job.requests)
    cap = f", capped at each request's max_tokens ({capped} of {total} set one)" if capped else ""
    if ratio is not None:
        return f"assuming output = input x {ratio} per request{cap}"
    if output_tokens is not None:
        return f"assuming {output_tokens:,} output tokens per request{cap}"
    if capped == total:
        return "assuming each request's max_tokens / max_completion_tokens as its output (worst case)"
    if capped:
        return (f"assuming max_tokens as output where set ({capped} of {total} requests), 0 output tokens "
                "elsewhere (set --output-ratio or --output-tokens)")
    return "assuming 0 output tokens (set --output-ratio or --output-tokens)"


def _with_training(record: CostRecord, model: ModelRecord, job: Job, epochs: int | None,
                   opts: PriceOptions) -> CostRecord:
    if epochs is None:
        return record
    from tokcost.pricing.training import training_cost

    training = training_cost(model, job, epochs, as_of=opts.as_of, currency=opts.currency, fx=_fx_for(model, opts))
    return dataclasses.replace(record, training=training)


def _rank_key(record: CostRecord, fx: FxRate) -> Decimal:
    """The midpoint of the total (a range's centre), in CNY for comparing currencies; with epochs,
    of the training cost."""
    total = (record.training.cost if record.training else record.total_cost).convert("CNY", fx)
    return (total.low + total.high) / 2


# ---------------------------------------------------------------- public API

def cost(paths: Sequence[str] = (), *, models: Sequence[str] | str, text: str | None = None,
         input_tokens: int | None = None, output_tokens: int | None = None,
         output_ratio: DecimalLike | None = None, cache_hit: DecimalLike = 0, requests: int = 1,
         currency: str | None = None, fx: FxLike | None = None, as_of: DateLike | None = None,
         prices: str = "documents", encoding: str | None = None, jobs: int | None = None,
         per_input: bool = False, cache: bool = True, field: str | None = None,
         scheduler: str | None = None, epochs: int | None = None, at: InstantLike | None = None,
         reasoning_ratio: DecimalLike | None = None, cache_write: DecimalLike = 0) -> CostResult:
    """Price a job for each model; `models` containing "all" ranks every model, cheapest first.

    Inputs that cannot be read and models without a current price (prices="current") are listed
    in the result's `.errors`; the rest are still priced. `field` reads the inputs as datasets (one
    request per record, tokcost.datasets); `scheduler` counts them on a Dask cluster; `epochs` adds
    each model's fine-tuning (training) cost for that many epochs (tokcost.pricing.training).
    `cache_hit` / `cache_write`: the shares of each request's input tokens read from / written to the
    prompt cache, billed at the cache-hit / cache-write price (the input price where a model has none, said).
    Without `models`, each chat request is priced by the model its body names (body.model)."""
    from_requests = not model_names(models) and input_tokens is None
    if from_requests:
        models = declared_models(paths)
    if not model_names(models):
        raise UsageError("name a model with -m MODEL (or -m all), or give requests that name theirs "
                         "(body.model); `tokcost models` lists them")
    own = own_catalog(prices)
    chosen = resolve_models(models, prices, own)
    ranked = any(n.lower() == "all" for n in model_names(models))
    opts = PriceOptions.parse(output_tokens=output_tokens, output_ratio=output_ratio, cache_hit=cache_hit,
                              requests=requests, currency=currency, fx=fx, as_of=as_of, prices=prices, at=at,
                              reasoning_ratio=reasoning_ratio, cache_write=cache_write)
    own_ids = {m.id for m in own.models} if own is not None else set()
    if input_tokens is not None and (paths or text is not None):
        raise UsageError("give PATHs/--text or --input-tokens, not both")
    given = input_tokens is not None
    if input_tokens is not None:
        job = _given_job(input_tokens)
    elif field is not None or scheduler is not None:
        from tokcost.datasets.api import dataset_job

        if text is not None:
            raise UsageError("--field reads dataset files; --text cannot be a dataset")
        if field is None:
            raise UsageError("--scheduler counts datasets: give --field (e.g. --field messages)")
        job = dataset_job(paths, field_path=field, tokenizers=_needed_tokenizers(chosen), jobs=jobs,
                          scheduler=scheduler, templates=_templates(chosen))
    else:
        job = build_job(paths, text=text, tokenizers=_needed_tokenizers(chosen), encoding=encoding, jobs=jobs,
                        per_input=per_input, cache=cache, templates=_templates(chosen))
    unread, skipped_inputs = len(job.errors), job.skipped
    errors = job.errors + _model_mismatch(job, chosen, from_requests)
    warnings: list[str] = []
    if opts.at is not None:
        chosen, missing, warnings = _current(chosen, opts.at, job)
        errors += missing
    if not job.requests:
        return CostResult([], errors or [InputProblem("<input>", "no input to price")], unread=unread,
                          skipped_inputs=skipped_inputs)
    records: list[CostRecord] = []
    skipped: list[InputProblem] = []
    for m in chosen:
        try:
            mine = _for_model(job, m, from_requests)
            record = _record(m, mine, given, opts, prices if m.id in own_ids else None)
            records.append(_with_training(record, m, mine, epochs, opts))
        except TokcostError as exc:  # no price for this date, no output price, ...
            (skipped if ranked else errors).append(InputProblem(m.id, str(exc), "model"))
    if ranked:
        records.sort(key=lambda r: _rank_key(r, opts.fx))
    mixed = ranked and len({r.currency for r in records}) > 1
    return CostResult(records, errors, skipped, opts.fx if mixed else None, unread, skipped_inputs, warnings)


def _for_model(job: Job, model: ModelRecord, own_only: bool) -> Job:
    """With models taken from the requests, each model prices only the requests that name it."""
    if not own_only:
        return job
    names = {model.id, *model.aliases}
    mine = [r for r in job.requests if r.model is not None and r.model.strip().lower() in names]
    return dataclasses.replace(job, requests=mine)


def _model_mismatch(job: Job, chosen: Sequence[ModelRecord], from_requests: bool) -> list[InputProblem]:
    if not from_requests:
        return []
    unnamed = [r.label for r in job.requests if r.model is None]
    if not unnamed:
        return []
    more = f" (and {len(unnamed) - 1} more)" if len(unnamed) > 1 else ""
    return [InputProblem(unnamed[0], f"names no model (body.model){more}; give -m MODEL to price every request "
                         "with one model")]


def _overridden(job: Job, model: ModelRecord) -> list[str]:
    names = {model.id, *model.aliases}
    other = sorted({r.model for r in job.requests if r.model is not None and r.model.strip().lower() not in names})
    if not other:
        return []
    return [f"requests naming {', '.join(other)} (body.model) are priced as {model.id}, as -m says"]


def _templates(models: Sequence[ModelRecord]) -> list[str]:
    from tokcost.pricing.framing import template_name

    return list(dict.fromkeys(t for m in models if (t := template_name(m)) is not None))


def _current(models: list[ModelRecord], at: datetime, job: Job,
             ) -> tuple[list[ModelRecord], list[InputProblem], list[str]]:
    """Models with their current price at `at` (batch prices when every request is a Batch API line),
    the models that have none, and a staleness warning."""
    from tokcost.pricing.current import current_record, staleness

    batch = bool(job.requests) and all(r.batch for r in job.requests)
    found, errors = [], []
    for m in models:
        try:
            found.append(current_record(m, at, batch))
        except UsageError as exc:
            errors.append(InputProblem.of(m.id, exc, "model"))
    stale = staleness(at)
    return found, errors, [stale] if stale else []


def _count_json(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else plain(value)


def _tokens_json(t: Amount) -> int | str | dict[str, int | str]:
    return _count_json(t.low) if t.is_exact else {"low": _count_json(t.low), "high": _count_json(t.high)}
