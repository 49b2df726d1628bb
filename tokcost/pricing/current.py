"""Today's prices, maintained by others, evaluated at a stated instant (`--prices current --at`).

Two sources, tried in the order a model lists them:
- genai-prices (imported lazily; its data ships inside the package and no network is used): its
  prices are evaluated at the instant `at` (so DeepSeek's off-peak window, start dates and tiers
  apply), with its `processing: batch` variant for OpenAI batch files, cache-read and cache-write
  (5-minute) prices kept; a 1-hour cache-write price is stated, not applied.
- LiteLLM's `model_prices_and_context_window.json` from the pinned litellm wheel (an asset, USD per
  token), for models genai-prices lacks: input/output/cache-read/cache-write, its tiered_pricing
  ranges, and `*_batches` prices.
Entries are labelled with their source and version, status "current", and start on the source's
data date, so they are never mixed with the 2024 document rows. A staleness warning is given when
genai-prices' newest price data is more than 90 days older than `at`.
"""
from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from tokcost.errors import DataError, UsageError
from tokcost.paths import data_text
from tokcost.pricing.catalog import Catalog, ModelRecord, PriceEntry
from tokcost.pricing.money import Amount

SOURCE = "genai-prices"
LITELLM = "LiteLLM"
STALE_DAYS = 90
_VERIFIED = re.compile(r"verified on (\d{4}-\d{2}-\d{2})")
_KINDS = {"input": "input_mtok", "output": "output_mtok", "cache_hit_input": "cache_read_mtok",
          "cache_write_input": "cache_write_mtok"}
_MODEL_KEYS = {"id", "vendor", "vendor_name", "display_name", "count_kind", "tokenizer", "proxy_tokenizer",
               "sources", "reasoning", "reasoning_ratio", "comment"}


@dataclass(frozen=True)
class CurrentSource:
    version: str
    data_date: date  # the newest price start or verification date in its data, not after today

    @property
    def label(self) -> str:
        return f"{SOURCE} {self.version}"


@lru_cache(maxsize=1)
def source_info() -> CurrentSource:
    import genai_prices
    from genai_prices import data_snapshot, types

    today = date.today()
    found: list[date] = []
    for provider in data_snapshot.get_snapshot().providers:
        found += _verified_dates(provider.price_comments)
        for model in provider.models:
            found += _verified_dates(model.price_comments)
            if isinstance(model.prices, list):
                found += [c.constraint.start_date for c in model.prices
                          if isinstance(c.constraint, types.StartDateConstraint)]
    return CurrentSource(genai_prices.__version__, max(d for d in found if d <= today))


def _verified_dates(text: str | None) -> list[date]:
    return [date.fromisoformat(d) for d in _VERIFIED.findall(text or "")]


@lru_cache(maxsize=1)
def evaluation_instant() -> datetime:
    """The one instant (UTC, to the second) at which this run evaluates current prices by default: now."""
    return datetime.now(UTC).replace(microsecond=0)


def instant_label(at: datetime | None = None) -> str:
    return f"evaluated at {(at or evaluation_instant()).isoformat().replace('+00:00', 'Z')}"


def parse_at(value: datetime | str | None) -> datetime:
    """`--at`: an ISO instant (a naive one is UTC); default now."""
    if value is None:
        return evaluation_instant()
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {value!r} is not an instant; write 2026-01-01T12:00:00Z") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def staleness(at: datetime) -> str | None:
    src = source_info()
    age = (at.date() - src.data_date).days
    if age > STALE_DAYS:
        return (f"{src.label}'s newest price data is {src.data_date.isoformat()}, {age} days before "
                f"{at.date().isoformat()}: prices may be stale (upgrade genai-prices)")
    return None


# ---------------------------------------------------------------- today's models

@dataclass(frozen=True)
class TodayModel:
    record: ModelRecord
    sources: tuple[str, ...]  # "genai-prices:provider:model" or "litellm:key"
    reasoning: bool = False
    reasoning_ratio: Decimal | None = None


@cache
def today_models() -> dict[str, TodayModel]:
    text = data_text("current_models.toml")
    out: dict[str, TodayModel] = {}
    for i, raw in enumerate(tomllib.loads(text)["model"], 1):
        unknown = set(raw) - _MODEL_KEYS
        if unknown or not {"id", "vendor", "sources", "count_kind"} <= set(raw):
            raise DataError(f"current_models.toml model #{i}: unknown keys {sorted(unknown)} or missing "
                            "id/vendor/sources/count_kind")
        rec = ModelRecord(id=raw["id"], vendor=raw["vendor"], vendor_name=raw["vendor_name"],
                          display_name=raw["display_name"], tokenizer=raw.get("tokenizer") or raw["proxy_tokenizer"],
                          count_kind=raw["count_kind"], currency="USD", history=(),
                          proxy_tokenizer=raw.get("proxy_tokenizer"), comment=raw.get("comment", ""),
                          file="current_models.toml")
        ratio = Decimal(raw["reasoning_ratio"]) if "reasoning_ratio" in raw else None
        out[rec.id] = TodayModel(rec, tuple(raw["sources"]), bool(raw.get("reasoning")), ratio)
    return out


