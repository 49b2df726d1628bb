"""Estimate models: a real band (min..max of every available tokenizer), the proxy's count as the central
figure, range costs; exact and given counts; one counting pass for all models; a light `import tokcost`."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D

from tokcost.cli import main
from tokcost.pricing import jobs as chat
from tokcost.pricing.catalog import load_catalog
from tokcost.pricing.cost import cost
from tokcost.pricing.money import Money
from tokcost.tokenizers import available_names, band_names, get_tokenizer

MIXED = "Tokens cost money; the bill arrives later. 大模型迎来跳水降价潮，百万tokens只要1元。给我一个合理解释。"


def counts(text: str) -> dict[str, int]:
    return {n: len(get_tokenizer(n).encode(text)) for n in available_names()}


def test_band_is_real(all_tokenizers):
    [rec] = cost(models=["claude-3-haiku"], text=MIXED).records
    by_name = counts(MIXED)
    in_band = [by_name[n] for n in band_names()]
    assert rec.count_kind == "estimate" and rec.band is not None
    assert (rec.band.low, rec.band.high) == (min(in_band), max(in_band))
    assert rec.band.low < rec.band.high and set(rec.band.tokenizers) == set(band_names())
    assert "bert-base-uncased" not in rec.band.tokenizers and "o200k_base" in rec.band.tokenizers
    assert rec.input_tokens == by_name["claude-legacy"]  # the proxy's count is the central figure
    assert rec.band.low <= rec.input_tokens <= rec.band.high
    price = D("0.25") / 1_000_000  # Claude 3 Haiku input, USD per token
    assert rec.total_cost == Money(rec.band.low * price, rec.band.high * price, "USD")


def test_band_in_json_and_table(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # at 80 columns the band column is the first dropped (footnoted)
    main(["cost", "--text", MIXED, "-m", "gemini-1.5-pro", "--output-ratio", "0.5", "-f", "json"])
    [rec] = json.loads(capsys.readouterr().out)
    assert rec["count_kind"] == "estimate" and rec["tokenizer"] == "o200k_base"
    assert set(rec["band"]) == {"low", "high", "tokenizers"} and rec["band"]["low"] < rec["band"]["high"]
    assert isinstance(rec["total_cost"], dict) and set(rec["total_cost"]) == {"low", "high"}
    assert rec["output_band"]["high"] == -(-rec["band"]["high"] // 2)  # ceil(high x 0.5)
    main(["cost", "--text", MIXED, "-m", "gemini-1.5-pro"])
    out = capsys.readouterr().out
    assert "estimate" in out and f"{rec['band']['low']:,}–{rec['band']['high']:,}" in out


def test_given_tokens_are_exact():
    [rec] = cost(models=["claude-3-haiku"], input_tokens=1_000_000).records
    assert rec.count_kind == "given" and rec.band is None and rec.total_cost == Money.of(D("0.25"), "USD")


def test_each_tokenizer_runs_once_per_input(monkeypatch):
    calls: list[tuple[str, ...]] = []
    original = chat.Engine.count_source

    def spy(self, open_blocks, names=None):
        calls.append(self.names)
        return original(self, open_blocks, names)

    monkeypatch.setattr(chat.Engine, "count_source", spy)
    records = cost(models="all", text=MIXED).records
    assert len(records) == len(load_catalog().models)
    needed = set(band_names()) | {m.tokenizer for m in load_catalog().models}
    assert len(calls) == 1 and set(calls[0]) == needed


def test_import_is_light():
    code = ("import sys, tokcost; tokcost.cost; tokcost.check; "
            "heavy = {'tiktoken', 'tokenizers', 'sentencepiece', 'transformers', 'genai_prices'}; "
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
