from datetime import date
from decimal import Decimal as D

import pytest

from tokcost.errors import TokcostError, UsageError
from tokcost.pricing.arithmetic import estimate_cost, price_cost
from tokcost.pricing.catalog import default_fx, load_catalog
from tokcost.pricing.money import Amount, FxRate, Money

M = 1_000_000


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


@pytest.mark.parametrize("model, inp, out, as_of, total", [
    ("deepseek-v2", M, M, None, Money.of(3, "CNY")),
    ("gpt-4-turbo", M, 0, None, Money.of(10, "USD")),
    ("claude-3-haiku", 0, M, None, Money.of(D("1.25"), "USD")),
    ("qwen-long", M, 0, date(2024, 5, 1), Money.of(20, "CNY")),
    ("qwen-long", M, 0, date(2024, 6, 1), Money.of(D("0.5"), "CNY")),
    ("spark-3.5-max", M, 0, None, Money(D(21), D(30), "CNY")),
    ("ernie-speed", M, M, None, Money.of(0, "CNY")),
    ("ernie-lite", 5 * M, 5 * M, None, Money.of(0, "CNY")),
    ("doubao-lite-128k", 1, 0, None, Money.of(D("0.0000008"), "CNY")),
    ("glm-3-turbo", M, 0, date(2024, 5, 10), Money.of(5, "CNY")),
    ("glm-3-turbo", M, 0, date(2024, 5, 11), Money.of(1, "CNY")),
    ("hunyuan-pro", M, M, None, Money.of(130, "CNY")),
    ("gpt-4", 1000, 1000, date(2023, 10, 1), Money.of(D("0.09"), "USD")),
    ("gpt-3.5-turbo-16k", 1000, 1000, date(2024, 1, 1), Money.of(D("0.003"), "USD")),
])
def test_golden_totals(cat, model, inp, out, as_of, total):
    assert estimate_cost(cat.get(model), inp, out, as_of=as_of).total_cost == total


def test_one_token_exact(cat):
    # 0.0008 CNY per 1k tokens (the timeline table) for one token: no rounding anywhere
    entry = next(e for e in cat.get("doubao-lite-128k").history if e.per_tokens == 1000)
    assert price_cost(entry, "input", 1) == Money.of(D("0.0000008"), "CNY")
    assert price_cost(entry, "input", 3) + price_cost(entry, "input", 7) == price_cost(entry, "input", 10)


def test_breakdown_fields(cat):
    b = estimate_cost(cat.get("deepseek-v2"), M, M)
    assert (b.input_cost, b.output_cost, b.cache_hit_cost) == (Money.of(1, "CNY"), Money.of(2, "CNY"), Money.of(0, "CNY"))
    assert b.entry.source.endswith(".txt") and b.entry.effective
    assert b.fx is None and b.currency == "CNY"
    js = b.to_json()
    assert js["total_cost"] == "3.00" and js["price"]["table"] == b.entry.table


def test_gemini_long_prompt_tier(cat):
    rec = cat.get("gemini-1.5-pro")
    long = estimate_cost(rec, 200_000, 0)
    short = estimate_cost(rec, 100_000, 0)
    assert long.tier == "prompt > 128k tokens"
    assert short.tier == "prompt <= 128k tokens"
    # the whole 200k prompt is billed at the > 128k price (Google's own $7 per 1M)
    assert long.input_cost == Money.of(D("1.4"), "USD")


def test_tier_chosen_per_request(cat):
    b = estimate_cost(cat.get("gemini-1.5-pro"), 100_000, 0, requests=3)
    assert b.tier == "prompt <= 128k tokens" and b.input_tokens == Amount.of(300_000)
    assert b.input_cost == Money.of(D("1.05"), "USD")  # Google's own $3.5 per 1M (<= 128k), 3 x 100k


def test_range_straddling_tiers(cat):
    b = estimate_cost(cat.get("gemini-1.5-pro"), Amount(D(100_000), D(200_000)), 0)
    assert b.input_cost == Money(D("0.35"), D("1.4"), "USD")
    assert any("straddles" in n for n in b.notes)