def _sources_of(record: ModelRecord) -> tuple[str, ...]:
    today = today_models().get(record.id)
    if today is not None:
        return today.sources
    return (f"genai-prices:{record.genai_prices}",) if record.genai_prices else ()


def current_record(record: ModelRecord, at: datetime | None = None, batch: bool = False) -> ModelRecord:
    """The same model with the current price at `at` as its only history (first source that has it)."""
    at = parse_at(at)
    tried: list[str] = []
    for source in _sources_of(record):
        kind, _, ref = source.partition(":")
        try:
            entries, window = (_genai(record, ref, at, batch) if kind == "genai-prices"
                               else _litellm(record, ref, batch))
        except LookupError as exc:
            tried.append(f"{kind} {ref}: {exc}")
            continue
        return dataclasses.replace(record, history=tuple(entries), currency="USD",
                                   context_window=record.context_window or window,
                                   context_source=record.context_source or (f"{entries[0].source}" if window else ""))
    why = "; ".join(tried) if tried else "no mapping to a current price source"
    raise UsageError(f"no current price for {record.id} ({why})")


def missing(catalog: Catalog) -> dict[str, str]:
    """Model id -> why no current price is available."""
    out: dict[str, str] = {}
    for rec in catalog.models:
        try:
            current_record(rec)
        except UsageError as exc:
            out[rec.id] = str(exc)
    return out


# ---------------------------------------------------------------- genai-prices

def _genai(record: ModelRecord, ref: str, at: datetime, batch: bool) -> tuple[list[PriceEntry], int | None]:
    from genai_prices import data_snapshot

    provider_id, _, model_ref = ref.partition(":")
    provider, model = data_snapshot.get_snapshot().find_provider_model(model_ref, None, provider_id, None)
    src = source_info()
    context = {"processing": "batch"} if batch and _has_batch(model, at) else None
    prices = model.get_prices(at, context)
    notes = [f"evaluated at {at.isoformat().replace('+00:00', 'Z')}"]
    notes += _time_of_day(model, at)
    if context:
        notes.append("batch price (genai-prices processing=batch variant)")
    elif batch:
        notes.append(f"{src.label} states no batch price for {model.id}: standard price")
    if getattr(prices, "cache_write_1h_mtok", None) is not None:
        notes.append(f"1-hour cache writes {_price_text(prices.cache_write_1h_mtok)} USD/1M tokens: not applied "
                     "(--cache-write bills the 5-minute cache-write price)")
    values = {kind: getattr(prices, attr, None) for kind, attr in _KINDS.items()}
    starts = sorted({t.start for v in values.values() if v is not None and _tiered(v) for t in v.tiers})
    bounds = list(zip([None, *starts], [*starts, None], strict=True))
    label = dict(source=src.label, table=f"{provider.id}/{model.id}", vendor_name=provider.name,
                 doc_model=model.id, note="; ".join(notes),
                 effective=f"data as of {src.data_date.isoformat()}; {instant_label(at)}",
                 valid_from=src.data_date, file=src.label)
    entries = [_entry(record.id, {k: _at(v, low) for k, v in values.items()}, low, high, i, label)
               for i, (low, high) in enumerate(bounds)]
    return entries, getattr(model, "context_window", None)


def _has_batch(model: Any, at: datetime) -> bool:
    return any(v.when.get("processing") == "batch" and (v.constraint is None or v.constraint.active(at))
               for v in model.price_variants or ())


def _time_of_day(model: Any, at: datetime) -> list[str]:
    from genai_prices import types

    if not isinstance(model.prices, list):
        return []
    out = []
    for c in model.prices:
        if isinstance(c.constraint, types.TimeOfDateConstraint):
            window = (f"{c.constraint.start_time.strftime('%H:%M')}\u2013{c.constraint.end_time.strftime('%H:%M')} UTC")
            inside = c.constraint.active(at)
            out.append(f"time-of-day prices: one price {window}, another outside it (DeepSeek's off-peak); "
                       f"{at.strftime('%H:%M')} UTC is {'inside' if inside else 'outside'} that window")
    return out


def _entry(model_id: str, amounts: dict[str, Amount | None], low: int | None, high: int | None, order: int,
           label: dict[str, Any]) -> PriceEntry:
    return PriceEntry(model=model_id, currency="USD", per_tokens=1_000_000, input=amounts["input"],
                      output=amounts["output"], cache_hit_input=amounts["cache_hit_input"],
                      cache_write_input=amounts.get("cache_write_input"), valid_until=None,
                      status="current", tier=_tier_text(low, high), prompt_min=low, prompt_max=high, order=order,
                      **label)


