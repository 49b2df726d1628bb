"""Terminal layout at 80 and 100 columns: no line longer than the width, every number whole on one line,
long paths shortened in the middle, one line per model for `cost`."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rich.cells import cell_len

from tokcost.cli.render import fit_columns, shorten_middle
from tokcost.pricing.money import round_sig

WIDTHS = (80, 100)
ZH = "大模型迎来跳水降价潮，百万tokens只要1元。给我一个合理解释北京大学。\n" * 20
EN = "I am a bald ZOMI. Tokens cost money, and a long English sentence costs more of them.\n" * 20
MONEY = re.compile(r"(?<![\d.,])\d[\d,]*(\.\d+)?(–\d[\d,]*(\.\d+)?)? (CNY|USD)")


def run(width: int, *args: str) -> tuple[str, str]:
    proc = subprocess.run([sys.executable, "-m", "tokcost", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env={**os.environ, "COLUMNS": str(width)})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def fits(out: str, width: int) -> None:
    for line in out.splitlines():
        assert cell_len(line.rstrip()) <= width, f"{cell_len(line)} > {width}: {line!r}"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    deep = tmp_path_factory.mktemp("layout") / "a-rather-long-folder-name" / "and-another-long-folder-name"
    deep.mkdir(parents=True)
    (deep / "chinese-news-sample-with-a-long-name.txt").write_text(ZH, encoding="utf-8")
    (deep / "english-sample-with-a-long-name.txt").write_text(EN, encoding="utf-8")
    return [str(p) for p in sorted(deep.iterdir())]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("tokenizers", [["cl100k_base"], ["cl100k_base", "qwen", "glm-4", "llama3", "mistral-v3",
                                                          "deepseek-v3", "o200k_base"]])
def test_count_fits_and_numbers_are_whole(width, tokenizers, files):
    flags = [x for t in tokenizers for x in ("-t", t)]
    out, _ = run(width, "count", *files, *flags)
    fits(out, width)
    data = json.loads(run(width, "count", *files, *flags, "-f", "json")[0])
    lines = out.splitlines()
    for total in data["totals"]:
        assert any(f"{total['tokens']:,}" in line.split() for line in lines), (total, out)
    assert "\u2026" in out or all(p in out for p in files)  # long paths lose their middle, not their end
    assert all(Path(p).name[-12:] in out for p in files) or len(tokenizers) > 1


@pytest.mark.parametrize("width", WIDTHS)
def test_cost_is_one_line_per_model(width, files):
    models = ["gpt-4o", "deepseek-v2", "claude-3-haiku"]
    args = ["cost", files[0], *[x for m in models for x in ("-m", m)], "--output-ratio", "0.5"]
    out, _ = run(width, *args)
    fits(out, width)
    for record in json.loads(run(width, *args, "-f", "json")[0]):
        line = next(line for line in out.splitlines() if line.startswith(record["model"] + " "))
        assert MONEY.search(line), line  # the total, whole, with its currency, on the model's line
    assert "0.00 " not in out


@pytest.mark.parametrize("width", WIDTHS)
def test_cost_all_models_fits(width):
    out, _ = run(width, "cost", "--input-tokens", "100000", "--output-tokens", "2000", "-m", "all")
    fits(out, width)
    data = json.loads(run(width, "cost", "--input-tokens", "100000", "--output-tokens", "2000", "-m", "all",
                          "-f", "json")[0])
    lines = out.splitlines()
    for record in data:
        line = next(line for line in lines if line.split()[:1] == [record["model"]])
        assert MONEY.search(line), line
    assert len(lines) < len(data) + 25  # one line per model, notes one line each


def test_explain_shows_the_provenance(files):
    out, _ = run(100, "cost", files[0], "-m", "gpt-4o", "--explain")
    assert "price " in out and "input cost" in out and "total cost" in out and "2024" in out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", [["prices", "doubao-pro-32k"], ["models"], ["tokenizers"],
                                  ["tokenize", "给我一个合理解释北京大学", "-t", "cl100k_base", "-t", "qwen", "-t", "glm-4"]])
def test_listings_fit(width, args):
    out, _ = run(width, *args)
    fits(out, width)


def test_piped_output_never_wraps(files):
    proc = subprocess.run([sys.executable, "-m", "tokcost", "count", *files, "-t", "qwen"], capture_output=True,
                          text=True, env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    assert all(p in proc.stdout for p in files)  # whole paths, one line each


@pytest.mark.parametrize(("text", "width", "expected"), [
    ("/work/cache/corpora/zh-news.txt", 20, "/work/…pora/zh-news.txt"[:20]),
    ("short.txt", 20, "short.txt"),
])
def test_shorten_middle(text, width, expected):
    short = shorten_middle(text, width)
    assert cell_len(short) <= width and short.endswith(text[-5:])
    assert short == text or "\u2026" in short


def test_numbers_are_never_squeezed():
    cols = ["name", "a", "b", "note"]
    rows = [["x" * 30, "1,234,567", "8,901,234", "n" * 60]]
    keep, limits = fit_columns(cols, rows, {"a", "b"}, ["note"], set(), 50)
    assert [cols[i] for i in keep] == ["name", "a", "b"]
    assert all(limits.get(i, 99) >= len(rows[0][i]) for i in (1, 2))  # a number column is never narrower than a number


@pytest.mark.parametrize(("value", "shown"), [("0.09209464", "0.0921"), ("1.7512", "1.75"), ("1234.5", "1,234.50"),
                                              ("0.000123456", "0.000123"), ("0", "0")])
def test_money_to_significant_digits(value, shown):
    assert round_sig(Decimal(value)) == shown
