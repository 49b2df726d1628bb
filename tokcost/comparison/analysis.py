"""`tokcost.compare`: measure tokenizers on corpora, audit the rules of thumb, price the corpora.

A pure data model (no printing). Every input is counted once, with every tokenizer needed, in
one `count()` call; the model costs, the Chinese premium and the estimate bands reuse those
counts. Ratios and rule errors are floats (display figures); money is Decimal throughout.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tokcost.counting.api import count, resolve_tokenizers
from tokcost.errors import InputProblem, UsageError
from tokcost.pricing.arithmetic import estimate_cost
from tokcost.pricing.catalog import ModelRecord, load_catalog, unit_label
from tokcost.pricing.money import Amount, FxRate, Money, plain
from tokcost.pricing.options import DateLike, DecimalLike, FxLike, PriceOptions, resolve_models
from tokcost.tokenizers import band_names

MOSTLY_CHINESE = 0.5  # share of Chinese characters that makes a corpus "Chinese text"
CIRCLE_TOKENS = 10_000  # the documents' chart: one circle per 10,000 tokens
# The "how many tokens does 1 CNY buy" chart (000), cheapest first, as (chart label, catalog id).
CHART_MODELS: tuple[tuple[str, str], ...] = (
    ("DeepSeek-V2", "deepseek-v2"), ("GLM-3-Turbo", "glm-3-turbo"), ("Claude3 Haiku", "claude-3-haiku"),
    ("Qwen-turbo", "qwen-turbo"), ("GPT-3.5-Turbo", "gpt-3.5-turbo"), ("SkyLark2-Pro", "skylark2-pro"),
    ("Qwen-plus", "qwen-plus"), ("Moonshot-v1", "moonshot-v1"), ("Claude3 Sonnet", "claude-3-sonnet"),
    ("Minimax-abab6", "abab-6.5"), ("GLM-4", "glm-4"), ("ERNIE-4.0", "ernie-4.0"),
    ("GPT-4-Turbo", "gpt-4-turbo"), ("Claude3 Opus", "claude-3-opus"),
)
EXTRA_MODELS = ("gpt-4o",)


@dataclass(frozen=True)
class Rule:
    name: str
    language: str  # the corpora it applies to
    measure: str  # chars | words | han | zh_words
    per_token: float  # the rule says: 1 token = this many `measure` (inverted: 1 `measure` = this many tokens)
    source: str
    inverted: bool = False

    def predict(self, corpus: Corpus) -> float:
        amount = getattr(corpus, self.measure) or 0
        return amount * self.per_token if self.inverted else amount / self.per_token


RULES = (
    Rule("chars/4", "en", "chars", 4.0, "1 token ≈ 4 English characters (000, citing OpenAI)"),
    Rule("words/0.75", "en", "words", 0.75, "1 token ≈ 0.75 words (000, citing OpenAI)"),
    Rule("zh-words/1.45", "zh", "zh_words", 1.45,
         "1 token ≈ 1.45 Chinese words, as written (000: 1 个 Token 大约为 1.45 个中文单词; words by jieba)"),
    Rule("han/1.45", "zh", "han", 1.45, "1 token ≈ 1.45 Chinese characters (000, the words read as characters)"),
    Rule("han×1.45", "zh", "han", 1.45, "1 Chinese character ≈ 1.45 tokens (000 inverted)", inverted=True),
    Rule("zh-words×1.45", "zh", "zh_words", 1.45, "1 Chinese word ≈ 1.45 tokens (000 inverted)", inverted=True),
    Rule("han/0.8", "zh", "han", 0.8, "1 token = 0.8 Chinese characters (003, broker report)"),
)
# The four readings of 000's "1.45" (as written first), audited side by side.
READINGS_145 = ("zh-words/1.45", "han/1.45", "han×1.45", "zh-words×1.45")
READING_LABELS = {"zh-words/1.45": "1.45 Chinese words per token (as written)",
                  "han/1.45": "1.45 Chinese characters per token",
                  "han×1.45": "1.45 tokens per Chinese character",
                  "zh-words×1.45": "1.45 tokens per Chinese word"}
READING_SHORT = {"zh-words/1.45": "words/token (as written)", "han/1.45": "chars/token",
                 "han×1.45": "tokens/char", "zh-words×1.45": "tokens/word"}


@dataclass
class Corpus:
    name: str  # the corpus name, or the file's path as given
    path: str
    language: str  # en | zh | code (from the manifest; inferred for plain files)
    chars: int
    bytes: int
    words: int
    han: int
    tokens: dict[str, int]  # every tokenizer counted
    parallel_of: str | None = None
    zh_words: int | None = None  # Chinese words by jieba (Chinese corpora only)

    def ratios(self, tokenizer: str) -> dict[str, float | None]:
        n = self.tokens[tokenizer]
        def per(x: int) -> float | None:
            return round(x / n, 4) if n else None
        return {"chars_per_token": per(self.chars), "bytes_per_token": per(self.bytes),
                "words_per_token": per(self.words) if self.language == "en" else None,
                "han_per_token": per(self.han) if self.language == "zh" else None,
                "zh_words_per_token": per(self.zh_words) if self.language == "zh" and self.zh_words else None}


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    corpus: str
    tokenizer: str
    predicted: float
    measured: int
    error_pct: float  # (predicted - measured) / measured, in percent


@dataclass(frozen=True)
class RuleFit:
    rule: str
    source: str
    corpora: tuple[str, ...]
    mean_error_pct: dict[str, float]  # per tokenizer: signed, averaged over the corpora
    mean_abs_error_pct: dict[str, float]

    @property
    def best(self) -> str:
        return min(self.mean_abs_error_pct, key=self.mean_abs_error_pct.__getitem__)


@dataclass(frozen=True)
class Premium:
    zh: str
    en: str
    tokenizer: str
    zh_tokens: int
    en_tokens: int

    @property
    def ratio(self) -> float:
        return round(self.zh_tokens / self.en_tokens, 4)


@dataclass(frozen=True)
class ModelCost:
    model: str
    display_name: str
    vendor: str
    corpus: str
    count_kind: str  # exact | estimate
    tokenizer: str  # the vendor's, or the proxy for an estimate
    tokens: int
    band: tuple[int, int] | None  # estimate: min..max over the chat-LLM tokenizers (band_names)
    cost: Money  # at `tokens`
    cost_band: Money | None
    price: str  # the catalog entry used

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "vendor": self.vendor, "corpus": self.corpus, "count_kind": self.count_kind,
                "tokenizer": self.tokenizer, "tokens": self.tokens,
                "band": None if self.band is None else {"low": self.band[0], "high": self.band[1]},
                "currency": self.cost.currency, "cost": self.cost.to_json(),
                "cost_band": None if self.cost_band is None else self.cost_band.to_json(), "price": self.price}


@dataclass(frozen=True)
class CnyBuys:
    model: str
    label: str
    price: str  # input / output as quoted
    source: str  # the document and the price's date
    avg_cny_per_million: Amount  # average of input and output price, in CNY per 1M tokens
    tokens: Amount | None  # tokens 1 CNY buys; None when free

    @property
    def circles(self) -> float | None:
        return None if self.tokens is None else float(self.tokens.low + self.tokens.high) / 2 / CIRCLE_TOKENS


@dataclass
class Comparison:
    corpora: list[Corpus]
    tokenizers: tuple[str, ...]  # measured (the rows of the tables)
    models: list[ModelRecord]
    checks: list[RuleCheck]
    fits: list[RuleFit]
    premium: list[Premium]
    costs: list[ModelCost]
    buys: list[CnyBuys]
    fx: FxRate
    currency: str
    output_ratio: Decimal
    as_of: date | None
    notes: list[str] = field(default_factory=list)
    errors: list[InputProblem] = field(default_factory=list)
    seconds: float = 0.0

    def corpus(self, name: str) -> Corpus:
        return next(c for c in self.corpora if c.name == name)

    def readings(self) -> list[dict[str, Any]]:
        """Per tokenizer: the mean signed error (%) of each reading of "1.45", and the best one."""
        fits = {f.rule: f for f in self.fits if f.rule in READINGS_145}
        out = []
        for t in self.tokenizers:
            errors = {r: fits[r].mean_error_pct[t] for r in READINGS_145 if r in fits and t in fits[r].mean_error_pct}
            if not errors:
                continue
            best = min(errors, key=lambda r: fits[r].mean_abs_error_pct[t])
            out.append({"tokenizer": t, "mean_error_pct": errors,
                        "mean_abs_error_pct": {r: fits[r].mean_abs_error_pct[t] for r in errors},
                        "best": best, "best_reading": READING_LABELS[best]})
        return out

    def premium_costs(self) -> list[tuple[ModelCost, ModelCost]]:
        """(zh edition, en edition) cost per model for each parallel pair."""
        by_key = {(c.model, c.corpus): c for c in self.costs}
        pairs = dict.fromkeys((p.zh, p.en) for p in self.premium)
        return [(by_key[m.id, zh], by_key[m.id, en]) for zh, en in pairs for m in self.models
                if (m.id, zh) in by_key and (m.id, en) in by_key]

    def to_json(self) -> dict[str, Any]:
        return {
            "corpora": [{"name": c.name, "path": c.path, "language": c.language, "chars": c.chars, "bytes": c.bytes,
                         "words": c.words, "han": c.han, "zh_words": c.zh_words, "parallel_of": c.parallel_of}
                        for c in self.corpora],
            "measurements": [{"corpus": c.name, "tokenizer": t, "tokens": c.tokens[t], **c.ratios(t)}
                             for c in self.corpora for t in self.tokenizers],
            "rules": [{"rule": f.rule, "source": f.source, "corpora": list(f.corpora), "best_tokenizer": f.best,
                       "mean_error_pct": f.mean_error_pct, "mean_abs_error_pct": f.mean_abs_error_pct}
                      for f in self.fits],
            "rule_checks": [vars(c) for c in self.checks],
            "cost_card": None if (card := _card(self)) is None else card.to_json(),
            "readings_of_1_45": {"readings": READING_LABELS, "by_tokenizer": self.readings(),
                                 "chinese_words": "jieba (precise mode) words holding a Chinese character"},
            "chinese_premium": [{**vars(p), "ratio": p.ratio} for p in self.premium],
            "chinese_premium_cost": [{"model": zh.model, "zh": zh.cost.to_json(), "en": en.cost.to_json(),
                                      "currency": zh.cost.currency, "ratio": plain(money_ratio(zh.cost, en.cost), 4)}
                                     for zh, en in self.premium_costs()],
            "costs": [c.to_json() for c in self.costs],
            "output_ratio": plain(self.output_ratio),
            "one_cny_buys": [{"model": b.model, "label": b.label, "price": b.price, "source": b.source,
                              "avg_cny_per_million": str(b.avg_cny_per_million),
                              "tokens": None if b.tokens is None else b.tokens.format(0), "circles": b.circles}
                             for b in self.buys],
            "circle_tokens": CIRCLE_TOKENS,
            "fx": {"pair": f"{self.fx.base}/{self.fx.quote}", "rate": plain(self.fx.rate),
                   "date": self.fx.date.isoformat(), "origin": self.fx.origin},
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "notes": self.notes,
            "errors": [{"path": e.path, "error": e.message} for e in self.errors], "seconds": round(self.seconds, 1),
        }


def _card(comp: Comparison) -> Any:
    from tokcost.comparison.card import cost_card

    return cost_card(comp)


def money_ratio(a: Money, b: Money) -> Decimal:
    """Ratio of two amounts' midpoints (0 when b is free)."""
    den = b.low + b.high
    return (a.low + a.high) / den if den else Decimal(0)


