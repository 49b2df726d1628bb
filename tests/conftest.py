from __future__ import annotations

import os
import tempfile

import pytest

from tokcost.tokenizers import is_available, tokenizer_names

# Counts must be computed by the code under test, never served from a count cache filled by an
# earlier version of it: the whole session (and its subprocesses) uses a fresh, empty count cache.
os.environ["TOKCOST_COUNT_CACHE_DIR"] = tempfile.mkdtemp(prefix="tokcost-test-counts-")


@pytest.fixture(scope="session")
def all_tokenizers() -> list[str]:
    """Every registered tokenizer; the suite fails (not skips) when one is missing from the cache."""
    missing = [n for n in tokenizer_names() if not is_available(n)]
    if missing:
        pytest.fail(f"tokenizer files missing: {missing}; run `tokcost fetch --all` first", pytrace=False)
    return tokenizer_names()