def _price_text(value: Any) -> str:
    """A genai-prices price in words, with its prompt tiers if it has any."""
    if not _tiered(value):
        return str(_at(value, None))
    tiers = ", ".join(f"prompt > {t.start:,} tokens: {_at(t.price, None)}" for t in value.tiers)
    return f"{_at(value, None)} ({tiers})"


def _tier_text(low: int | None, high: int | None) -> str:
    if low is None:
        return "" if high is None else f"prompt <= {high:,} tokens"
    return f"prompt > {low:,} tokens" if high is None else f"{low:,} < prompt <= {high:,} tokens"


def _tiered(value: Any) -> bool:
    return value is not None and hasattr(value, "tiers")


def _at(value: Any, prompt_above: int | None) -> Amount | None:
    """The price that applies to prompts above `prompt_above` (None: the base price)."""
    if value is None:
        return None
    if not _tiered(value):
        return Amount.of(Decimal(value))
    price = value.base
    for t in value.tiers:
        if prompt_above is not None and prompt_above >= t.start:
            price = t.price
    return Amount.of(Decimal(price))


# ---------------------------------------------------------------- LiteLLM

@cache
def litellm_prices() -> dict[str, Any]:
    """LiteLLM's price JSON from the pinned wheel, floats read as exact Decimals of their text."""
    from tokcost.tokenizers.assets import asset_path

    return json.loads(asset_path("litellm-model-prices").read_text("utf-8"), parse_float=Decimal)


def litellm_label() -> str:
    from tokcost.tokenizers.assets import get_spec

    return f"{LITELLM} {get_spec('litellm-model-prices').version} model_prices_and_context_window.json"


def _per_m(value: Any) -> Amount | None:
    return None if value is None else Amount.of(Decimal(value) * 1_000_000)


def _litellm(record: ModelRecord, key: str, batch: bool) -> tuple[list[PriceEntry], int | None]:
    row = litellm_prices().get(key)
    if not isinstance(row, dict):
        raise LookupError(f"no entry {key!r}")
    label = dict(source=litellm_label(), table=key, vendor_name=str(row.get("litellm_provider", "")), doc_model=key,
                 effective="data date not recorded",
                 valid_from=source_info().data_date,
                 file=litellm_label())
    suffix = "_batches" if batch and row.get("input_cost_per_token_batches") is not None else ""
    note = "batch price (input/output_cost_per_token_batches)" if suffix else (
        "LiteLLM states no batch price: standard price" if batch else "")
    note = "; ".join(n for n in (note, *_litellm_write_notes(row, key)) if n)
    tiers = row.get("tiered_pricing")
    if isinstance(tiers, list) and tiers:
        entries = []
        for i, t in enumerate(tiers):
            low, high = (int(x) for x in t["range"])
            amounts = {"input": _per_m(t.get("input_cost_per_token")), "output": _per_m(t.get("output_cost_per_token")),
                       "cache_hit_input": _per_m(t.get("cache_read_input_token_cost")),
                       "cache_write_input": _litellm_write(t)}
            entries.append(_entry(record.id, amounts, low or None, high, i, {**label, "note": note}))
        return entries, row.get("max_input_tokens")
    amounts = {"input": _per_m(row.get(f"input_cost_per_token{suffix}")),
               "output": _per_m(row.get(f"output_cost_per_token{suffix}")),
               "cache_hit_input": _per_m(row.get("cache_read_input_token_cost")),
               "cache_write_input": _litellm_write(row)}
    if amounts["input"] is None and amounts["output"] is None:
        raise LookupError(f"{key!r} has no token prices")
    return [_entry(record.id, amounts, None, None, 0, {**label, "note": note})], row.get("max_input_tokens")


def _litellm_write(row: dict[str, Any]) -> Amount | None:
    """LiteLLM's cache-write price; its 0 (DeepSeek's rows) means no separate write charge, not free
    writes: such writes are cache misses, billed at the input price."""
    value = row.get("cache_creation_input_token_cost")
    return None if value is None or Decimal(value) == 0 else _per_m(value)


def _litellm_write_notes(row: dict[str, Any], key: str) -> list[str]:
    notes = []
    if row.get("cache_creation_input_token_cost") is not None and _litellm_write(row) is None:
        notes.append(f"LiteLLM states cache write 0 for {key}: read as no cache-write price (writes are billed "
                     "at the input price)")
    hour = row.get("cache_creation_input_token_cost_above_1hr")
    if hour is not None:
        notes.append(f"1-hour cache writes {_per_m(hour)} USD/1M tokens: not applied (--cache-write bills the "
                     "5-minute cache-write price)")
    return notes