# ---------------------------------------------------------------- inputs and counting

def default_models() -> list[str]:
    catalog = load_catalog()
    return [i for _, i in CHART_MODELS if i in catalog] + list(EXTRA_MODELS)


def corpus_names(names: Sequence[str]) -> list[str]:
    from tokcost.comparison.corpora import load_manifest

    known = [s.name for s in load_manifest()]
    return list(dict.fromkeys(n for name in names for n in (known if name == "all" else [name])))


def _language(han: int, chars: int) -> str:
    return "zh" if chars and han / chars >= 0.2 else "en"


def input_paths(paths: Sequence[str], corpora: Sequence[str]) -> dict[str, str | None]:
    """Every path to count -> its corpus name (None for a plain PATH); raises if a corpus is not built."""
    from tokcost.comparison.corpora import corpus_path

    named = {str(corpus_path(n)): n for n in corpus_names(corpora)}
    return {**named, **{p: None for p in paths if p not in named}}


def _count(paths: Sequence[str], corpora: Sequence[str], names: Sequence[str], jobs: int | None, cache: bool,
           on_bytes: Callable[[int], None] | None, on_total: Callable[[int | None], None] | None,
           ) -> tuple[list[Corpus], list[InputProblem]]:
    from tokcost.comparison.corpora import load_manifest

    specs = {s.name: s for s in load_manifest()} if corpora else {}
    todo = input_paths(paths, corpora)
    report = count(list(todo), tokenizers=names, jobs=jobs, cache=cache, on_bytes=on_bytes, on_total=on_total)
    out: dict[str, Corpus] = {}
    for r in report.files:
        spec = specs.get(todo.get(r.path or "") or "")
        if r.path not in out:
            name, lang = (spec.name, spec.language) if spec else (r.path, _language(r.han, r.chars))
            out[r.path] = Corpus(name, r.path, lang, r.chars, r.bytes, r.words, r.han, {},
                                 spec.parallel_of if spec else None)
        out[r.path].tokens[r.tokenizer] = r.tokens
    for corpus in out.values():
        if corpus.language == "zh" and corpus.han:
            corpus.zh_words = _zh_words(corpus.path)
    return list(out.values()), report.errors + report.skipped


