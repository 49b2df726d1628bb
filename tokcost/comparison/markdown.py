"""A Comparison as tables of plain strings (shared by the terminal, Markdown and HTML) and as Markdown.

`measured_table` is the README's block: chars/token and han/token per tokenizer, between markers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tokcost.comparison.analysis import CIRCLE_TOKENS, Comparison, ModelCost, money_ratio
from tokcost.pricing.money import Amount, Money, plain, show_money

START = "<!-- measured-table:start -->"
END = "<!-- measured-table:end -->"
README_COMMAND = "tokcost compare --corpus all --readme-table"
UPDATE_COMMAND = "tokcost compare --corpus all --update-readme README.md"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: int = 1  # columns from this index on are right-aligned
    detail: bool = False  # long tables: reports only, not the terminal
    note: str = ""


def ratio(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def pct(value: float) -> str:
    return f"{value:+.1f}%"


def money(m: Money) -> str:
    """Report cells: 4 decimal places below 1, else 2, thousands grouped; the column names the currency."""
    return show_money(m, 4 if abs(m.high) < 1 else 2, currency=False)


def cost_cell(c: ModelCost) -> str:
    return money(c.cost) + ("" if c.cost_band is None else f" ({money(c.cost_band)})")


def _per_token(comp: Comparison, key: str, corpora: list[str]) -> list[list[str]]:
    return [[t, *(ratio(comp.corpus(n).ratios(t)[key]) for n in corpora)] for t in comp.tokenizers]


def ratio_sections(comp: Comparison) -> list[Section]:
    names = [c.name for c in comp.corpora]
    zh = [c.name for c in comp.corpora if c.language == "zh"]
    out = [Section("chars_per_token", "Characters per token", ["tokenizer", *names],
                   _per_token(comp, "chars_per_token", names))]
    if zh:
        out.append(Section("han_per_token", "Chinese characters (han) per token, Chinese corpora", ["tokenizer", *zh],
                           _per_token(comp, "han_per_token", zh),
                           note="the rules of thumb say 1.45 (000, citing OpenAI) and 0.8 (003)"))
    return out


def readings_section(comp: Comparison) -> list[Section]:
    """Which reading of 000's "1 token ≈ 1.45 Chinese words" fits each tokenizer, with every error."""
    from tokcost.comparison.analysis import READING_LABELS, READING_SHORT, READINGS_145

    rows = sorted(comp.readings(), key=lambda r: r["mean_abs_error_pct"][r["best"]])
    if not rows:
        return []
    heads = [f"1.45 {READING_SHORT[r]}" for r in READINGS_145]
    return [Section("readings", "Which reading of “1 token ≈ 1.45 Chinese words” fits each tokenizer",
                    ["tokenizer", "best reading", *heads],
                    [[r["tokenizer"], READING_LABELS[r["best"]],
                      *(f'{r["mean_abs_error_pct"][k]:.1f}%' if k in r["mean_abs_error_pct"] else "–"
                        for k in READINGS_145)]
                     for r in rows], numeric=2,
                    note="mean |error| of the predicted token count over the Chinese corpora, |predicted - measured| "
                    "/ measured (signs in JSON); Chinese words by jieba. The document writes words (单词); "
                    "it is often read as characters; the inverted readings test whether the ratio was written "
                    "upside down")]


def rule_sections(comp: Comparison) -> list[Section]:
    if not comp.fits:
        return []
    ranked = sorted(comp.fits, key=lambda f: f.mean_abs_error_pct[f.best])
    fits = Section("rule_fit", "Rules of thumb: best-fitting tokenizer (smallest mean |error|)",
                   ["rule", "applies to", "best tokenizer", "mean error", "mean |error|", "source"],
                   [[f.rule, ", ".join(f.corpora), f.best, pct(f.mean_error_pct[f.best]),
                     f"{f.mean_abs_error_pct[f.best]:.1f}%", f.source] for f in ranked], numeric=3,
                   note="error = (predicted - measured) / measured; negative means the rule under-counts")
    matrix = Section("rule_error", "Rules of thumb: mean signed error per tokenizer",
                     ["tokenizer", *(f.rule for f in comp.fits)],
                     [[t, *(pct(f.mean_error_pct[t]) if t in f.mean_error_pct else "–" for f in comp.fits)]
                      for t in comp.tokenizers])
    checks = Section("rule_checks", "Rules of thumb per corpus", ["rule", "corpus", "tokenizer", "predicted",
                                                                  "measured", "error"],
                     [[k.rule, k.corpus, k.tokenizer, f"{k.predicted:,.0f}", f"{k.measured:,}", pct(k.error_pct)]
                      for k in comp.checks], numeric=3, detail=True)
    return [fits, matrix, checks]


