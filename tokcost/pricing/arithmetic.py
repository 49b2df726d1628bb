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

from tokcost.errors import TokcostError, UsageError
from tokcost.pricing.catalog import ModelRecord, PriceEntry, unit_label
from tokcost.pricing.money import Amount, FxRate, Money, Number
from tokcost.pricing.selection import KINDS, FieldPrice, no_price, select, target_currency

Tokens = Amount | Number


@dataclass(frozen=True)
class CostBreakdown:
    model: str
    requests: int
    input_tokens: Amount  # totals over all requests
    output_tokens: Amount
    cache_hit_tokens: Amount
    cache_write_tokens: Amount  # input tokens written to the prompt cache (neither a miss nor a hit)
    currency: str
    input_cost: Money  # input billed at the normal (cache-miss) price
    cache_hit_cost: Money
    cache_write_cost: Money
    output_cost: Money
    total_cost: Money
    entry: PriceEntry  # the price entry used (for the largest prompt, if a range straddles tiers)
    tier: str
    fx: FxRate | None  # the stated rate, when a vendor figure in the other currency was converted
    notes: tuple[str, ...]
    fields: tuple[FieldPrice, ...] = ()  # the figure billing each price field, with row and rate
    as_of: date | None = None  # the day the prices are in effect on

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            "model": self.model, "requests": self.requests, "currency": self.currency,
            "input_tokens": _tokens_json(self.input_tokens), "output_tokens": _tokens_json(self.output_tokens),
            "cache_hit_tokens": _tokens_json(self.cache_hit_tokens),
            "cache_write_tokens": _tokens_json(self.cache_write_tokens),
            "input_cost": self.input_cost.to_json(), "cache_hit_cost": self.cache_hit_cost.to_json(),
            "cache_write_cost": self.cache_write_cost.to_json(),
            "output_cost": self.output_cost.to_json(), "total_cost": self.total_cost.to_json(),
            "price": {"source": e.source, "table": e.table, "effective": e.effective, "status": e.status,
                      "doc_model": e.doc_model, "currency": e.currency, "per_tokens": e.per_tokens},
            "tier": self.tier or None,
            "fx": None if self.fx is None else {"rate": str(self.fx.rate), "date": self.fx.date.isoformat(),
                                                 "origin": self.fx.origin},
            "prices": [f.to_json() for f in self.fields],
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Parts:
    input: Money
    cache_hit: Money
    output: Money
    cache_write: Money


def estimate_cost(
    record: ModelRecord,
    input_tokens: Tokens,
    output_tokens: Tokens | None = None,
    *,
    output_ratio: Decimal | None = None,
    cache_hit_ratio: Decimal = Decimal(0),
    cache_write_ratio: Decimal = Decimal(0),
    requests: int = 1,
    as_of: date | None = None,
    currency: str | None = None,
    fx: FxRate | None = None,
) -> CostBreakdown:
    """Cost of `requests` requests of `input_tokens` in and `output_tokens` out (or
    input × `output_ratio`), in `currency` (default: the vendor's). Of each request's input, the share
    `cache_hit_ratio` is billed at the cache-hit price and `cache_write_ratio` at the cache-write price.
    Each price field is chosen by provenance (see `selection`); the stated `fx` converts a vendor
    figure in the other currency."""
    inp = Amount.of(input_tokens)
    out = _output_tokens(inp, output_tokens, output_ratio)
    _check_args(inp, out, cache_hit_ratio, requests, cache_write_ratio)
    shares = (cache_hit_ratio, cache_write_ratio)
    day = as_of or record.newest_date
    target = target_currency(record, currency)
    notes: list[str] = []
    high = _fields(record, day, _whole(inp.high), target, fx)
    low = _fields(record, day, _whole(inp.low), target, fx)
    if low == high:
        parts = _parts(record, day, high, inp, out, shares, notes)
    else:
        lo = _parts(record, day, low, Amount.of(inp.low), Amount.of(out.low), shares, notes)
        hi = _parts(record, day, high, Amount.of(inp.high), Amount.of(out.high), shares, notes)
        parts = _Parts(*(_span(a, b) for a, b in zip(_fields_of(lo), _fields_of(hi), strict=True)))
        notes.append(f"the prompt range {inp} straddles a tier boundary: low end at {_tier(low) or 'base'}, "
                     f"high end at {_tier(high) or 'base'}")
    parts = _Parts(*(m * requests for m in _fields_of(parts)))
    used = tuple(f for f in high.values() if f is not None and (cache_write_ratio or f.kind != "cache_write_input"))
    notes[:0] = [f.describe() for f in used]
    notes.extend(_unused_write_price(high, cache_write_ratio))
    notes.extend(_entry_notes(record, as_of))
    stated_fx = fx if any(f.provenance == "own-converted" for f in used) else None
    main = next(f.entry for f in used)
    return CostBreakdown(
        model=record.id, requests=requests, input_tokens=inp * requests, output_tokens=out * requests,
        cache_hit_tokens=inp * cache_hit_ratio * requests, cache_write_tokens=inp * cache_write_ratio * requests,
        currency=target, input_cost=parts.input, cache_hit_cost=parts.cache_hit, cache_write_cost=parts.cache_write,
        output_cost=parts.output, total_cost=parts.input + parts.cache_hit + parts.cache_write + parts.output,
        entry=main, tier=_tier(high), fx=stated_fx, notes=tuple(dict.fromkeys(notes)), fields=used, as_of=day,
    )