def _zh_words(path: str) -> int:
    from pathlib import Path

    from tokcost.counting.decoding import read_blocks
    from tokcost.counting.segment import cached_chinese_words

    _, blocks = read_blocks(Path(path))
    return cached_chinese_words("".join(blocks))


# ---------------------------------------------------------------- rules of thumb

def audit(corpora: Sequence[Corpus], tokenizers: Sequence[str]) -> tuple[list[RuleCheck], list[RuleFit]]:
    checks: list[RuleCheck] = []
    fits: list[RuleFit] = []
    for rule in RULES:
        applies = [c for c in corpora if c.language == rule.language and getattr(c, rule.measure)]
        if rule.language == "zh":  # mostly-Chinese text when there is some: the rules count Chinese only
            applies = [c for c in applies if c.han >= c.chars * MOSTLY_CHINESE] or applies
        mine = [RuleCheck(rule.name, c.name, t, round(rule.predict(c), 1), c.tokens[t],
                          round((rule.predict(c) - c.tokens[t]) / c.tokens[t] * 100, 2))
                for c in applies for t in tokenizers if c.tokens[t]]
        checks.extend(mine)
        if applies:
            signed = {t: [k.error_pct for k in mine if k.tokenizer == t] for t in tokenizers}
            fits.append(RuleFit(rule.name, rule.source, tuple(c.name for c in applies),
                                {t: round(sum(v) / len(v), 2) for t, v in signed.items() if v},
                                {t: round(sum(map(abs, v)) / len(v), 2) for t, v in signed.items() if v}))
    return checks, fits