def measurement_section(comp: Comparison) -> Section:
    rows = []
    for c in comp.corpora:
        for t in comp.tokenizers:
            r = c.ratios(t)
            rows.append([c.name, c.language, t, f"{c.tokens[t]:,}", ratio(r["chars_per_token"], 3),
                         ratio(r["words_per_token"], 3), ratio(r["han_per_token"], 3),
                         ratio(r["zh_words_per_token"], 3), ratio(r["bytes_per_token"], 3)])
    return Section("measurements", "Tokens per corpus and tokenizer",
                   ["corpus", "lang", "tokenizer", "tokens", "chars/token", "words/token", "han/token",
                    "zh words/token", "bytes/token"], rows, numeric=3, detail=True)


def premium_sections(comp: Comparison) -> list[Section]:
    if not comp.premium:
        return []
    tokens = Section("premium", f"Chinese premium: tokens of {comp.premium[0].zh} / tokens of {comp.premium[0].en}",
                     ["tokenizer", "en tokens", "zh tokens", "zh / en"],
                     [[p.tokenizer, f"{p.en_tokens:,}", f"{p.zh_tokens:,}", f"{p.ratio:.3f}"]
                      for p in sorted(comp.premium, key=lambda p: p.ratio)],
                     note="the same book (Debian Reference 2.100) in English and in Simplified Chinese")
    pairs = comp.premium_costs()
    if not pairs:
        return [tokens]
    cost = Section("premium_cost", f"Chinese premium in money ({comp.currency}): the zh edition vs the en edition",
                   ["model", "vendor", "count", "en edition", "zh edition", "zh / en"],
                   [[zh.model, zh.vendor, zh.count_kind, cost_cell(en), cost_cell(zh),
                     plain(money_ratio(zh.cost, en.cost), 3)] for zh, en in pairs], numeric=3)
    return [tokens, cost]


def cost_section(comp: Comparison) -> list[Section]:
    if not comp.costs:
        return []
    names = [c.name for c in comp.corpora]
    by_key = {(c.model, c.corpus): c for c in comp.costs}
    rows = [[m.id, f"{m.count_kind}: {m.tokenizer}", *(cost_cell(by_key[m.id, n]) for n in names)]
            for m in comp.models]
    out = "input only" if not comp.output_ratio else f"output = input x {plain(comp.output_ratio)}"
    return [Section("costs", f"Cost of processing each whole corpus ({comp.currency}, {out})",
                    ["model", "count", *names], rows, numeric=2, detail=True,
                    note="estimate: cost at the proxy tokenizer, (band) = min..max over today's chat-LLM tokenizers")]


UNIT = {"zh": ("han", "Chinese chars"), "en": ("words", "words"), "code": ("chars", "chars")}


def _unit(c) -> tuple[str, str]:
    return UNIT.get(c.language, ("chars", "chars"))


def unit_cost_section(comp: Comparison) -> list[Section]:
    """What 10,000 units of each corpus's text cost (Chinese characters, words or characters), cheapest first."""
    from tokcost.pricing.money import round_sig

    corpora = [c for c in comp.corpora if getattr(c, _unit(c)[0])]
    if not comp.costs or not corpora:
        return []
    by_key = {(c.model, c.corpus): c for c in comp.costs}

    def per(model: str, c) -> Decimal | None:
        cost = by_key.get((model, c.name))
        return None if cost is None else (cost.cost.low + cost.cost.high) / 2 * 10_000 / getattr(c, _unit(c)[0])

    first = next((c for c in corpora if c.language == "zh"), corpora[0])
    models = sorted(comp.models, key=lambda m: per(m.id, first) or Decimal(0))
    rows = [[m.id, m.count_kind, *("–" if (v := per(m.id, c)) is None else round_sig(v) for c in corpora)]
            for m in models]
    out = "input only" if not comp.output_ratio else f"output = input x {plain(comp.output_ratio)}"
    return [Section("unit_costs", f"Cost per 10,000 units of text ({comp.currency}, {out})",
                    ["model", "count", *(f"{c.name} per 10k {_unit(c)[1]}" for c in corpora)], rows, numeric=2,
                    note="unit: Chinese characters for Chinese corpora, words for English, characters for code; "
                    "an estimate is at its proxy tokenizer")]


