"""LiteLLM's model database (model_prices_and_context_window.json), pinned by sha256 as an asset.

The file ships inside the litellm wheel tokcost already fetches for p50k_base; `tokcost fetch --all`
(or `tokcost fetch litellm-model-prices`) puts it in the cache. Nothing here touches the network.
Every figure read from it is labelled with `litellm_label(key)`.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

LITELLM_ASSET = "litellm-model-prices"


@lru_cache(maxsize=1)
def litellm_models() -> dict[str, dict[str, Any]]:
    """The whole pinned database, model key -> entry (AssetMissing if not fetched)."""
    from tokcost.tokenizers.assets import asset_path

    data = json.loads(asset_path(LITELLM_ASSET).read_bytes())
    return {k: v for k, v in data.items() if isinstance(v, dict) and k != "sample_spec"}


def litellm_entry(key: str) -> dict[str, Any] | None:
    return litellm_models().get(key)


def litellm_version() -> str:
    from tokcost.tokenizers.assets import get_spec

    spec = get_spec(LITELLM_ASSET)
    return f"litellm {spec.version}"


def litellm_label(key: str) -> str:
    """Where a figure comes from, e.g. "LiteLLM database (litellm 1.109.1) entry 'gpt-4o'"."""
    return f"LiteLLM database ({litellm_version()}, model_prices_and_context_window.json) entry {key!r}"


def litellm_context_window(key: str) -> int | None:
    """The entry's input window (max_input_tokens, else max_tokens), or None."""
    entry = litellm_entry(key) or {}
    value = entry.get("max_input_tokens") or entry.get("max_tokens")
    return value if isinstance(value, int) and value > 0 else None
