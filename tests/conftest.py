from __future__ import annotations

import pytest

from tokcost.tokenizers import is_available, tokenizer_names


@pytest.fixture(scope="session")
def all_tokenizers() -> list[str]:
    """Every registered tokenizer; the suite fails (not skips) when one is missing from the cache."""
    missing = [n for n in tokenizer_names() if not is_available(n)]
    if missing:
        pytest.fail(f"tokenizer files missing: {missing}; run `tokcost fetch --all` first", pytrace=False)
    return tokenizer_names()
