"""`--cache-write RATIO`: the share of each request's input tokens written to the prompt cache, billed
at the model's cache-write price (own price files, genai-prices' cache_write_mtok, LiteLLM's
cache_creation_input_token_cost); the input price, said in a note, where a model has none.

Figures by hand. Own file: input 3, cache write 3.75, cache hit 0.30, output 15 USD per 1M tokens.
genai-prices 0.2.3 anthropic/claude-3-5-sonnet: input 3, cache_write_mtok 3.75, cache_read_mtok 0.3,
output 15, cache_write_1h_mtok 6 USD per 1M; openai/gpt-4o states no cache-write price.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from cli_run import run

import tokcost
from tokcost.errors import UsageError
from tokcost.pricing.arithmetic import estimate_cost
from tokcost.pricing.catalog import load_catalog

M = "1000000"
AT = "2026-12-01T12:00:00Z"
OWN = '''vendor = "acme"
name = "Acme AI"
currency = "USD"

[[models]]
id = "acme-cache-1"
display_name = "Acme Cache 1"
count_kind = "exact"
tokenizer = "o200k_base"
context_window = 2000000
context_source = "our contract, 2026-11"

[[prices]]
model = "acme-cache-1"
doc_model = "Acme Cache 1"
source = "our contract"
table = "schedule C"
currency = "USD"
per_tokens = 1000000
input = "3"
output = "15"
cache_hit_input = "0.30"
cache_write_input = "3.75"
effective = "2026-11-01"
status = "list"
'''


@pytest.fixture()
def own(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(OWN, "utf-8")
    return path


def priced(capsys, *args: str) -> dict:
    code, out, err = run(capsys, "cost", *args, "-f", "json")
    assert code == 0, err
    [rec] = json.loads(out)
    return rec


def test_own_file_bills_writes_hits_and_misses_each_at_its_price(capsys, own):
    rec = priced(capsys, "-m", "acme-cache-1", "--prices", str(own), "--input-tokens", M,
                 "--cache-hit", "0.5", "--cache-write", "0.25")
    # 250,000 misses x 3 + 500,000 hits x 0.30 + 250,000 writes x 3.75, per 1M
    assert (rec["input_cost"], rec["cache_hit_cost"], rec["cache_write_cost"]) == ("0.75", "0.15", "0.9375")
    assert rec["total_cost"] == "1.8375" and rec["cache_write_tokens"] == 250000
    assert any(p["kind"] == "cache_write_input" and p["price"] == "3.75" for p in rec["prices"])
    assert not any("normal input price" in n for n in rec["notes"])


def test_writes_scale_with_requests_and_show_in_csv_and_explain(capsys, own):
    args = ("cost", "-m", "acme-cache-1", "--prices", str(own), "--input-tokens", M, "--cache-hit", "0.5",
            "--cache-write", "0.25", "--requests", "2")
    code, out, err = run(capsys, *args, "-f", "csv")
    assert code == 0, err
    header, row = out.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=False))
    assert cells["cache_write_cost"] == "1.875" and cells["total_low"] == "3.675"  # 2 x 0.9375, 2 x 1.8375
    code, out, err = run(capsys, *args, "--explain")
    assert code == 0, err
    assert "  cache write cost 1.875 USD" in out and "  total cost       3.675 USD" in out


def test_no_writes_asked_changes_nothing_but_says_the_price(capsys, own):
    rec = priced(capsys, "-m", "acme-cache-1", "--prices", str(own), "--input-tokens", M)
    assert rec["total_cost"] == "3.00" and rec["cache_write_cost"] == "0.00" and rec["cache_write_tokens"] == 0
    assert not any(p["kind"] == "cache_write_input" for p in rec["prices"])
    assert any("cache write 3.75 USD per 1M tokens (not applied" in n for n in rec["notes"])
    code, out, _ = run(capsys, "cost", "-m", "acme-cache-1", "--prices", str(own), "--input-tokens", M, "--explain")
    assert code == 0 and "cache write cost" not in out and "  input cost     3.00 USD" in out


def test_check_judges_the_total_with_the_write_cost(capsys, own):
    base = ("check", "-m", "acme-cache-1", "--prices", str(own), "--input-tokens", M, "--cache-hit", "0.5",
            "--budget", "1.80USD")
    code, out, _ = run(capsys, *base)
    assert code == 0 and out.startswith("ok: 1.65 USD <= 1.8 USD")  # 500,000 x 3 + 500,000 x 0.30
    code, out, _ = run(capsys, *base, "--cache-write", "0.25")
    assert code == 1 and out.startswith("over budget: 1.8375 USD > 1.8 USD budget by 0.0375 USD")
    result = tokcost.check(model="acme-cache-1", prices=str(own), input_tokens=1_000_000, cache_hit="0.5",
                           cache_write=Decimal("0.25"), budget="1.80USD")
    assert not result.ok and result.record is not None
    assert result.record.total_cost.high == Decimal("1.8375")


def test_current_genai_prices_cache_write_price(capsys):
    rec = priced(capsys, "-m", "claude-3.5-sonnet", "--prices", "current", "--at", AT, "--input-tokens", M,
                 "--cache-hit", "0.2", "--cache-write", "0.4", "--output-tokens", "1000")
    # 400,000 misses x 3 + 200,000 hits x 0.3 + 400,000 writes x 3.75 + 1,000 output x 15, per 1M
    assert (rec["input_cost"], rec["cache_hit_cost"], rec["cache_write_cost"]) == ("1.20", "0.06", "1.50")
    assert rec["output_cost"] == "0.015" and rec["total_cost"] == "2.775"
    [write] = [p for p in rec["prices"] if p["kind"] == "cache_write_input"]
    assert write["price"] == "3.75" and write["source"] == "genai-prices 0.2.3"
    assert any("1-hour cache writes 6 USD/1M tokens: not applied" in n for n in rec["notes"])
    assert not any("not applied: no cache writes given" in n for n in rec["notes"])


def test_current_model_without_a_write_price_bills_input_and_says_so(capsys):
    rec = priced(capsys, "-m", "gpt-4o", "--prices", "current", "--at", AT, "--input-tokens", M,
                 "--cache-write", "0.5")
    assert rec["input_cost"] == "1.25" and rec["cache_write_cost"] == "1.25"  # all at 2.5 USD per 1M
    assert rec["total_cost"] == "2.50"
    assert "gpt-4o has no cache-write input price in effect: cache writes are billed at the normal input price" \
        in rec["notes"]


def test_litellm_cache_creation_price():
    from tokcost.pricing.current import _litellm

    record = load_catalog().get("claude-3.5-sonnet")
    [entry], _ = _litellm(record, "anthropic.claude-3-5-sonnet-20240620-v1:0", False)
    assert entry.cache_write_input is not None and entry.cache_write_input.low == Decimal("3.75")
    [entry], _ = _litellm(record, "deepseek/deepseek-chat", False)  # LiteLLM states 0: no separate charge
    assert entry.cache_write_input is None and "read as no cache-write price" in entry.note


def test_documents_have_no_write_price_input_price_is_billed_and_said():
    b = estimate_cost(load_catalog().get("deepseek-v2"), 1_000_000, 0, cache_write_ratio=Decimal("0.25"))
    assert b.cache_write_cost.high == Decimal("0.25") and b.input_cost.high == Decimal("0.75")
    assert any("no cache-write input price in effect" in n for n in b.notes)


@pytest.mark.parametrize(("args", "message"), [
    (("--cache-hit", "0.8", "--cache-write", "0.3"), "--cache-hit 0.8 + --cache-write 0.3 = 1.1"),
    (("--cache-write", "-0.1"), "the cache-write ratio (--cache-write) must be between 0 and 1, not -0.1"),
    (("--cache-write", "1.5"), "must be between 0 and 1, not 1.5"),
    (("--cache-write", "lots"), "cache-write ratio: lots is not a decimal number"),
])
def test_bad_cache_write_is_one_usage_line(capsys, own, args, message):
    for command in (("cost",), ("check", "--budget", "1")):
        code, out, err = run(capsys, *command, "-m", "acme-cache-1", "--prices", str(own), "--input-tokens", M,
                             *args)
        assert code == 2 and out == "" and message in err and err.count("\n") == 1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cache_write": 0.25}, "must be an exact decimal"),
    ({"cache_hit": "0.8", "cache_write": "0.3"}, "cannot add up to more than 1"),
])
def test_bad_cache_write_through_the_api(own, kwargs, message):
    with pytest.raises(UsageError, match=message):
        tokcost.cost(models="acme-cache-1", prices=str(own), input_tokens=1000, **kwargs)
    with pytest.raises(UsageError, match=message):
        tokcost.check(model="acme-cache-1", prices=str(own), input_tokens=1000, budget="1", **kwargs)


@pytest.mark.parametrize("kwargs", [{"cache_write_ratio": 0.25}, {"cache_write_ratio": Decimal("-0.1")},
                                    {"cache_hit_ratio": Decimal("0.8"), "cache_write_ratio": Decimal("0.3")}])
def test_estimate_cost_refuses_bad_write_ratios(kwargs):
    with pytest.raises(UsageError):
        estimate_cost(load_catalog().get("deepseek-v2"), 1000, 0, **kwargs)
