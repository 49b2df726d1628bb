"""Cost arithmetic: pure functions from a ModelRecord and token counts to a CostBreakdown.

Token counts are per request; `requests` multiplies them. A tier is chosen by the prompt
(input) tokens of one request, and a prompt above a threshold is priced at that tier
entirely. Nothing is rounded here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from tokcost.pricing.catalog import ModelRecord, PriceEntry, unit_label
from tokcost.errors import TokcostError, UsageError
from tokcost.pricing.money import Amount, FxRate, Money, Number

Tokens = Amount | Number


@dataclass(frozen=True)
class CostBreakdown:
    model: str
    requests: int
    input_tokens: Amount  # totals over all requests
    output_tokens: Amount
    cache_hit_tokens: Amount
    currency: str
    input_cost: Money  # input billed at the normal (cache-miss) price
    cache_hit_cost: Money
    output_cost: Money
    total_cost: Money
    entry: PriceEntry  # the price entry used (for the largest prompt, if a range straddles tiers)
    tier: str
    fx: FxRate | None
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            "model": self.model, "requests": self.requests, "currency": self.currency,
            "input_tokens": _tokens_json(self.input_tokens), "output_tokens": _tokens_json(self.output_tokens),
            "cache_hit_tokens": _tokens_json(self.cache_hit_tokens),
            "input_cost": self.input_cost.to_json(), "cache_hit_cost": self.cache_hit_cost.to_json(),
            "output_cost": self.output_cost.to_json(), "total_cost": self.total_cost.to_json(),
            "price": {"source": e.source, "table": e.table, "effective": e.effective, "status": e.status,
                      "doc_model": e.doc_model, "currency": e.currency, "per_tokens": e.per_tokens},
            "tier": self.tier or None,
            "fx": None if self.fx is None else {"rate": str(self.fx.rate), "date": self.fx.date.isoformat(),
                                                 "origin": self.fx.origin},
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Parts:
    input: Money
    cache_hit: Money
    output: Money


def estimate_cost(
    record: ModelRecord,
    input_tokens: Tokens,
    output_tokens: Tokens | None = None,
    *,
    output_ratio: Decimal | None = None,
    cache_hit_ratio: Decimal = Decimal(0),
    requests: int = 1,
    as_of: date | None = None,
    currency: str | None = None,
    fx: FxRate | None = None,
) -> CostBreakdown:
    """Cost of `requests` requests of `input_tokens` in and `output_tokens` out (or
    input × `output_ratio`). `currency` converts with the explicit `fx` rate."""
    inp = Amount.of(input_tokens)
    out = _output_tokens(inp, output_tokens, output_ratio)
    _check_args(inp, out, cache_hit_ratio, requests)
    low_entry = record.price_on(as_of, _whole(inp.low))
    high_entry = record.price_on(as_of, _whole(inp.high))
    target = currency or high_entry.currency
    notes: list[str] = []
    if low_entry is high_entry:
        parts = _parts(high_entry, inp, out, cache_hit_ratio, target, fx, notes)
    else:
        low = _parts(low_entry, Amount.of(inp.low), Amount.of(out.low), cache_hit_ratio, target, fx, notes)
        high = _parts(high_entry, Amount.of(inp.high), Amount.of(out.high), cache_hit_ratio, target, fx, notes)
        parts = _Parts(*(_span(a, b) for a, b in zip(_fields(low), _fields(high), strict=True)))
        notes.append(f"the prompt range {inp} straddles a tier boundary: low end at {low_entry.tier or 'base'}, "
                     f"high end at {high_entry.tier or 'base'}")
    parts = _Parts(*(m * requests for m in _fields(parts)))
    notes.extend(_entry_notes(record, high_entry, as_of))
    used_fx = fx if any(e.currency != target for e in (low_entry, high_entry)) else None
    if used_fx is not None:
        notes.append(f"converted {high_entry.currency}->{target} at {used_fx.short()}")
    return CostBreakdown(
        model=record.id, requests=requests, input_tokens=inp * requests, output_tokens=out * requests,
        cache_hit_tokens=inp * cache_hit_ratio * requests, currency=target,
        input_cost=parts.input, cache_hit_cost=parts.cache_hit, output_cost=parts.output,
        total_cost=parts.input + parts.cache_hit + parts.output, entry=high_entry,
        tier=high_entry.tier, fx=used_fx, notes=tuple(dict.fromkeys(notes)),
    )


def price_cost(entry: PriceEntry, kind: str, tokens: Tokens) -> Money:
    """Tokens × one price of an entry ("input", "output" or "cache_hit_input"), in its currency."""
    price: Amount | None = getattr(entry, kind)
    tokens = Amount.of(tokens)
    if price is None:
        if tokens.high == 0:
            return Money.zero(entry.currency)
        raise TokcostError(f"{entry.doc_model}: the document gives no {kind.replace('_', ' ')} price "
                           f"({entry.source}, {entry.table}); give 0 {kind} tokens or pick another date")
    cost = tokens * price
    return Money(cost.low / entry.per_tokens, cost.high / entry.per_tokens, entry.currency)


def _parts(entry: PriceEntry, inp: Amount, out: Amount, hit_ratio: Decimal, target: str,
           fx: FxRate | None, notes: list[str]) -> _Parts:
    hits = inp * hit_ratio
    misses = inp * (1 - hit_ratio)
    hit_kind = "cache_hit_input"
    if hit_ratio and entry.cache_hit_input is None:
        hit_kind = "input"
        notes.append(f"{entry.doc_model} has no cache-hit input price in {entry.table}: "
                     "cache hits are billed at the normal input price")
    if entry.currency != target and fx is None:
        raise UsageError(f"{entry.doc_model} is priced in {entry.currency}; pricing in {target} "
                         "needs an exchange rate (fx)")
    parts = [price_cost(entry, "input", misses), price_cost(entry, hit_kind, hits),
             price_cost(entry, "output", out)]
    return _Parts(*(m.convert(target, fx) for m in parts))


def _entry_notes(record: ModelRecord, entry: PriceEntry, as_of: date | None) -> list[str]:
    notes = [f"price: {entry.describe()}"]
    if entry.tier:
        notes.append(f"tier: {entry.tier} (chosen by the prompt tokens of one request)")
    if entry.garbled:
        notes.append(f"the source cell is garbled or misprinted: {entry.note or entry.comment}")
    if entry.converted:
        notes.append(f"this figure is the document's own conversion, not a vendor-quoted price: {entry.note}")
    for other in record.conflicts_on(as_of):
        notes.append(f"conflict: {other.describe()}; {other.resolution}")
    return notes


def _output_tokens(inp: Amount, output: Tokens | None, ratio: Decimal | None) -> Amount:
    if output is not None and ratio is not None:
        raise UsageError("give output tokens or an output ratio, not both")
    if ratio is not None:
        return inp * ratio
    return Amount.of(output if output is not None else 0)


def _check_args(inp: Amount, out: Amount, hit_ratio: Decimal, requests: int) -> None:
    if isinstance(hit_ratio, float) or not 0 <= hit_ratio <= 1:
        raise UsageError(f"cache-hit ratio must be a Decimal between 0 and 1, not {hit_ratio!r}")
    if inp.low < 0 or out.low < 0:
        raise UsageError("token counts cannot be negative")
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise UsageError(f"requests must be a whole number >= 1, not {requests!r}")


def _whole(tokens: Decimal) -> int:
    return int(tokens.to_integral_value(rounding=ROUND_CEILING))


def _span(a: Money, b: Money) -> Money:
    return Money(min(a.low, b.low), max(a.high, b.high), a.currency)


def _fields(p: _Parts) -> tuple[Money, Money, Money]:
    return (p.input, p.cache_hit, p.output)


def _tokens_json(t: Amount) -> str | dict[str, str]:
    return str(t) if t.is_exact else {"low": str(t.low), "high": str(t.high)}


def per_unit_label(entry: PriceEntry) -> str:
    return f"{entry.currency} per {unit_label(entry.per_tokens)} tokens"
