"""Which printed figure bills each part of a request: selection by provenance, per price field.

For each field (input, output, cache-hit input, cache-write input) separately, among the model's entries
in effect on the day for the prompt size:
1. a tier-specific figure beats an untiered one (the tier is what the vendor bills);
2. provenance, for the requested currency: the vendor's own figure in that currency; else the vendor's
   own figure in the other currency, converted at the stated rate (`fx`); else a document author's
   conversion of the vendor's figure, undone at the rate that document used (recovering the vendor's
   figure: the shortest amount that the document's rounding maps to the printed one); else an author's
   conversion already in the requested currency, as printed. A conversion is never converted again;
3. a clean cell beats a garbled one; then the newest start; a stated start beats one inferred from an
   observation; then the later row.
Undated rows are used only when no dated row gives the field. Dates: `validity` says what each
entry's date means (a start, an end, or an observation extended back to the last known change).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from tokcost.errors import UsageError
from tokcost.pricing.catalog import ModelRecord, PriceEntry, fx_rates, unit_label
from tokcost.pricing.money import Amount, FxRate, Money

KINDS = ("input", "output", "cache_hit_input", "cache_write_input")
_MONTH = re.compile(r"(?:before )?(\d{4})-(\d{2})(?:-\d{2})?")
_DAY = re.compile(r"(?:before )?(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Validity:
    start: date | None  # inclusive; None: open backwards
    end: date | None  # exclusive; None: open forwards
    stated_start: bool  # the document gives this start (not inferred from an observation)
    flags: tuple[str, ...] = ()

    @property
    def undated(self) -> bool:
        return self.start is None and self.end is None and not self.stated_start and bool(self.flags) \
            and self.flags[0].startswith("undated")

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


def _day_of(text: str) -> date | None:
    m = _DAY.fullmatch(text.strip())
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None


def _month_of(text: str) -> tuple[int, int] | None:
    m = _MONTH.fullmatch(text.strip())
    return (int(m[1]), int(m[2])) if m else None


def _known_days(record: ModelRecord) -> list[date]:
    return sorted({d for e in record.history if not e.conflict and (d := _day_of(e.effective))})


def _changes(record: ModelRecord) -> list[date]:
    """Days on which a price of this model is known to have changed (stated starts and ends)."""
    out = set()
    for e in record.history:
        if e.conflict:
            continue
        if e.status == "before" and e.valid_until is not None:
            out.add(e.valid_until)
        elif e.status in ("after", "initial", "current"):
            start = _resolved_day(record, e.effective) or e.valid_from
            if start is not None:
                out.add(start)
    return sorted(out)


def _resolved_day(record: ModelRecord, text: str) -> date | None:
    """A day for a date: as printed, or for a month-only date the first day the documents give for
    this model in that month (never the 1st by default)."""
    day = _day_of(text)
    if day is not None:
        return day
    month = _month_of(text)
    if month is None:
        return None
    return next((d for d in _known_days(record) if (d.year, d.month) == month), None)


def validity(record: ModelRecord, e: PriceEntry) -> Validity:
    """When an entry is in effect, and how that was read from its date."""
    if e.status == "current":
        return Validity(e.valid_from, e.valid_until, True)
    if not e.effective:
        return Validity(None, None, False, (f"undated: the document gives no date ({e.status} column)",))
    if e.status == "before":
        return Validity(None, e.valid_until, False)
    day = _resolved_day(record, e.effective)
    month_note: tuple[str, ...] = ()
    if _day_of(e.effective) is None:
        month_note = ((f"month-only date {e.effective}: read as {day.isoformat()}, the first day the documents "
                       f"give for {record.id} that month",) if day else
                      (f"month-only date {e.effective}: no day known",))
    if e.status in ("after", "initial"):
        start = day or e.valid_from
        return Validity(start, None, True, month_note)
    return _observation(record, e, day, month_note)


def _observation(record: ModelRecord, e: PriceEntry, day: date | None, month_note: tuple[str, ...]) -> Validity:
    """A `list` row: in effect on its date; assumed back to the last known change (flagged)."""
    month = _month_of(e.effective)
    assert month is not None
    seen = day or date(month[0], month[1], calendar.monthrange(*month)[1])
    earlier = [c for c in _changes(record) if c <= seen]
    start = earlier[-1] if earlier else None
    seen_text = e.effective if day is None else day.isoformat()
    if start is None:
        back = "assumed in effect before that too (no earlier change known)"
    elif start < seen:
        back = f"assumed in effect back to {start.isoformat()}, the last known change"
    else:
        back = ""
    flag = f"observed in effect on {seen_text} ({e.source}, {e.table})" + (f"; {back}" if back else "")
    return Validity(start, None, False, (*month_note, flag))


# ---------------------------------------------------------------- selection

@dataclass(frozen=True)
class FieldPrice:
    """The figure that bills one field, in the target currency, and how it was obtained."""

    kind: str
    entry: PriceEntry
    price: Amount  # per `per_tokens` tokens, in `currency`
    per_tokens: int
    currency: str
    provenance: str  # own | own-converted | conversion-undone | conversion
    how: str  # one sentence: the row, and the rate if any
    fx: FxRate | None  # the rate used (the stated fx, or the document's own)
    flags: tuple[str, ...] = ()

    def cost(self, tokens: Amount) -> Money:
        total = tokens * self.price
        return Money(total.low / self.per_tokens, total.high / self.per_tokens, self.currency)

    def describe(self) -> str:
        text = (f"{self.kind.replace('_', ' ')}: {self.price.format()} {self.currency} per "
                f"{unit_label(self.per_tokens)} tokens; {self.how}")
        return text + "".join(f"; {f}" for f in self.flags)

    def to_json(self) -> dict[str, object]:
        e = self.entry
        return {"kind": self.kind, "price": self.price.format(), "currency": self.currency,
                "per_tokens": self.per_tokens, "provenance": self.provenance, "source": e.source,
                "table": e.table, "doc_model": e.doc_model, "effective": e.effective or None, "status": e.status,
                "rate": None if self.fx is None else {"rate": str(self.fx.rate), "date": self.fx.date.isoformat(),
                                                      "origin": self.fx.origin},
                "how": self.how, "flags": list(self.flags)}


def figure(e: PriceEntry, kind: str) -> Amount | None:
    """The figure that bills: a correction (with its own source) where there is one, else as printed."""
    fixed = getattr(e, f"corrected_{kind}", None)
    return fixed if fixed is not None else getattr(e, kind)


def _provenance(e: PriceEntry, target: str) -> int:
    if not e.converted:
        return 4 if e.currency == target else 3
    return 1 if e.currency == target else 2


def select(record: ModelRecord, kind: str, *, day: date, prompt_tokens: int | None, target: str,
           fx: FxRate | None, convert: bool = True) -> FieldPrice | None:
    """The figure billing `kind`, or None when no entry in effect gives one."""
    live = [(e, v) for e in record.history
            if not e.conflict and figure(e, kind) is not None and e.tier_matches(prompt_tokens)
            for v in (validity(record, e),) if v.covers(day)]
    dated = [(e, v) for e, v in live if not v.undated]
    live = dated or live
    if not live:
        return None
    e, v = max(live, key=lambda ev: (bool(ev[0].tier), _provenance(ev[0], target), not ev[0].garbled,
                                     ev[1].start or date.min, ev[1].stated_start, ev[0].status == "newer",
                                     ev[0].order))
    return _field_price(record, e, v, kind, day, target, fx, convert)


def _field_price(record: ModelRecord, e: PriceEntry, v: Validity, kind: str, day: date, target: str,
                 fx: FxRate | None, convert: bool = True) -> FieldPrice:
    price = figure(e, kind)
    assert price is not None
    row = (f"{e.doc_model} ({e.source}, table {e.table}, {e.effective or 'undated'}, {e.status})")
    flags = list(v.flags)
    if getattr(e, f"corrected_{kind}", None) is not None:
        flags.append(f"printed {getattr(e, f'printed_{kind}')}, a likely typo; billed at the correction "
                     f"{price.format()} per {e.correction_source}")
    if e.garbled:
        flags.append(f"the source cell is garbled: {e.note}")
    promo = _promotion(e, day)
    if promo:
        price = Amount(Decimal(0), price.high)
        flags.append(promo)
    prov = _provenance(e, target)
    used_fx: FxRate | None = None
    if prov == 4:
        how = f"the vendor's own figure, {row}"
    elif prov == 3 and not convert:
        target, how = e.currency, f"the vendor's own {e.currency} figure (not converted), {row}"
    elif prov == 3:
        if fx is None:
            raise UsageError(f"{e.doc_model} is priced in {e.currency}; pricing in {target} needs an exchange rate "
                             "(fx)")
        price = _convert(price, e.currency, target, fx)
        how = f"the vendor's own {e.currency} figure converted at {fx.short()}, {row}"
        used_fx = fx
    elif prov == 2:
        used_fx = fx_rates()[e.conversion_rate]
        price, how = _undo(e, kind, price, target, used_fx, row)
    else:
        how = (f"the document author's conversion ({e.converted}) as printed, {row}; no vendor figure "
               f"in {target} is known")
    return FieldPrice(kind, e, price, e.per_tokens, target, ("own", "own-converted", "conversion-undone",
                                                              "conversion")[4 - prov], how, used_fx, tuple(flags))


def _convert(price: Amount, source: str, target: str, fx: FxRate) -> Amount:
    m = Money(price.low, price.high, source).convert(target, fx)
    return m.amount


def _undo(e: PriceEntry, kind: str, price: Amount, target: str, rate: FxRate, row: str) -> tuple[Amount, str]:
    """Recover the vendor's figure from the author's rounded conversion at the author's own rate."""
    printed = getattr(e, f"printed_{kind}", "") or price.format()
    if not price.is_exact or getattr(e, f"corrected_{kind}", None) is not None:
        back = _convert(price, e.currency, target, rate)
        return back, f"the document's conversion {printed} {e.currency} undone at its rate {rate.short()}, {row}"
    value = price.low
    places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    half = Decimal(5).scaleb(-(places + 1))
    lo, mid, hi = (_convert(Amount.of(x), e.currency, target, rate).low for x in (value - half, value, value + half))
    recovered = shortest_between(lo, hi, mid)
    how = (f"the vendor's figure recovered from the document's conversion {printed} {e.currency} ({e.converted}) "
           f"at that document's rate {rate.short()}: {printed} -> {mid.quantize(Decimal('0.0001'))}, the shortest "
           f"{target} figure that rounds to the printed one is {recovered}; {row}")
    return Amount.of(recovered), how


