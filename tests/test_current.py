"""`--prices current`: genai-prices evaluated at `--at`, LiteLLM's JSON for what it lacks, today's
models, batch prices, staleness, reasoning tokens. No network: both sources ship in packages.

Golden figures are what the pinned sources hold (genai-prices 0.2.3, litellm 1.109.1):
deepseek-chat $0.135/$0.55 per 1M off-peak (16:30-00:30 UTC) and $0.27/$1.10 standard;
gpt-4o batch $1.25/$5 (standard $2.50/$10); LiteLLM dashscope/qwen3-max $1.2/$6 per 1M up to
32K prompt tokens and $2.4/$12 from 32K to 128K.
"""
from __future__ import annotations

import json

import pytest
from cli_run import run

M = "1000000"


def priced(capsys, *args: str) -> list[dict]:
    code, out, err = run(capsys, "cost", *args, "--prices", "current", "-f", "json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("at", "total", "window"), [
    ("2026-01-01T00:00:00Z", "0.685", "off-peak"),
    ("2026-01-01T12:00:00Z", "1.37", "standard"),
    ("2026-01-01T16:29:59Z", "1.37", "standard"),
    ("2026-01-01T16:30:00Z", "0.685", "off-peak"),
])
def test_deepseek_time_of_day(capsys, at, total, window):
    [rec] = priced(capsys, "-m", "deepseek-chat", "--input-tokens", M, "--output-tokens", M, "--at", at)
    assert rec["total_cost"] == total and rec["currency"] == "USD"
    assert any("time-of-day prices" in n and "evaluated at" in n for n in rec["notes"])


@pytest.mark.parametrize("model", ["gpt-4o-mini", "o1", "deepseek-chat", "deepseek-reasoner", "qwen3-max",
                                   "glm-4.5", "glm-4.6", "glm-4.7", "kimi-k2"])
def test_todays_models_resolve(capsys, model):
    [rec] = priced(capsys, "-m", model, "--text", "你好，世界 hello", "--output-tokens", "10",
                   "--at", "2026-12-01T12:00:00Z")
    assert rec["model"] == model and rec["input_tokens"] > 0
    assert rec["price_source"].startswith(("genai-prices 0.2.3", "LiteLLM 1.109.1"))
    code, _, err = run(capsys, "cost", "-m", model, "--input-tokens", M)
    assert code == 2 and "--prices current" in err


def test_litellm_fills_what_genai_prices_lacks_with_tiers(capsys):
    [small] = priced(capsys, "-m", "qwen3-max", "--input-tokens", "1000", "--output-tokens", "1000")
    [large] = priced(capsys, "-m", "qwen3-max", "--input-tokens", "40000", "--output-tokens", "1000")
    assert small["price_source"] == "LiteLLM 1.109.1 model_prices_and_context_window.json, table dashscope/qwen3-max"
    assert small["total_cost"] == "0.0072"  # 1000 x 1.2/1M + 1000 x 6/1M
    assert large["total_cost"] == "0.108" and "32,000 < prompt <= 128,000" in large["tier"]


def test_batch_file_gets_the_batch_price(capsys, tmp_path):
    line = {"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "max_tokens": 1000, "messages": [{"role": "user", "content": "Hi"}]}}
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(line) + "\n", "utf-8")
    [rec] = priced(capsys, str(batch), "--at", "2026-12-01T00:00:00Z")
    assert rec["output_cost"] == "0.005"  # 1000 x $5/1M (standard: $10/1M)
    assert any("batch price" in n for n in rec["notes"])
    plain = tmp_path / "chat.json"
    plain.write_text(json.dumps(line["body"]), "utf-8")
    [std] = priced(capsys, str(plain), "--at", "2026-12-01T00:00:00Z")
    assert std["output_cost"] == "0.01"


def test_staleness_warning(capsys):
    code, _, err = run(capsys, "cost", "-m", "gpt-4o", "--input-tokens", M, "--prices", "current",
                       "--at", "2027-09-01T00:00:00Z")
    assert code == 0 and "prices may be stale" in err
    code, _, err = run(capsys, "cost", "-m", "gpt-4o", "--input-tokens", M, "--prices", "current",
                       "--at", "2026-12-01T00:00:00Z")
    assert code == 0 and "stale" not in err


def test_bad_at_is_a_usage_error(capsys):
    code, _, err = run(capsys, "cost", "-m", "gpt-4o", "--input-tokens", M, "--prices", "current", "--at", "noon")
    assert code == 2 and err.strip() == "tokcost: --at 'noon' is not an instant; write 2026-01-01T12:00:00Z"


def test_reasoning_tokens_are_output(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # notes are cut to the console's width; the whole note is asserted
    [rec] = priced(capsys, "-m", "o1", "--input-tokens", "1000", "--output-tokens", "100", "--at", "2026-12-01T12:00:00Z")
    assert rec["output_tokens"] == 500 and rec["reasoning_ratio"] == "4"
    assert any("reasoning" in n and "assumption" in n for n in rec["notes"])
    [rec] = priced(capsys, "-m", "o1", "--input-tokens", "1000", "--output-tokens", "100", "--reasoning-ratio", "0.5")
    assert rec["output_tokens"] == 150 and rec["reasoning_ratio"] == "0.5"
    _, out, _ = run(capsys, "cost", "-m", "o1", "--input-tokens", "1000", "--output-tokens", "100",
                    "--prices", "current", "--explain")
    assert "reasoning: o1 bills hidden reasoning tokens as output; assumed reasoning = 4 x visible output" in out
    [rec] = priced(capsys, "-m", "gpt-4o-mini", "--input-tokens", "1000", "--output-tokens", "100")
    assert rec["output_tokens"] == 100 and rec["reasoning_ratio"] is None
