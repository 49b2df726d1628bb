"""A context window for every model, with its source: the documents, the model id, or LiteLLM.

Order of trust: the figure the catalog records from the documents (context-windows.tsv), then a
size in the model id itself ("-8k" -> 8,000 tokens: the documents' "k"; the vendor's exact figure may
be 8,192), then the pinned LiteLLM database entry the catalog names (`litellm = "key"`, today's
endpoint, which may differ from 2024's). A model with none of these says so: never a silent skip.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from tokcost.pricing.catalog import ModelRecord

_ID_SIZE = re.compile(r"-(\d+)k(?:$|-)")


@dataclass(frozen=True)
class Window:
    tokens: int | None
    source: str  # where the figure comes from, or why there is none

    def describe(self) -> str:
        return f"{self.tokens:,} tokens ({self.source})" if self.tokens else f"unknown ({self.source})"


def context_window(record: ModelRecord) -> Window:
    if record.context_window:
        return Window(record.context_window, record.context_source or "catalog")
    m = _ID_SIZE.search(record.id)
    if m:
        return Window(int(m[1]) * 1000, f"model id {record.id!r} ({m[1]}k read as {int(m[1]) * 1000:,} tokens)")
    return _from_litellm(record)


def _from_litellm(record: ModelRecord) -> Window:
    from tokcost.pricing.litellm_db import LITELLM_ASSET, litellm_context_window, litellm_label
    from tokcost.tokenizers.assets import AssetMissing

    if not record.litellm:
        return Window(None, "no document, model-id or LiteLLM figure for this model")
    try:
        tokens = litellm_context_window(record.litellm)
    except AssetMissing:
        return Window(None, f"LiteLLM database not fetched: run `tokcost fetch {LITELLM_ASSET}`")
    if tokens is None:
        return Window(None, f"{litellm_label(record.litellm)} gives no window")
    return Window(tokens, f"{litellm_label(record.litellm)}: max_input_tokens (today's endpoint)")