def shortest_between(lo: Decimal, hi: Decimal, near: Decimal) -> Decimal:
    """The decimal with the fewest places in [lo, hi), the one nearest `near` among those."""
    for places in range(0, 9):
        step = Decimal(1).scaleb(-places)
        first = (lo / step).to_integral_value(rounding=ROUND_CEILING)
        last = (hi / step).to_integral_value(rounding=ROUND_CEILING) - 1
        if first <= last:
            k = min(max((near / step).to_integral_value(), first), last)
            return (k * step).normalize()
    return near


def _promotion(e: PriceEntry, day: date) -> str:
    if not e.promotion or e.promotion_from is None or e.promotion_until is None:
        return ""
    if not e.promotion_from <= day < e.promotion_until:
        return ""
    return (f"promotion: {e.promotion}; billed as a range from 0 (the trial applies) to the list price "
            f"(it does not)")


def target_currency(record: ModelRecord, currency: str | None) -> str:
    """The requested currency, else the currency the vendor quotes in."""
    return currency or record.currency


def no_price(record: ModelRecord, day: date, kind: str = "") -> UsageError:
    starts = sorted({v.start for e in record.history if (v := validity(record, e)).start})
    known = f"; prices known from {starts[0].isoformat()}" if starts else ""
    what = f" {kind.replace('_', ' ')}" if kind else ""
    return UsageError(f"no{what} price for {record.id} in effect on {day.isoformat()}{known}")
