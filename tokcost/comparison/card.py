"""The Chinese cost card: what each model costs per 10,000 Chinese characters and per 10,000
English words of real text, ranked, with findings computed from the data (never written by hand).

Costs come from the Comparison (each corpus priced as one request; output = input x the ratio).
Chinese text is the Chinese corpora that are mostly Chinese characters (the mixed ones would charge
the English inside them to the Chinese characters); English text is the English prose corpora.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokcost.comparison.analysis import MOSTLY_CHINESE, Comparison, Corpus
from tokcost.pricing.money import Money, plain, show_money

PER = 10_000  # text units per figure


@dataclass(frozen=True)
class CardRow:
    model: str
    name: str  # display name
    vendor: str
    count_kind: str  # exact | estimate
    tokenizer: str
    zh: Money  # per 10,000 Chinese characters (at the model's tokenizer, or the proxy for an estimate)
    zh_band: Money | None  # estimate: over the band of chat-LLM tokenizers
    en: Money | None  # per 10,000 English words
    han_per_cny: int | None  # Chinese characters 1 CNY buys (None: free)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "name": self.name, "vendor": self.vendor, "count_kind": self.count_kind,
                "tokenizer": self.tokenizer, "currency": self.zh.currency,
                "per_10k_chinese_chars": self.zh.to_json(6),
                "per_10k_chinese_chars_band": None if self.zh_band is None else self.zh_band.to_json(6),
                "per_10k_english_words": None if self.en is None else self.en.to_json(6),
                "chinese_chars_per_cny": self.han_per_cny}


@dataclass(frozen=True)
class Card:
    rows: list[CardRow]  # cheapest first (per 10,000 Chinese characters, central figure)
    zh_corpora: list[str]
    en_corpora: list[str]
    han: int
    words: int
    findings: list[str]
    output_ratio: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"unit": PER, "zh_corpora": self.zh_corpora, "en_corpora": self.en_corpora,
                "chinese_chars": self.han, "english_words": self.words, "output_ratio": plain(self.output_ratio),
                "rows": [r.to_json() for r in self.rows], "findings": self.findings}


def chinese_corpora(comp: Comparison) -> list[Corpus]:
    zh = [c for c in comp.corpora if c.language == "zh" and c.han]
    mostly = [c for c in zh if c.han >= c.chars * MOSTLY_CHINESE]
    return mostly or zh


def english_corpora(comp: Comparison) -> list[Corpus]:
    return [c for c in comp.corpora if c.language == "en" and c.words]


def _per(costs: list[Money], amount: int) -> Money | None:
    if not costs or not amount:
        return None
    total = costs[0]
    for c in costs[1:]:
        total = total + c
    return total * (Decimal(PER) / Decimal(amount))


def _mid(m: Money) -> Decimal:
    return (m.low + m.high) / 2


def _row(comp: Comparison, model: Any, zh: list[Corpus], en: list[Corpus]) -> CardRow | None:
    mine = {c.corpus: c for c in comp.costs if c.model == model.id}
    han, words = sum(c.han for c in zh), sum(c.words for c in en)
    per_zh = _per([mine[c.name].cost for c in zh if c.name in mine], han)
    if per_zh is None:
        return None
    bands = [mine[c.name].cost_band for c in zh if c.name in mine and mine[c.name].cost_band is not None]
    per_en = _per([mine[c.name].cost for c in en if c.name in mine], words)
    cny = per_zh.convert("CNY", comp.fx) if per_zh.currency != "CNY" else per_zh
    buys = None if _mid(cny) == 0 else int(Decimal(PER) / _mid(cny))
    return CardRow(model.id, model.display_name, model.vendor_name, model.count_kind, model.tokenizer, per_zh,
                   _per(bands, han) if len(bands) == len(zh) else None, per_en, buys)


def card_money(m: Money) -> str:
    """A cost on the card: a range as its centre, rounded."""
    return show_money(m, rounded=True, midpoint=True)


def _findings(rows: list[CardRow], zh: list[Corpus]) -> list[str]:
    out = []
    paid = [r for r in rows if _mid(r.zh) > 0]
    exact = [r for r in paid if r.count_kind == "exact"]
    if exact:
        r = exact[0]
        out.append(f"Cheapest with an exact count: {r.name} ({r.vendor}), {card_money(r.zh)} per {PER:,} Chinese "
                   f"characters" + (f", or {r.han_per_cny:,} Chinese characters per 1 CNY." if r.han_per_cny else "."))
    if paid and paid[0] is not (exact[0] if exact else None):
        r = paid[0]
        out.append(f"Cheapest of all is an estimate: {r.name}, about {card_money(r.zh)} (its tokenizer is not "
                   f"available offline; counted with {r.tokenizer}).")
    if len(paid) > 1:
        low, high = paid[0], paid[-1]
        times = _mid(high.zh) / _mid(low.zh)
        out.append(f"The dearest, {high.name}, costs {times:,.0f}\u00d7 as much as the cheapest, {low.name}, "
                   f"for the same Chinese text.")
    free = [r.name for r in rows if _mid(r.zh) == 0]
    if free:
        out.append(f"Free at these prices: {', '.join(free)}.")
    gap = tokens_gap(zh, "cl100k_base", "qwen")
    if gap is not None:
        more, a, b = gap
        out.append(f"For the same Chinese text, cl100k_base (GPT-4, GPT-3.5) needs {more:.0f}% more tokens than "
                   f"Qwen's tokenizer ({a:,} vs {b:,}).")
    return out


def tokens_gap(corpora: list[Corpus], a: str, b: str) -> tuple[float, int, int] | None:
    """How many percent more tokens tokenizer `a` needs than `b` on these corpora (and both totals)."""
    if not corpora or not all(a in c.tokens and b in c.tokens for c in corpora):
        return None
    ta, tb = sum(c.tokens[a] for c in corpora), sum(c.tokens[b] for c in corpora)
    return (ta / tb - 1) * 100 if tb else 0.0, ta, tb


def cost_card(comp: Comparison) -> Card | None:
    """None when there is no Chinese corpus or no model to price."""
    zh, en = chinese_corpora(comp), english_corpora(comp)
    if not zh or not comp.models:
        return None
    rows = [r for m in comp.models if (r := _row(comp, m, zh, en)) is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: (_mid(r.zh.convert("CNY", comp.fx)) if r.zh.currency != "CNY" else _mid(r.zh), r.model))
    return Card(rows, [c.name for c in zh], [c.name for c in en], sum(c.han for c in zh), sum(c.words for c in en),
                _findings(rows, zh), comp.output_ratio)