def test_estimate_range_tokens(cat):
    b = estimate_cost(cat.get("claude-3-haiku"), Amount(D(900_000), D(1_100_000)), 0)
    assert b.total_cost == Money(D("0.225"), D("0.275"), "USD")
    assert b.total_cost.to_json() == {"low": "0.225", "high": "0.275"}


@pytest.mark.parametrize("model, other", [("doubao-pro-32k", "0.0008"), ("qwen-plus", "0.002")])
def test_conflicts_visible(cat, model, other):
    b = estimate_cost(cat.get(model), M, M)
    conflict = [n for n in b.notes if n.startswith("conflict:")]
    assert len(conflict) == 1 and f"output {other} CNY per 1,000 tokens" in conflict[0]
    assert "rule:" in conflict[0]
    assert not b.entry.conflict


def test_conflict_resolution_figures(cat):
    assert estimate_cost(cat.get("doubao-pro-32k"), M, M).total_cost == Money(D("2.8"), D("2.8"), "CNY")
    assert estimate_cost(cat.get("qwen-plus"), M, M).total_cost == Money.of(16, "CNY")


def test_usd_to_cny_states_rate(cat):
    fx = default_fx()
    b = estimate_cost(cat.get("gpt-4-turbo"), M, M, currency="CNY", fx=fx)
    assert b.total_cost == Money.of(D("290.8"), "CNY")
    assert b.fx == fx
    assert any("1 USD = 7.27 CNY" in n and "2024-06-28" in n for n in b.notes)
    assert b.to_json()["fx"]["rate"] == "7.27"


def test_cny_to_usd(cat):
    fx = FxRate(D("8"), date(2024, 1, 1), "test")
    assert estimate_cost(cat.get("hunyuan-pro"), M, M, currency="USD", fx=fx).total_cost == Money.of(D("16.25"), "USD")


def test_conversion_needs_rate(cat):
    with pytest.raises(UsageError, match="exchange rate"):
        estimate_cost(cat.get("gpt-4-turbo"), M, 0, currency="CNY")


def test_output_ratio_and_requests(cat):
    b = estimate_cost(cat.get("deepseek-v2"), 1000, output_ratio=D("0.5"), requests=1000)
    assert b.output_tokens == Amount.of(500_000) and b.total_cost == Money.of(2, "CNY")
    with pytest.raises(UsageError):
        estimate_cost(cat.get("deepseek-v2"), 1000, 10, output_ratio=D("0.5"))


def test_cache_hit_without_price_says_so(cat):
    b = estimate_cost(cat.get("deepseek-v2"), M, 0, cache_hit_ratio=D("0.25"))
    assert b.cache_hit_cost == Money.of(D("0.25"), "CNY") and b.input_cost == Money.of(D("0.75"), "CNY")
    assert any("billed at the normal input price" in n for n in b.notes)


def test_cache_hit_price_used(cat):
    from tokcost.pricing.current import current_record

    rec = current_record(cat.get("claude-3-haiku"))
    entry = rec.price_on()
    b = estimate_cost(rec, M, 0, cache_hit_ratio=D("0.5"))
    assert b.cache_hit_cost == Money.of(entry.cache_hit_input.low / 2, "USD")
    assert not any("normal input price" in n for n in b.notes)


def test_missing_output_price(cat):
    with pytest.raises(TokcostError, match="no output price"):
        estimate_cost(cat.get("hunyuan-embedding"), 1000, 10)
    assert estimate_cost(cat.get("hunyuan-embedding"), 1000, 0).total_cost == Money.of(D("0.0007"), "CNY")


def test_garbled_and_converted_notes(cat):
    assert any("garbled" in n for n in estimate_cost(cat.get("gemini-1.5-flash"), 200_000, 0).notes)
    assert any("conversion" in n for n in estimate_cost(cat.get("abab-6.5"), 1000, 0).notes)


@pytest.mark.parametrize("kwargs", [{"cache_hit_ratio": D("1.5")}, {"requests": 0}, {"cache_hit_ratio": 0.5}])
def test_bad_arguments(cat, kwargs):
    with pytest.raises(UsageError):
        estimate_cost(cat.get("deepseek-v2"), 1000, 0, **kwargs)
