"""tokcost.comparison.analysis: ratios, the rules-of-thumb audit, the Chinese premium, costs and the 1-CNY figures."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tokcost.cli import main
from tokcost.comparison.analysis import (
    CHART_MODELS,
    RULES,
    Corpus,
    audit,
    compare,
    default_models,
    money_ratio,
    one_cny_buys,
)
from tokcost.comparison.markdown import markdown
from tokcost.errors import UsageError
from tokcost.pricing.catalog import default_fx, load_catalog

EN = ("The committee met on Tuesday to review the budget. Every department asked for more money, "
      "and the chair said no. Tokens are billed separately for input and output.\n") * 20
ZH = "大模型迎来跳水降价潮，各家厂商纷纷下调API价格。给我一个合理解释北京大学。输入和输出分别计费。\n" * 20


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("texts")
    (folder / "en.txt").write_text(EN, encoding="utf-8")
    (folder / "zh.txt").write_text(ZH, encoding="utf-8")
    return str(folder / "en.txt"), str(folder / "zh.txt")


@pytest.fixture(scope="module")
def small(texts: tuple[str, str]):
    return compare(list(texts), tokenizers=["o200k_base", "cl100k_base"], models=["gpt-4o", "claude-3-haiku"],
                   cache=False)


# The texts' measures, from the reference libraries' own encodings and by hand (not from count()).
GOLDEN = {  # (language, chars, bytes, words, han, {tokenizer: tokens})
    "en.txt": ("en", 3280, 3280, 560, 0, {"o200k_base": 640, "cl100k_base": 640}),
    "zh.txt": ("zh", 980, 2780, 0, 820, {"o200k_base": 700, "cl100k_base": 1000}),
}


def test_measures(small, texts: tuple[str, str]) -> None:
    for path in texts:
        language, chars, size, words, han, tokens = GOLDEN[Path(path).name]
        c = small.corpus(path)
        assert (c.language, c.chars, c.bytes, c.han) == (language, chars, size, han)
        assert {t: c.tokens[t] for t in tokens} == tokens
        if language == "en":
            assert c.words == words
    en, zh = (small.corpus(p) for p in texts)
    assert en.ratios("cl100k_base") == {"chars_per_token": 5.125, "bytes_per_token": 5.125,
                                        "words_per_token": 0.875, "han_per_token": None, "zh_words_per_token": None}
    # 440 Chinese words: jieba (precise mode) run on ZH by hand, 22 segments with a Han character per line
    assert zh.zh_words == 440
    assert zh.ratios("o200k_base") == {"chars_per_token": 1.4, "bytes_per_token": 3.9714, "words_per_token": None,
                                       "han_per_token": 1.1714, "zh_words_per_token": 0.6286}


def _corpus(name: str, language: str, chars: int, words: int, han: int, tokens: dict[str, int]) -> Corpus:
    return Corpus(name, name, language, chars, chars, words, han, tokens)


def test_rules_apply_where_they_belong(small, texts: tuple[str, str]) -> None:
    en, zh = texts
    by_rule = {r.name: {k.corpus for k in small.checks if k.rule == r.name} for r in RULES}
    assert by_rule == {"chars/4": {en}, "words/0.75": {en}, "han/1.45": {zh}, "han/0.8": {zh},
                       "han×1.45": {zh}, "zh-words/1.45": {zh}, "zh-words×1.45": {zh}}
    c = small.corpus(zh)
    check = next(k for k in small.checks if k.rule == "han/0.8" and k.tokenizer == "cl100k_base")
    assert (c.han, check.measured) == (820, 1000)  # by hand: 820 / 0.8 = 1025 predicted for 1000
    assert check.error_pct == 2.5


def test_rule_errors_and_best_fit() -> None:
    corpora = [  # chars/4 and words/0.75 predict 100 and 200 tokens; han/0.8 predicts 100
        _corpus("en1", "en", 400, 75, 0, {"a": 100, "b": 80}),
        _corpus("en2", "en", 800, 150, 0, {"a": 250, "b": 200}),
        _corpus("zh1", "zh", 100, 0, 80, {"a": 125, "b": 100}),
    ]
    checks, fits = audit(corpora, ["a", "b"])
    errors = {(k.rule, k.corpus, k.tokenizer): k.error_pct for k in checks}
    assert errors[("chars/4", "en1", "b")] == 25.0 and errors[("chars/4", "en2", "a")] == -20.0
    assert errors[("han/0.8", "zh1", "a")] == -20.0 and errors[("han/0.8", "zh1", "b")] == 0.0
    assert errors[("han/1.45", "zh1", "b")] == -44.83  # 80 / 1.45 = 55.17 predicted for 100
    chars = next(f for f in fits if f.rule == "chars/4")
    assert chars.mean_error_pct == {"a": -10.0, "b": 12.5}
    assert chars.mean_abs_error_pct == {"a": 10.0, "b": 12.5} and chars.best == "a"
    assert next(f for f in fits if f.rule == "han/0.8").best == "b"


def test_exact_cost_is_tokens_times_price(small, texts: tuple[str, str]) -> None:
    cost = next(c for c in small.costs if c.model == "gpt-4o" and c.corpus == texts[1])
    assert cost.count_kind == "exact" and cost.band is None and cost.cost_band is None
    assert cost.cost.low == cost.cost.high == Decimal(small.corpus(texts[1]).tokens["o200k_base"]) * 36 / 1_000_000


def test_estimate_band_covers_the_chat_llm_tokenizers(small, texts: tuple[str, str]) -> None:
    from tokcost.tokenizers import band_names

    for corpus in texts:
        cost = next(c for c in small.costs if c.model == "claude-3-haiku" and c.corpus == corpus)
        counts = [small.corpus(corpus).tokens[n] for n in band_names()]
        assert cost.band == (min(counts), max(counts))
        rate = default_fx().rate
        assert cost.cost.low == Decimal(cost.tokens) * Decimal("0.25") / 1_000_000 * rate
        assert cost.cost_band.low <= cost.cost.low <= cost.cost_band.high
        assert cost.cost_band.high == Decimal(max(counts)) * Decimal("0.25") / 1_000_000 * rate


def test_one_cny_buys() -> None:
    catalog, fx = load_catalog(), default_fx()
    turbo = one_cny_buys(catalog.get("gpt-4-turbo"), "GPT-4-Turbo", fx, None)
    assert turbo.avg_cny_per_million.low == Decimal(20) * fx.rate  # ($10 + $30) / 2
    assert turbo.tokens.low == Decimal(1_000_000) / (Decimal(20) * fx.rate)
    assert turbo.circles == pytest.approx(float(turbo.tokens.low) / 10_000)
    deepseek = one_cny_buys(catalog.get("deepseek-v2"), "DeepSeek-V2", fx, None)
    assert deepseek.avg_cny_per_million.low == Decimal("1.5") and deepseek.tokens.low > 666_666
    assert one_cny_buys(catalog.get("ernie-speed"), "free", fx, None).tokens is None


def test_default_models_cover_the_chart() -> None:
    catalog = load_catalog()
    models = default_models()
    assert models[-1] == "gpt-4o"
    assert [i for _, i in CHART_MODELS if i in catalog] == models[:-1]
    assert len(models) >= 14  # 13 of the chart's 14 are in the catalog (no SkyLark2-Pro) + gpt-4o


def test_premium_on_the_parallel_corpora(corpora: list[str], warm_count_cache: Path) -> None:
    comp = compare(corpora=["en-tech-debref", "zh-tech-debref"], tokenizers=["o200k_base", "qwen"],
                   models=["gpt-4o", "qwen-turbo"])
    assert {(p.zh, p.en) for p in comp.premium} == {("zh-tech-debref", "en-tech-debref")}
    for p in comp.premium:
        assert p.ratio == round(comp.corpus(p.zh).tokens[p.tokenizer] / comp.corpus(p.en).tokens[p.tokenizer], 4)
    pairs = comp.premium_costs()
    assert {zh.model for zh, _ in pairs} == {"gpt-4o", "qwen-turbo"}
    for zh, en in pairs:  # linear prices, no output: the money premium is the token premium
        assert money_ratio(zh.cost, en.cost) == Decimal(zh.tokens) / Decimal(en.tokens)
    assert "Chinese premium" in markdown(comp)


def test_nothing_to_compare() -> None:
    with pytest.raises(UsageError):
        compare()


def test_cli_json_and_reports(texts: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", *texts, "-t", "o200k_base", "-m", "gpt-4o,deepseek-v2", "--no-cache"]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {m["tokenizer"] for m in data["measurements"]} == {"o200k_base"}
    assert {c["model"] for c in data["costs"]} == {"gpt-4o", "deepseek-v2"}
    assert data["fx"]["rate"] == str(default_fx().rate)
    for suffix in ("md", "json", "html"):
        out = tmp_path / f"report.{suffix}"
        assert main([*args, "--report", str(out)]) == 0
        assert out.stat().st_size > 500
    assert "| tokenizer |" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["costs"]


def test_cli_errors(texts: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", texts[0], "--report", str(tmp_path / "r.txt")]) == 2
    assert main(["compare"]) == 2
    assert main(["compare", "--corpus", "zh-tech-debrf"]) == 2
    assert "did you mean zh-tech-debref" in capsys.readouterr().err
    assert main(["compare", texts[0], str(tmp_path / "missing.txt"), "-t", "o200k_base", "-m", "gpt-4o",
                 "--no-cache"]) == 1
