"""Today's prices from the installed genai-prices package, in the catalog's shapes.

genai-prices ships its price data inside the package (no network unless its UpdatePrices is
started, which we never do). Its entries are labelled source "genai-prices <version>", status
"current", and start on the package's own data date, so they can never be picked for a 2024
`as_of` and are never mixed with the document rows. genai-prices is imported lazily.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from tokcost.errors import UsageError
from tokcost.pricing.catalog import Catalog, ModelRecord, PriceEntry
from tokcost.pricing.money import Amount

SOURCE = "genai-prices"
_VERIFIED = re.compile(r"verified on (\d{4}-\d{2}-\d{2})")
_KINDS = {"input": "input_mtok", "output": "output_mtok", "cache_hit_input": "cache_read_mtok"}


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
    """The one instant (UTC, to the second) at which this run evaluates current prices: now, not
    today's 00:00 UTC (a time-of-day price, e.g. DeepSeek's off-peak window, would be misread)."""
    return datetime.now(UTC).replace(microsecond=0)


def instant_label(at: datetime | None = None) -> str:
    return f"evaluated at {(at or evaluation_instant()).isoformat().replace('+00:00', 'Z')}"


def current_record(record: ModelRecord, at: datetime | None = None) -> ModelRecord:
    """The same model with genai-prices' prices in effect at `at` (default: `evaluation_instant()`)
    as its only history."""
    if not record.genai_prices:
        raise UsageError(f"genai-prices has no price for {record.id} (no mapping in the catalog)")
    provider_id, _, model_ref = record.genai_prices.partition(":")
    from genai_prices import data_snapshot

    try:
        provider, model = data_snapshot.get_snapshot().find_provider_model(model_ref, None, provider_id, None)
    except LookupError as exc:
        raise UsageError(f"genai-prices has no price for {record.id} ({record.genai_prices}): {exc}") from exc
    src = source_info()
    when = at or evaluation_instant()
    prices = model.get_prices(when)
    entries = tuple(_entries(record.id, provider, model, prices, src, when))
    return dataclasses.replace(record, history=entries, currency="USD")


def missing(catalog: Catalog) -> dict[str, str]:
    """Model id -> why no current price is available."""
    out: dict[str, str] = {}
    for rec in catalog.models:
        try:
            current_record(rec)
        except UsageError as exc:
            out[rec.id] = str(exc)
    return out


def _entries(model_id: str, provider: Any, model: Any, prices: Any, src: CurrentSource,
             when: datetime) -> list[PriceEntry]:
    values = {kind: getattr(prices, attr) for kind, attr in _KINDS.items()}
    starts = sorted({t.start for v in values.values() if _tiered(v) for t in v.tiers})
    bounds = list(zip([None, *starts], [*starts, None], strict=True))
    return [_entry(model_id, provider, model, values, low, high, src, i, when) for i, (low, high) in enumerate(bounds)]


def _entry(model_id: str, provider: Any, model: Any, values: dict[str, Any], low: int | None,
           high: int | None, src: CurrentSource, order: int, when: datetime) -> PriceEntry:
    tier = _tier_text(low, high)
    amounts = {k: _at(v, low) for k, v in values.items()}
    return PriceEntry(
        model=model_id, vendor_name=provider.name, doc_model=model.id, source=src.label,
        table=f"{provider.id}/{model.id}", currency="USD", per_tokens=1_000_000,
        input=amounts["input"], output=amounts["output"], cache_hit_input=amounts["cache_hit_input"],
        effective=f"data as of {src.data_date.isoformat()}; {instant_label(when)}", valid_from=src.data_date,
        valid_until=None,
        status="current", tier=tier, prompt_min=low, prompt_max=high,
        note=model.price_comments or "", file=src.label, order=order,
    )


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