def card_section(comp: Comparison) -> list[Section]:
    from tokcost.comparison.card import PER, cost_card
    from tokcost.pricing.money import round_sig

    card = cost_card(comp)
    if card is None:
        return []

    def mid(m) -> str:
        return "–" if m is None else round_sig((m.low + m.high) / 2)

    rows = [[str(i), r.model, r.count_kind, mid(r.zh), mid(r.en),
             "free" if r.han_per_cny is None else f"{r.han_per_cny:,}"] for i, r in enumerate(card.rows, 1)]
    return [Section("card", f"Chinese cost card ({comp.currency} per {PER:,} Chinese characters / English words)",
                    ["#", "model", "count", "per 10k Chinese chars", "per 10k English words",
                     "Chinese chars per 1 CNY"],
                    rows, numeric=3, note=" ".join(card.findings))]


def tokens(value: Amount | None) -> str:
    """Whole tokens with separators, a range as low–high; None (a free model) as "free"."""
    if value is None:
        return "free"
    low, high = (f"{v.to_integral_value(rounding=ROUND_HALF_UP):,f}" for v in (value.low, value.high))
    return low if low == high else f"{low}–{high}"


def buys_section(comp: Comparison) -> list[Section]:
    if not comp.buys:
        return []
    rows = [[f"{b.label} ({b.model})" if b.label != b.model else b.model, b.price, b.source,
             money(Money.of(b.avg_cny_per_million, "CNY")),
             tokens(b.tokens), ratio(b.circles, 1)] for b in comp.buys]
    return [Section("one_cny", "The documents' chart: how many tokens 1 CNY buys (average of input and output price)",
                    ["model", "price", "source", "CNY per 1M (avg)", "tokens per 1 CNY",
                     f"circles (1 = {CIRCLE_TOKENS:,} tokens)"], rows, numeric=3,
                    note=f"USD converted at {comp.fx.short()}. Tokens of different tokenizers are not the same "
                    "amount of text: compare Chinese characters per 1 CNY in the cost card instead")]


def sections(comp: Comparison) -> list[Section]:
    return [*card_section(comp), *ratio_sections(comp), *readings_section(comp), *rule_sections(comp),
            *premium_sections(comp), *unit_cost_section(comp), *cost_section(comp), *buys_section(comp),
            measurement_section(comp)]


# ---------------------------------------------------------------- Markdown

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(section: Section) -> str:
    align = ["---" if i < section.numeric else "---:" for i in range(len(section.columns))]
    lines = ["| " + " | ".join(map(_cell, section.columns)) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in section.rows]
    return "\n".join(lines)


def markdown(comp: Comparison) -> str:
    parts = ["# tokcost compare", "",
             (f"{len(comp.corpora)} corpora x {len(comp.tokenizers)} tokenizers, {len(comp.models)} models; "
              f"counted in {comp.seconds:.1f} s."), ""]
    for s in sections(comp):
        parts += [f"## {s.title}", "", *([f"_{s.note}_", ""] if s.note else []), table(s), ""]
    parts += ["## Notes", "", *(f"- {n}" for n in comp.notes), ""]
    return "\n".join(parts)


def measured_table(comp: Comparison) -> str:
    """The README block: chars/token and han/token per tokenizer, between the markers."""
    body = [START, f"<!-- generated by `{README_COMMAND}`; rewrite it with `{UPDATE_COMMAND}` -->", ""]
    for s in ratio_sections(comp):
        body += [f"**{s.title}**" + (f" ({s.note})" if s.note else ""), "", table(s), ""]
    body.append(END)
    return "\n".join(body)


def readme_block(text: str) -> str | None:
    """The measured-table block of a README (markers included), or None."""
    m = re.search(re.escape(START) + ".*?" + re.escape(END), text, re.DOTALL)
    return m.group(0) if m else None


def replace_block(text: str, block: str) -> str:
    """README text with its block replaced, or a new section appended when it has none."""
    if readme_block(text) is not None:
        return re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, count=1, flags=re.DOTALL)
    return text.rstrip("\n") + "\n\n## Measured: characters per token\n\n" + block + "\n"