def premium(corpora: Sequence[Corpus], tokenizers: Sequence[str]) -> list[Premium]:
    names = {c.name: c for c in corpora}
    return [Premium(zh.name, en.name, t, zh.tokens[t], en.tokens[t])
            for zh in corpora if zh.language == "zh" and zh.parallel_of in names
            for en in [names[zh.parallel_of]] for t in tokenizers if en.tokens[t]]


# ---------------------------------------------------------------- money

def _cost(model: ModelRecord, corpus: Corpus, ratio: Decimal, currency: str, fx: FxRate,
          as_of: date | None) -> ModelCost:
    tokens = corpus.tokens[model.tokenizer]
    def price(inp: Amount | int):
        return estimate_cost(model, inp, output_ratio=ratio, as_of=as_of, currency=currency, fx=fx)
    central = price(tokens)
    band = cost_band = None
    if model.count_kind == "estimate":
        counts = [corpus.tokens[n] for n in band_names() if n in corpus.tokens]
        band = (min(counts), max(counts))
        cost_band = price(Amount(Decimal(band[0]), Decimal(band[1]))).total_cost
    return ModelCost(model.id, model.display_name, model.vendor_name, corpus.name, model.count_kind, model.tokenizer,
                     tokens, band, central.total_cost, cost_band, central.entry.describe())


