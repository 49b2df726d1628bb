"""`tokcost cost`, `models`, `prices` end to end through `tokcost.cli.main` (which owns the exit codes)."""
from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from cli_run import run

from tokcost.pricing.catalog import default_fx, load_catalog
from tokcost.tokenizers import get_tokenizer

M = "1000000"
MIXED = "Tokens cost money. 大模型迎来跳水降价潮，百万tokens只要1元。"


def cost_json(capsys, *args: str) -> list[dict]:
    code, out, err = run(capsys, "cost", "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


# (model, extra args, total, currency, tier)
GOLDENS = [
    ("deepseek-v2", ["--input-tokens", M, "--output-tokens", M], "3.00", "CNY", None),
    ("gpt-4-turbo", ["--input-tokens", M], "10.00", "USD", None),
    ("claude-3-haiku", ["--input-tokens", "0", "--output-tokens", M], "1.25", "USD", None),
    ("qwen-long", ["--input-tokens", M, "--as-of", "2024-05-01"], "20.00", "CNY", None),
    ("qwen-long", ["--input-tokens", M, "--as-of", "2024-06-01"], "0.50", "CNY", None),
    # 200k prompt: the whole prompt at the > 128k tier, 51 CNY per 1M (the <= 128k tier is 25)
    ("gemini-1.5-pro", ["--input-tokens", "200000"], "1.40", "USD", "prompt > 128k tokens"),
    ("gemini-1.5-pro", ["--input-tokens", "100000"], "0.35", "USD", "prompt <= 128k tokens"),
    ("spark-3.5-max", ["--input-tokens", M], {"low": "21.00", "high": "30.00"}, "CNY", None),
    ("ernie-speed", ["--input-tokens", M, "--output-tokens", M], "0.00", "CNY", None),
    ("deepseek-v2", ["--input-tokens", "1000", "--requests", "1000"], "1.00", "CNY", None),
    ("deepseek-v2", ["--input-tokens", M, "--cache-hit", "0.25"], "1.00", "CNY", None),
]


@pytest.mark.parametrize("model, args, total, currency, tier", GOLDENS)
def test_golden_totals(capsys, model, args, total, currency, tier):
    [rec] = cost_json(capsys, "-m", model, *args)
    assert (rec["model"], rec["total_cost"], rec["currency"], rec["tier"]) == (model, total, currency, tier)
    assert rec["count_kind"] == "given" and "band" not in rec


def test_json_shape(capsys):
    recs = cost_json(capsys, "-m", "spark-3.5-max", "-m", "deepseek-v2", "--input-tokens", M, "--output-tokens", "10")
    for rec in recs:
        for key in ("model", "input_tokens", "output_tokens", "currency", "input_cost", "output_cost", "total_cost",
                    "tokenizer", "count_kind", "price_source", "price_date", "tier", "notes"):
            assert key in rec
        assert rec["input_tokens"] == 1_000_000 and rec["output_tokens"] == 10
    spark, deepseek = recs
    assert spark["input_cost"] == {"low": "21.00", "high": "30.00"}  # a printed price range stays a range
    assert deepseek["input_cost"] == "1.00" and isinstance(deepseek["total_cost"], str)
    assert deepseek["total_cost"] == "1.00002"  # exact decimals, never floats
    assert ".txt" in deepseek["price_source"] and deepseek["price_date"] == "2024-05-06"
    assert "fx" not in deepseek


def test_rank_all_sorted(capsys):
    recs = cost_json(capsys, "-m", "all", "--input-tokens", "200000")
    fx = default_fx()

    def key(rec: dict) -> D:
        total = rec["total_cost"]
        low, high = (D(total), D(total)) if isinstance(total, str) else (D(total["low"]), D(total["high"]))
        rate = fx.rate if rec["currency"] == "USD" else D(1)
        return (low + high) / 2 * rate

    keys = [key(r) for r in recs]
    assert keys == sorted(keys)
    assert len(recs) == len(load_catalog().models)
    assert recs[0]["total_cost"] == "0.00" and recs[-1]["model"] == "gpt-4-32k"  # free first; 60 USD per 1M last
    assert [r["model"] for r in recs] != list(load_catalog().ids)


def test_rank_all_table_states_rate(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # --explain wraps notes at the console's width
    code, out, _ = run(capsys, "cost", "-m", "all", "--input-tokens", "1000", "--explain")
    assert code == 0 and "compared at 1 USD = 7.27 CNY" in out


def test_usd_cny_override(capsys):
    default = cost_json(capsys, "-m", "gpt-4-turbo", "--input-tokens", M, "--currency", "CNY")[0]
    given = cost_json(capsys, "-m", "gpt-4-turbo", "--input-tokens", M, "--currency", "CNY", "--usd-cny", "7.1")[0]
    assert default["total_cost"] == "72.70" and default["fx"]["rate"] == "7.27"
    assert given["total_cost"] == "71.00"
    assert given["fx"]["rate"] == "7.1" and given["fx"]["origin"] == "given on the command line"
    code, out, _ = run(capsys, "cost", "-m", "gpt-4-turbo", "--input-tokens", M, "--currency", "CNY",
                       "--usd-cny", "7.1")
    assert code == 0 and "1 USD = 7.1 CNY" in out and "71.00 CNY" in out


def test_cny_to_usd(capsys):
    [rec] = cost_json(capsys, "-m", "hunyuan-pro", "--input-tokens", M, "--output-tokens", M,
                      "--currency", "USD", "--usd-cny", "8")
    assert rec["total_cost"] == "16.25" and rec["currency"] == "USD" and rec["price_currency"] == "CNY"


@pytest.mark.parametrize("args", [["-m", "gpt-4o-maxi"], ["-m", "deepseek-v2,gpt4o"]])
def test_unknown_model(capsys, args):
    code, out, err = run(capsys, "cost", *args, "--input-tokens", "5")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "unknown model" in err and "did you mean" in err and "gpt-4o" in err


@pytest.mark.parametrize("args, message", [
    (["--output-tokens", "5", "--output-ratio", "0.5"], "not both"),
    (["--cache-hit", "1.5"], "between 0 and 1"),
    (["--as-of", "May 2024"], "YYYY-MM-DD"),
    (["--currency", "EUR"], "unknown currency"),
    (["--prices", "live"], "documents"),
    (["--text", "hi"], "not both"),
])
def test_usage_errors(capsys, args, message):
    code, _, err = run(capsys, "cost", "-m", "deepseek-v2", "--input-tokens", "5", *args)
    assert code == 2 and message in err


def test_exact_model_counts_with_its_tokenizer(capsys, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(MIXED * 20, encoding="utf-8")
    gpt4o, gpt4 = cost_json(capsys, str(path), "-m", "gpt-4o", "-m", "gpt-4")
    assert gpt4o["input_tokens"] == len(get_tokenizer("o200k_base").encode(MIXED * 20))
    assert gpt4["input_tokens"] == len(get_tokenizer("cl100k_base").encode(MIXED * 20))
    assert gpt4o["input_tokens"] != gpt4["input_tokens"] and gpt4o["count_kind"] == "exact"


def test_output_ratio_rounds_up(capsys):
    [rec] = cost_json(capsys, "-m", "deepseek-v2", "--input-tokens", "1000", "--output-ratio", "0.0015")
    assert rec["output_tokens"] == 2  # ceil(1.5)


def test_paths_are_one_request_unless_per_input(capsys, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Tokens cost money.\n", encoding="utf-8")
    one = cost_json(capsys, str(tmp_path), "-m", "deepseek-v2", "--output-tokens", "10", "--requests", "3")[0]
    each = cost_json(capsys, str(tmp_path), "-m", "deepseek-v2", "--output-tokens", "10", "--per-input")[0]
    assert (one["requests"], one["inputs"], one["output_tokens"]) == (3, 2, 30)
    assert (each["requests"], each["output_tokens"]) == (2, 20)


def test_missing_file_reported_rest_priced(capsys, tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("Tokens cost money.", encoding="utf-8")
    code, out, err = run(capsys, "cost", str(path), str(tmp_path / "nope.txt"), "-m", "gpt-4o", "-f", "json")
    assert code == 1 and "nope.txt: no such file" in err and err.count("\n") == 1
    assert json.loads(out)[0]["input_tokens"] == len(get_tokenizer("o200k_base").encode("Tokens cost money."))


def test_current_prices(capsys):
    code, out, err = run(capsys, "cost", "-m", "gpt-4o", "-m", "qwen-long", "--input-tokens", M,
                         "--prices", "current", "-f", "json")
    recs = json.loads(out)
    assert code == 1 and [r["model"] for r in recs] == ["gpt-4o"]
    assert recs[0]["price_source"].startswith("genai-prices ") and recs[0]["price_date"].startswith("data as of")
    assert err.count("\n") == 1 and "qwen-long" in err
    code, out, _ = run(capsys, "cost", "-m", "gpt-4o", "--input-tokens", M, "--prices", "current")
    assert code == 0 and "prices: genai-prices" in out


def test_table_and_csv(capsys):
    code, out, _ = run(capsys, "cost", "-m", "spark-3.5-max", "--input-tokens", M)
    assert code == 0 and "21.00–30.00 CNY" in out and "output tokens: 0 (default" in out
    code, out, _ = run(capsys, "cost", "-m", "deepseek-v2", "--input-tokens", M, "-f", "csv")
    header, row = out.strip().splitlines()
    assert header.startswith("model,count_kind") and row.startswith("deepseek-v2,given")


def test_models_command(capsys):
    code, out, _ = run(capsys, "models", "-f", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and list(rows) == list(load_catalog().ids)
    assert rows["deepseek-v2"]["input_per_1m"] == "1" and rows["deepseek-v2"]["output_per_1m"] == "2"
    assert rows["gpt-4-turbo"]["context_window"] == 128000 and rows["claude-3-haiku"]["count_kind"] == "estimate"
    assert all(r["price_date"] for r in rows.values())
    code, out, _ = run(capsys, "models")
    assert code == 0 and "deepseek-v2" in out


def test_prices_command(capsys):
    code, out, _ = run(capsys, "prices", "qwen-plus", "-f", "json")
    data = json.loads(out)
    assert code == 0 and len(data["history"]) == len(load_catalog().get("qwen-plus").history)
    [conflict] = data["conflicts"]
    assert "output 0.002" in conflict["rejected"] and "rule:" in conflict["rule"] and conflict["chosen"]
    assert any("conflict" in h["marks"] for h in data["history"])
    code, out, _ = run(capsys, "prices", "gemini-1.5-flash")
    assert code == 0 and "garbled:" in out
    code, _, err = run(capsys, "prices", "gemini-1.5-pr0")
    assert code == 2 and "did you mean" in err
