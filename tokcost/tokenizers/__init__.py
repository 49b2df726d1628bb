"""Named tokenizers: a registry of specs (data/tokenizers.toml) and the backends that run them."""
from tokcost.tokenizers.registry import (
    TokenizerSpec,
    available_names,
    band_names,
    get_tokenizer,
    is_available,
    tokenizer_names,
    tokenizer_spec,
)

__all__ = [
    "TokenizerSpec",
    "available_names",
    "band_names",
    "get_tokenizer",
    "is_available",
    "tokenizer_names",
    "tokenizer_spec",
]
