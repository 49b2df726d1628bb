"""Context windows for every model, each with its source; `check` never skips one silently."""
import json

import pytest

from tokcost.pricing.catalog import load_catalog
from tokcost.pricing.litellm_db import LITELLM_ASSET, litellm_context_window, litellm_label, litellm_models
from tokcost.pricing.windows import context_window
from tokcost.tokenizers.assets import get_spec, is_cached

needs_litellm = pytest.mark.skipif(not is_cached(LITELLM_ASSET),
                                   reason=f"run `tokcost fetch {LITELLM_ASSET}` (setup.sh does) to check LiteLLM figures")


def test_litellm_database_is_pinned_by_sha256():
    spec = get_spec(LITELLM_ASSET)
    assert spec.package == "litellm" and spec.member.endswith("model_prices_and_context_window_backup.json")
    assert spec.version == get_spec("p50k_base").version and len(spec.sha256) == 64


@needs_litellm
def test_litellm_accessor_reads_the_pinned_file():
    assert len(litellm_models()) > 1000
    assert litellm_context_window("gpt-4o") == 128000
    assert "litellm 1.109.1" in litellm_label("gpt-4o")


@pytest.mark.parametrize("model_id, tokens, source", [
    ("gpt-4-turbo", 128000, "context-windows.tsv"),
    ("deepseek-v2", 32000, "DeepSeek-V2 (32k)"),
    ("doubao-pro-32k", 32000, "model id"),
    ("ernie-lite-128k", 128000, "model id"),
    pytest.param("gpt-4o", 128000, "LiteLLM", marks=needs_litellm),
    pytest.param("qwen-max", 30720, "LiteLLM", marks=needs_litellm),
    pytest.param("mixtral-8x22b", 65536, "LiteLLM", marks=needs_litellm),
])
def test_window_sources(model_id, tokens, source):
    w = context_window(load_catalog().get(model_id))
    assert w.tokens == tokens and source in w.source


def test_every_model_states_its_window_or_why_not():
    for m in load_catalog().models:
        w = context_window(m)
        assert w.source, m.id
        assert (w.tokens or 0) > 0 or "no document" in w.source or "not fetched" in w.source, m.id


@needs_litellm
def test_models_lists_window_and_source(capsys):
    from tokcost.cli import main

    assert main(["models", "-f", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["gpt-4o"]["context_window"] == 128000 and "LiteLLM" in rows["gpt-4o"]["context_source"]
    assert all(r["context_source"] for r in rows.values())


def test_window_without_litellm_says_how_to_fetch(monkeypatch):
    from tokcost.pricing import litellm_db
    from tokcost.tokenizers.assets import AssetMissing

    def missing(*_a):
        raise AssetMissing(get_spec(LITELLM_ASSET))
    monkeypatch.setattr(litellm_db, "litellm_context_window", missing)
    w = context_window(load_catalog().get("gpt-4o"))
    assert w.tokens is None and f"tokcost fetch {LITELLM_ASSET}" in w.source


def test_check_says_when_a_window_is_not_checked(capsys):
    from tokcost.cli import main

    code = main(["check", "-m", "ernie-4.0", "--input-tokens", "1000", "--output-tokens", "0", "--budget", "0.0001CNY"])
    out = capsys.readouterr().out
    assert code == 1 and "over budget" in out and "context window of ernie-4.0 NOT CHECKED" in out
    code = main(["check", "-m", "ernie-4.0", "--input-tokens", "1000", "--output-tokens", "0", "--budget", "1CNY"])
    out = capsys.readouterr().out
    assert code == 0 and "context window of ernie-4.0 NOT CHECKED" in out