def one_cny_buys(model: ModelRecord, label: str, fx: FxRate, as_of: date | None) -> CnyBuys | None:
    entry = model.price_on(as_of)
    if entry.input is None or entry.output is None:
        return None
    avg = Money.of((entry.input + entry.output) * (Decimal(1_000_000) / entry.per_tokens) * Decimal("0.5"),
                   entry.currency).convert("CNY", fx)
    tokens = None if avg.low == 0 else Amount(Decimal(1_000_000) / avg.high, Decimal(1_000_000) / avg.low)
    price = f"{entry.input} / {entry.output} {entry.currency} per {unit_label(entry.per_tokens)}"
    return CnyBuys(model.id, label, price, f"{entry.source}, {entry.effective}", avg.amount, tokens)


def compare(paths: Sequence[str] = (), *, corpora: Sequence[str] = (), tokenizers: Sequence[str] | None = None,
            models: Sequence[str] | None = None, output_ratio: DecimalLike = Decimal(0), currency: str = "CNY",
            fx: FxLike | None = None, as_of: DateLike | None = None, jobs: int | None = None, cache: bool = True,
            on_bytes: Callable[[int], None] | None = None,
            on_total: Callable[[int | None], None] | None = None) -> Comparison:
    """Measure `tokenizers` (default: all available) on files and/or named corpora (`all` = every one)
    and price them with `models` (default: the documents' "1 CNY buys" chart models + gpt-4o).
    `output_ratio`, `currency`, `fx` and `as_of` are strings as typed or typed values (tokcost.pricing.options).
    `cache` uses tokcost's count cache; `on_total` and `on_bytes` hear of progress (see `count`)."""
    import time

    if not paths and not corpora:
        raise UsageError("nothing to compare: give PATHs or --corpus NAME (or --corpus all)")
    opts = PriceOptions.parse(output_ratio=output_ratio, currency=currency, fx=fx, as_of=as_of)
    ratio, currency, fx, as_of = opts.output_ratio or Decimal(0), opts.currency or "CNY", opts.fx, opts.as_of
    started = time.monotonic()
    measured = resolve_tokenizers(tokenizers or ["all"])
    chosen = resolve_models(default_models() if models is None else models)
    needed = [*measured, *(m.tokenizer for m in chosen)]
    if any(m.count_kind == "estimate" for m in chosen):
        needed += band_names()
    found, errors = _count(paths, corpora, list(dict.fromkeys(needed)), jobs, cache, on_bytes, on_total)
    checks, fits = audit(found, measured)
    catalog = load_catalog()
    labels = {catalog.get(i).id: label for label, i in CHART_MODELS if i in catalog}
    buys = [b for m in chosen if (b := one_cny_buys(m, labels.get(m.id, m.display_name), fx, as_of))]
    buys.sort(key=lambda b: -(b.tokens.high if b.tokens else Decimal("Infinity")))
    notes = [f"USD prices converted to CNY at {fx.short()}: {fx.origin}",
             "each corpus is priced as one request of its tokens as input"
             + (f", plus output = input x {plain(ratio)}" if ratio else " (no output tokens)"),
             ("estimate models (no vendor tokenizer offline): the cost is at the proxy tokenizer's count, "
              "the band is min..max over today's chat-LLM tokenizers (not p50k, BERT or J2)")]
    mixed = [f"{c.name} ({c.han / c.chars:.0%})" for c in found if c.language == "zh" and c.han < c.chars / 2]
    if mixed:
        notes.append("the Chinese rules count Chinese characters only, so they miss the tokens of the other text "
                     f"in mixed corpora; Chinese characters are this share of: {', '.join(mixed)}")
    missing = [label for label, i in CHART_MODELS if i not in catalog]
    if models is None and missing:
        notes.append(f"in the documents' chart but not in the catalog: {', '.join(missing)}")
    return Comparison(found, measured, chosen, checks, fits, premium(found, measured),
                      [_cost(m, c, ratio, currency, fx, as_of) for m in chosen for c in found],
                      buys, fx, currency, ratio, as_of, notes, errors, time.monotonic() - started)
