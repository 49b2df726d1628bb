"""Selection by provenance, per price field, with dates read by meaning (issue 10's goldens).

Each test here failed on main before the selection rewrite (the issue's "What was seen" list)."""
from datetime import date
from decimal import Decimal as D

import pytest

from tokcost.errors import UsageError
from tokcost.pricing.arithmetic import estimate_cost
from tokcost.pricing.catalog import default_fx, load_catalog
from tokcost.pricing.money import Amount, Money
from tokcost.pricing.selection import shortest_between, validity

M = 1_000_000
JUNE = date(2024, 6, 1)


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def usd(cat, model, inp, out=0, as_of=JUNE, **kw):
    return estimate_cost(cat.get(model), inp, out, as_of=as_of, currency="USD", fx=default_fx(), **kw)


@pytest.mark.parametrize("model, inp, out, as_of, currency, total", [
    ("gemini-1.5-pro", 100_000, 0, JUNE, "USD", D("0.35")),  # Google's own $3.5 (<= 128k), not 25 CNY back
    ("gemini-1.5-pro", 200_000, 0, JUNE, "USD", D("1.40")),  # > 128k: $7, the whole prompt
    ("gemini-1.5-flash", 100_000, 0, JUNE, "USD", D("0.035")),
    ("deepseek-v2", M, 0, JUNE, "USD", D("0.14")),  # DeepSeek's own USD price (document 000)
    ("deepseek-v2", M, M, None, "USD", D("0.42")),
    ("gpt-4o", M, M, JUNE, "USD", D("20")),  # 5 + 15: the report's 36/109 CNY undone at its 7.27
    ("glm-4", M, 0, JUNE, "CNY", D("100")),  # 13.80 USD undone at the slide's 7.246, not 7.27
    ("abab-6.5", M, 0, JUNE, "CNY", D("30")),
    ("abab-6.5s", M, 0, JUNE, "CNY", D("10")),
    ("moonshot-v1-128k", M, 0, JUNE, "CNY", D("60")),  # observed 2024-06-28, no earlier change known
    ("gpt-4", 1000, 1000, date(2024, 2, 1), "USD", D("0.09")),  # no invented 2023-11
    ("gpt-4-turbo", M, M, JUNE, "CNY", D("290.8")),  # OpenAI's own $10/$30 at the stated 7.27
])
def test_goldens(cat, model, inp, out, as_of, currency, total):
    b = estimate_cost(cat.get(model), inp, out, as_of=as_of, currency=currency, fx=default_fx())
    assert b.total_cost == Money.of(total, currency)


def test_gpt_4o_fields_and_lines(cat):
    b = usd(cat, "gpt-4o", M, M)
    assert (b.input_cost, b.output_cost) == (Money.of(5, "USD"), Money.of(15, "USD"))
    inp = next(f for f in b.fields if f.kind == "input")
    assert inp.provenance == "conversion-undone" and inp.fx.rate == D("7.27")
    assert "36 CNY" in inp.how and "7.27" in inp.how and "003_69930fb49161ad34.txt" in inp.how


def test_every_cost_line_names_row_and_rate(cat):
    b = usd(cat, "gemini-1.5-pro", 100_000, 1000)
    lines = {f.kind: f.describe() for f in b.fields}
    assert "usd-text-2024" in lines["input"] and "vendor's own" in lines["input"]
    assert "report-2024-07-04" in lines["output"] and "1 USD = 7.27 CNY" in lines["output"]
    assert b.output_cost == Money.of(D("0.0105"), "USD")  # 76 CNY per 1M undone: $10.5
    assert all(line in b.notes for line in lines.values())


def test_input_only_row_is_a_real_price(cat):
    assert usd(cat, "gemini-1.5-pro", 100_000, as_of=date(2024, 5, 20)).total_cost == Money.of(D("0.35"), "USD")


def test_vendor_currency_is_the_default(cat):
    assert estimate_cost(cat.get("gpt-4o"), M, M, as_of=JUNE).total_cost == Money.of(20, "USD")
    assert estimate_cost(cat.get("deepseek-v2"), M, M).total_cost == Money.of(3, "CNY")


