"""The Python API's conventions: options parsed once, one problem shape, no hidden global state."""
from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import tokcost
from tokcost.counting import inputs
from tokcost.errors import UsageError
from tokcost.pricing.options import PriceOptions, resolve_models

TEXT = "Tokens cost money.\n给我一个合理解释北京大学。\n" * 2000


def test_strings_and_typed_values_parse_to_the_same_options() -> None:
    typed = PriceOptions.parse(output_ratio=Decimal("0.5"), currency="USD", as_of=date(2024, 6, 1),
                               fx=Decimal("7.1"), cache_hit=Decimal("0.25"))
    typed_as_text = PriceOptions.parse(output_ratio="0.5", currency="usd", as_of="2024-06-01", fx="7.1",
                                       cache_hit="0.25")
    assert typed == typed_as_text and typed.output_ratio == Decimal("0.5") and typed.currency == "USD"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("currency", "EUR", "unknown currency 'EUR'; use one of CNY, USD"),
    ("output_ratio", 0.5, "must be an exact decimal"),
    ("as_of", "June", "is not a date"),
    ("fx", "-1", "must be positive"),
])
def test_bad_option_values_are_one_usage_error(option: str, value: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        PriceOptions.parse(**{option: value})
    if option != "fx":  # compare parses the same way, before counting anything
        with pytest.raises(UsageError, match=message):
            tokcost.compare(["nothing-is-read.txt"], **{option: value})


def test_cost_and_compare_resolve_models_alike() -> None:
    ids = [m.id for m in resolve_models(["gpt-4o,deepseek-v2", "gpt-4o"])]
    assert ids == ["gpt-4o", "deepseek-v2"]
    assert [m.id for m in resolve_models("all")] == [m.id for m in resolve_models(["all", "gpt-4o"])]


def test_a_folder_is_walked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(TEXT[:100], encoding="utf-8")
    walks: list[str] = []
    real_walk = inputs._walk
    monkeypatch.setattr(inputs, "_walk", lambda root, *a, **k: walks.append(str(root)) or real_walk(root, *a, **k))
    from tokcost.cli import main

    assert main(["count", str(tmp_path), "--no-cache"]) == 0
    assert walks == [str(tmp_path)]


def test_counting_leaves_the_environment_alone(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(TEXT * 12, encoding="utf-8")  # several chunks: counted by the worker pool
    before = dict(os.environ)
    fast_total = tokcost.count([str(big)], tokenizers=["deepseek-v3", "o200k_base"], jobs=2, cache=False)
    assert dict(os.environ) == before
    small = tokcost.count(text="hello", tokenizers=["o200k_base"], cache=False)
    assert small.tokens("o200k_base") == 1
    assert fast_total.tokens("o200k_base") > 0
