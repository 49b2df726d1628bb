"""`tokcost check`: budget and context-window pre-flight; exit 0 ok, 1 does not fit, 2 usage/input error."""
from __future__ import annotations

import json
from decimal import Decimal as D

import cli_run
import pytest

from tokcost.errors import UsageError
from tokcost.pricing.check import check, parse_budget
from tokcost.pricing.cost import cost
from tokcost.tokenizers import get_tokenizer

M = "1000000"
HUNDRED_10K = ("--input-tokens", "10000", "--output-tokens", "10000", "--requests", "100")  # 1M + 1M, within 32k
MIXED = "Tokens cost money. 大模型迎来跳水降价潮，百万tokens只要1元。"


def run(capsys, *args: str) -> tuple[int, str, str]:
    return cli_run.run(capsys, "check", *args)


def test_passes(capsys):
    code, out, err = run(capsys, "-m", "deepseek-v2", *HUNDRED_10K, "--budget", "3")
    assert code == 0 and err == ""
    assert out.strip().startswith("ok: 3.00 CNY <= 3 CNY budget (1 input, 100 requests, deepseek-v2)")
    assert out.count("\n") == 1


def test_over_budget(capsys):
    code, out, _ = run(capsys, "-m", "deepseek-v2", *HUNDRED_10K, "--budget", "2.5")
    assert code == 1
    assert out.strip() == ("over budget: 3.00 CNY > 2.5 CNY budget by 0.50 CNY (1 input, 100 requests, deepseek-v2); "
                           "assuming 10,000 output tokens per request")


def test_over_budget_counts_inputs_and_requests(capsys, tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text("Tokens cost money.\n", encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path), "-m", "gpt-4o", "--requests", "1000", "--budget", "0.01")
    assert code == 1 and "(3 inputs, 1,000 requests, gpt-4o)" in out and "by " in out


def test_over_context_window_names_input(capsys, tmp_path):
    report = tmp_path / "report.md"
    report.write_text("Tokens cost money and context windows are finite.\n" * 1000, encoding="utf-8")
    n = len(get_tokenizer("cl100k_base").encode(report.read_text(encoding="utf-8")))
    assert n > 8000
    code, out, _ = run(capsys, str(report), "-m", "gpt-4", "--budget", "100USD")
    assert code == 1
    assert out.strip() == f"{report}: {n:,} tokens > gpt-4 context window 8,000 by {n - 8000:,}"


def test_context_counts_output_tokens(capsys):
    code, out, _ = run(capsys, "-m", "gpt-4", "--input-tokens", "7000", "--output-tokens", "1500", "--budget", "10")
    assert code == 1 and "8,500 tokens (7,000 input + 1,500 output) > gpt-4 context window 8,000 by 500" in out
    code, out, _ = run(capsys, "-m", "gpt-4", "--input-tokens", "7000", "--output-tokens", "1000", "--budget", "10")
    assert code == 0 and "largest request 8,000 tokens fits the context window 8,000" in out


def test_joined_inputs_vs_per_input(capsys, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("word " * 5000, encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path), "-m", "gpt-4", "--budget", "10")
    assert code == 1 and "--per-input" in out and "a.txt + " in out
    code, out, _ = run(capsys, str(tmp_path), "-m", "gpt-4", "--budget", "10", "--per-input")
    assert code == 0, out


def test_missing_file_is_exit_2(capsys, tmp_path):
    code, out, err = run(capsys, str(tmp_path / "nope.md"), "-m", "gpt-4o", "--budget", "10")
    assert code == 2 and out == "could not read 1 input; not checked\n"
    assert err.strip() == f"tokcost: {tmp_path / 'nope.md'}: no such file or folder"


@pytest.mark.parametrize("args", [
    ["-m", "gpt-4o", "--budget", "ten"],
    ["-m", "gpt-4o", "--budget", "10USD", "--currency", "CNY"],
    ["-m", "all", "--budget", "10"],
    ["-m", "gtp-4o", "--budget", "10"],
    ["-m", "gpt-4o"],
])
def test_usage_errors_exit_2(capsys, args):
    code, _, err = run(capsys, "--input-tokens", "5", *args)
    assert code == 2 and err.count("\n") == 1