def test_observation_extends_back_flagged(cat):
    b = estimate_cost(cat.get("moonshot-v1-128k"), M, 0, as_of=JUNE)
    assert any("observed in effect on 2024-06-28" in n and "assumed in effect before" in n for n in b.notes)


def test_month_only_date_uses_the_known_day(cat):
    rec = cat.get("deepseek-v2")
    usd_row = next(e for e in rec.history if e.currency == "USD")
    v = validity(rec, usd_row)
    assert v.start == date(2024, 5, 6) and any("month-only" in f for f in v.flags)
    with pytest.raises(UsageError, match="no price for deepseek-v2 in effect on 2024-05-05"):
        usd(cat, "deepseek-v2", M, as_of=date(2024, 5, 5))


def test_undated_rows_only_when_nothing_dated(cat):
    b = usd(cat, "gpt-4", 1000, 1000, as_of=JUNE)
    assert all(f.entry.effective for f in b.fields)  # the dated 2024-05 USD row, not the undated slide
    b32 = usd(cat, "gpt-4-32k", 1000, 1000)
    assert any("undated" in n for n in b32.notes)


def test_gpt_4_32k_bills_the_cited_correction(cat):
    b = usd(cat, "gpt-4-32k", 0, 1000)
    assert b.output_cost == Money.of(D("0.12"), "USD")
    assert any("printed 0.012" in n and "genai-prices" in n for n in b.notes)


def test_promotion_is_a_dated_range(cat):
    trial = estimate_cost(cat.get("qwen1.5-32b"), M, 0, as_of=date(2024, 5, 22))
    assert trial.total_cost == Money(D(0), D("3.5"), "CNY")
    assert any("7-day trial" in n and "not stated" in n for n in trial.notes)
    later = estimate_cost(cat.get("qwen1.5-32b"), M, 0, as_of=date(2024, 6, 1))
    assert later.total_cost == Money.of(D("3.5"), "CNY")


def test_conversion_never_reconverted(cat):
    """glm-4 has only the slide's USD conversion: CNY undoes it at 7.246; USD uses it as printed."""
    b = estimate_cost(cat.get("glm-4"), M, 0, as_of=JUNE, currency="USD", fx=default_fx())
    assert b.total_cost == Money.of(D("13.80"), "USD") and b.fields[0].provenance == "conversion"


@pytest.mark.parametrize("lo, hi, near, expected", [
    (D("4.883"), D("5.0206"), D("4.95"), D("5")), (D("10.385"), D("10.522"), D("10.454"), D("10.5")),
    (D("99.96"), D("100.03"), D("100"), D("100")), (D("0.1"), D("0.1000001"), D("0.1"), D("0.1")),
])
def test_shortest_between(lo, hi, near, expected):
    assert shortest_between(lo, hi, near) == expected


def test_tokens_as_amount(cat):
    b = usd(cat, "gemini-1.5-flash", Amount.of(100_000))
    assert b.total_cost == Money.of(D("0.035"), "USD")


def test_prices_command_shows_printed_and_corrected(capsys):
    import json

    from tokcost.cli import main

    assert main(["prices", "gpt-4-32k"]) == 0
    out = capsys.readouterr().out
    assert "corrected: GPT-4 32K output printed 0.012, corrected to 0.12 per genai-prices" in out
    assert main(["prices", "gpt-4-32k", "-f", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["history"]
    assert (row["output"], row["corrected_output"], row["effective"]) == ("0.012", "0.12", "undated")
    assert "corrected" in row["marks"] and row["correction_source"]


def test_models_currency_and_figures_agree(capsys):
    import json

    from tokcost.cli import main

    assert main(["models", "-f", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["gpt-4o"]["currency"], rows["gpt-4o"]["input_per_1m"], rows["gpt-4o"]["output_per_1m"]) == \
        ("USD", "5", "15")
    assert (rows["glm-4"]["currency"], rows["glm-4"]["input_per_1m"]) == ("CNY", "100")
    assert rows["gemini-1.5-pro"]["input_per_1m"] == "3.5" and rows["deepseek-v2"]["input_per_1m"] == "1"
    assert all(r["context_source"] for r in rows.values())
