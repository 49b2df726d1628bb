from datetime import date
from decimal import Decimal as D

import pytest

from tokcost.errors import TokcostError
from tokcost.pricing.money import Amount, FxRate, Money, show_money

FX = FxRate(D("7.27"), date(2024, 6, 28), "test")


@pytest.mark.parametrize("text, low, high", [
    ("0.14", "0.14", "0.14"), ("0", "0", "0"), ("21-30", "21", "30"), ("0.021-0.03", "0.021", "0.03"),
    ("10.00", "10", "10"),
])
def test_parse(text, low, high):
    assert Amount.parse(text) == Amount(D(low), D(high))


@pytest.mark.parametrize("bad", ["abc", "", "1e", "NaN", "Infinity", "30-21", "-1", "1-2-3"])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        Amount.parse(bad)


def test_decimal_exactness():
    assert Money.of(D("0.1"), "USD") + Money.of(D("0.2"), "USD") == Money.of(D("0.3"), "USD")
    one_token = Amount.of(1) * D("0.0008")
    assert Money(one_token.low / 1000, one_token.high / 1000, "CNY").low == D("0.0000008")


def test_floats_refused():
    with pytest.raises(TypeError):
        Money.of(0.1, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("money, text", [
    (Money.of(3, "CNY"), "3 CNY"),
    (Money(D(21), D(30), "CNY"), "21\u201330 CNY"),
    (Money.of(D("3.000"), "USD"), "3 USD"),
    (Money.of(D("0.0000008"), "CNY"), "0.0000008 CNY"),
])
def test_format(money, text):
    assert str(money) == text


def test_format_quantizes_only_when_asked():
    assert Money.of(D("2.005"), "USD").format(places=2) == "2.01 USD"
    assert Money.of(D("2.005"), "USD").format() == "2.005 USD"


@pytest.mark.parametrize("money, js", [
    (Money.of(3, "CNY"), "3.00"),
    (Money.of(D("0.0000008"), "CNY"), "0.0000008"),
    (Money(D(21), D(30), "CNY"), {"low": "21.00", "high": "30.00"}),
])
def test_json(money, js):
    assert money.to_json() == js


def test_range_arithmetic():
    price = Amount(D(21), D(30))
    assert price * 2 == Amount(D(42), D(60))
    assert Amount(D(1), D(2)) * Amount(D(3), D(4)) == Amount(D(3), D(8))
    assert Money(D(1), D(2), "CNY") + Money.of(1, "CNY") == Money(D(2), D(3), "CNY")


def test_add_needs_same_currency():
    with pytest.raises(TokcostError):
        Money.of(1, "USD") + Money.of(1, "CNY")


def test_convert_states_rate():
    assert Money.of(10, "USD").convert("CNY", FX) == Money.of(D("72.70"), "CNY")
    assert Money.of(D("72.7"), "CNY").convert("USD", FX) == Money.of(10, "USD")
    assert Money.of(1, "USD").convert("USD", None) == Money.of(1, "USD")
    assert "7.27" in FX.describe() and "2024-06-28" in FX.describe()
    with pytest.raises(TokcostError, match="exchange rate"):
        Money.of(1, "USD").convert("CNY", None)


def test_bad_currency():
    with pytest.raises(ValueError):
        Money.of(1, "EUR")


def test_json_and_csv_money_are_rounded_half_even_to_ten_places():
    from tokcost.pricing.money import MONEY_PLACES, Money

    m = Money(D("0.3438789546079779917469050894"), D("0.3438789546079779917469050894"), "USD")
    assert MONEY_PLACES == 10
    assert m.to_json() == "0.3438789546" and m.csv_cells() == ("0.3438789546", "0.3438789546")
    assert Money.of(D("0.00000000005"), "USD").to_json() == "0.00"  # half-even: ...0|5 -> even 0
    assert Money.of(D("0.00000000015"), "USD").to_json() == "0.0000000002"
    assert Money.of(3, "CNY").to_json() == "3.00"
    assert m.amount == Amount(m.low, m.high)  # exact underneath


def test_cost_json_and_csv_agree(capsys):
    import csv
    import io
    import json

    from tokcost.cli import main

    args = ["cost", "-m", "hunyuan-pro", "--input-tokens", "12345", "--output-tokens", "0", "--currency", "USD",
            "--usd-cny", "7.1234567"]
    assert main([*args, "-f", "json"]) == 0
    rec = json.loads(capsys.readouterr().out)[0]
    assert main([*args, "-f", "csv"]) == 0
    row = next(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rec["total_cost"] == row["total_low"] == row["input_cost"]
    assert len(rec["total_cost"].partition(".")[2]) == 10 and "half-even" in rec["money"]


@pytest.mark.parametrize(("money", "places", "currency", "shown"), [
    (Money.of(D("3"), "CNY"), None, True, "3.00 CNY"),
    (Money.of(D("0.000123456789"), "USD"), None, True, "0.00012346 USD"),  # at most 8 places
    (Money.of(Amount(D("21"), D("30")), "CNY"), None, True, "21.00\u201330.00 CNY"),
    (Money.of(D("1234.5"), "CNY"), 2, False, "1,234.50"),  # report tables
    (Money.of(D("0.123456"), "CNY"), 4, False, "0.1235"),
])
def test_show_money(money, places, currency, shown):
    assert show_money(money, places, currency) == shown