def test_estimate_checks_high_end(capsys):
    [rec] = cost(models=["claude-3-haiku"], text=MIXED * 10).records
    assert rec.band is not None and rec.band.low < rec.band.high
    low, high = rec.total_cost.low, rec.total_cost.high
    between = (low + high) / 2  # the central/low figures fit, the high end does not
    code, out, _ = run(capsys, "--text", MIXED * 10, "-m", "claude-3-haiku", "--budget", f"{between}USD")
    assert code == 1 and "over budget" in out and "estimate: checked the high end of the band" in out
    code, out, _ = run(capsys, "--text", MIXED * 10, "-m", "claude-3-haiku", "--budget", f"{high} USD")
    assert code == 0 and "estimate: checked the high end of the band" in out


def test_json_format(capsys):
    code, out, _ = run(capsys, "-m", "gpt-4-turbo", "--input-tokens", "140230", "--budget", "1", "-f", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["budget"] == "1.00" and data["currency"] == "USD"
    assert data["failures"] == [
        "over budget: 1.4023 USD > 1 USD budget by 0.4023 USD (1 input, gpt-4-turbo); "
        "assuming 0 output tokens (set --output-ratio or --output-tokens)",
        "--input-tokens: 140,230 tokens > gpt-4-turbo context window 128,000 by 12,230",
    ]


def test_budget_currency_converts_cost(capsys):
    # 1M gpt-4-turbo input = 10 USD = 72.70 CNY at the default rate
    code, out, _ = run(capsys, "-m", "gpt-4-turbo", "--input-tokens", M, "--budget", "72 CNY")
    assert code == 1 and "72.70 CNY > 72 CNY budget by 0.70 CNY" in out


@pytest.mark.parametrize("text, expected", [
    ("10", (D(10), None)), ("10USD", (D(10), "USD")), ("10 cny", (D(10), "CNY")), ("0.5 USD", (D("0.5"), "USD")),
])
def test_parse_budget(text, expected):
    assert parse_budget(text) == expected


def test_parse_budget_rejects():
    with pytest.raises(UsageError):
        parse_budget("-1")


def test_api():
    result = check(model="deepseek-v2", budget=D(3), input_tokens=10_000, output_tokens=10_000, requests=100)
    assert result.ok and result.failures == [] and result.record is not None
    assert result.record.total_cost.to_json() == "3.00"
    result = check(model="deepseek-v2", budget="2", input_tokens=10_000, output_tokens=10_000, requests=100)
    assert not result.ok and result.failures[0].startswith("over budget: 3.00 CNY > 2 CNY budget by 1.00 CNY")


def test_verdict_states_zero_output_assumption(capsys):
    code, out, _ = run(capsys, "-m", "deepseek-v2", "--input-tokens", "10000", "--budget", "1")
    assert code == 0 and "assuming 0 output tokens (set --output-ratio or --output-tokens)" in out.splitlines()[0]
    code, out, _ = run(capsys, "-m", "deepseek-v2", "--input-tokens", "10000", "--budget", "0.000001")
    assert code == 1 and out.startswith("over budget") and "assuming 0 output tokens" in out.splitlines()[0]


def test_verdict_states_given_output(capsys):
    code, out, _ = run(capsys, "-m", "deepseek-v2", "--input-tokens", "1000", "--output-ratio", "0.5", "--budget", "1")
    assert code == 0 and "assuming output = input x 0.5 per request" in out


def test_verdict_uses_max_tokens_as_worst_case(capsys, tmp_path):
    batch = tmp_path / "batch.jsonl"
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o", "max_tokens": 1000, "messages": [{"role": "user", "content": "hi"}]}}
    batch.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, str(batch), "-m", "gpt-4o", "--budget", "1USD")
    assert code == 0 and "each request's max_tokens / max_completion_tokens as its output (worst case)" in out
    code, out, _ = run(capsys, str(batch), "-m", "gpt-4o", "--budget", "0.01USD", "--as-of", "2024-06-01")
    assert code == 1 and "0.015" in out  # 1,000 output tokens at $15 per 1M: over a 1-cent budget


def test_gemini_over_budget_exits_1(capsys):
    code, out, _ = run(capsys, "-m", "gemini-1.5-pro", "--input-tokens", "100000", "--output-tokens", "0",
                       "--currency", "USD", "--as-of", "2024-06-01", "--budget", "0.345USD")
    assert code == 1 and out.startswith("over budget: 0.35 USD > 0.345 USD budget")
    code, out, _ = run(capsys, "-m", "gemini-1.5-pro", "--input-tokens", "100000", "--output-tokens", "0",
                       "--currency", "USD", "--as-of", "2024-06-01", "--budget", "0.35USD")
    assert code == 0