def _fields(record: ModelRecord, day: date, prompt: int, target: str,
            fx: FxRate | None) -> dict[str, FieldPrice | None]:
    found = {k: select(record, k, day=day, prompt_tokens=prompt, target=target, fx=fx) for k in KINDS}
    if found["input"] is None and found["output"] is None:
        raise no_price(record, day)
    return found


def _tier(fields: dict[str, FieldPrice | None]) -> str:
    return next((f.entry.tier for f in fields.values() if f is not None and f.entry.tier), "")


def price_cost(entry: PriceEntry, kind: str, tokens: Tokens) -> Money:
    """Tokens × one price of an entry ("input", "output", "cache_hit_input", ...), in its currency."""
    price: Amount | None = getattr(entry, kind)
    tokens = Amount.of(tokens)
    if price is None:
        if tokens.high == 0:
            return Money.zero(entry.currency)
        raise TokcostError(f"{entry.doc_model}: the document gives no {kind.replace('_', ' ')} price "
                           f"({entry.source}, {entry.table}); give 0 {kind} tokens or pick another date")
    cost = tokens * price
    return Money(cost.low / entry.per_tokens, cost.high / entry.per_tokens, entry.currency)


def _parts(record: ModelRecord, day: date, fields: dict[str, FieldPrice | None], inp: Amount, out: Amount,
           shares: tuple[Decimal, Decimal], notes: list[str]) -> _Parts:
    target = next(f.currency for f in fields.values() if f is not None)
    hit_ratio, write_ratio = shares
    misses = inp * (1 - hit_ratio - write_ratio)
    return _Parts(_cost(record, day, fields["input"], "input", misses, target),
                  _cost(record, day, _cache_field(record, fields, "hit", hit_ratio, notes), "input", inp * hit_ratio,
                        target),
                  _cost(record, day, fields["output"], "output", out, target),
                  _cost(record, day, _cache_field(record, fields, "write", write_ratio, notes), "input",
                        inp * write_ratio, target))


def _cache_field(record: ModelRecord, fields: dict[str, FieldPrice | None], what: str, ratio: Decimal,
                 notes: list[str]) -> FieldPrice | None:
    """The price billing cache hits or writes: the model's own, else (said in a note) the normal input price."""
    field = fields[f"cache_{what}_input"]
    if ratio and field is None:
        plural = "hits" if what == "hit" else "writes"
        notes.append(f"{record.id} has no cache-{what} input price in effect: cache {plural} are billed at the "
                     "normal input price")
        return fields["input"]
    return field


def _unused_write_price(fields: dict[str, FieldPrice | None], write_ratio: Decimal) -> list[str]:
    field = fields["cache_write_input"]
    if write_ratio or field is None:
        return []
    return [f"cache write {field.price.format()} {field.currency} per {unit_label(field.per_tokens)} tokens "
            "(not applied: no cache writes given; --cache-write)"]


def _cost(record: ModelRecord, day: date, field: FieldPrice | None, kind: str, tokens: Amount,
          target: str) -> Money:
    if field is not None:
        return field.cost(tokens)
    if tokens.high == 0:
        return Money.zero(target)
    raise TokcostError(f"{record.id}: no {kind} price in effect on {day.isoformat()} (the documents give none); "
                       f"give 0 {kind} tokens or pick another date")


def _entry_notes(record: ModelRecord, as_of: date | None) -> list[str]:
    return [f"conflict: {other.describe()}; {other.resolution}" for other in record.conflicts_on(as_of)]


def _output_tokens(inp: Amount, output: Tokens | None, ratio: Decimal | None) -> Amount:
    if output is not None and ratio is not None:
        raise UsageError("give output tokens or an output ratio, not both")
    if ratio is not None:
        return inp * ratio
    return Amount.of(output if output is not None else 0)


def _check_args(inp: Amount, out: Amount, hit_ratio: Decimal, requests: int, write_ratio: Decimal) -> None:
    for what, ratio in (("cache-hit", hit_ratio), ("cache-write", write_ratio)):
        if isinstance(ratio, float) or not 0 <= ratio <= 1:
            raise UsageError(f"{what} ratio must be a Decimal between 0 and 1, not {ratio!r}")
    if hit_ratio + write_ratio > 1:
        raise UsageError(f"cache-hit ratio {hit_ratio} + cache-write ratio {write_ratio} is more than 1")
    if inp.low < 0 or out.low < 0:
        raise UsageError("token counts cannot be negative")
    if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
        raise UsageError(f"requests must be a whole number >= 1, not {requests!r}")


def _whole(tokens: Decimal) -> int:
    return int(tokens.to_integral_value(rounding=ROUND_CEILING))


def _span(a: Money, b: Money) -> Money:
    return Money(min(a.low, b.low), max(a.high, b.high), a.currency)


def _fields_of(p: _Parts) -> tuple[Money, Money, Money, Money]:
    return (p.input, p.cache_hit, p.output, p.cache_write)


def _tokens_json(t: Amount) -> str | dict[str, str]:
    return str(t) if t.is_exact else {"low": str(t.low), "high": str(t.high)}
