"""Suite policy: a clean clone after `bash setup.sh --test` runs every test. Missing tokenizer files
or corpora fail (with the command that makes them); only an absent system tool (Chromium, jq) skips, saying so."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tokcost.tokenizers import is_available, tokenizer_names

# Counts must be computed by the code under test, never served from a count cache filled by an
# earlier version of it: the whole session (and its subprocesses) uses a fresh, empty count cache,
# except the tests that ask for `warm_count_cache`.
os.environ["TOKCOST_COUNT_CACHE_DIR"] = tempfile.mkdtemp(prefix="tokcost-test-counts-")


@pytest.fixture(scope="session")
def all_tokenizers() -> list[str]:
    """Every registered tokenizer; the suite fails (not skips) when one is missing from the cache."""
    missing = [n for n in tokenizer_names() if not is_available(n)]
    if missing:
        pytest.fail(f"tokenizer files missing: {missing}; run `tokcost fetch --all` first", pytrace=False)
    return tokenizer_names()


@pytest.fixture(scope="session")
def corpora() -> list[str]:
    """Every bundled corpus; the suite fails (not skips) when one is not built."""
    from tokcost.comparison.corpora import corpus_dir, load_manifest

    names = [s.name for s in load_manifest()]
    missing = [n for n in names if not (corpus_dir() / f"{n}.txt").is_file()]
    if missing:
        pytest.fail(f"corpora not built in {corpus_dir()}: {missing}; run `bash setup.sh`", pytrace=False)
    return names


@pytest.fixture(scope="session")
def persistent_count_cache() -> Path:
    from tokcost.paths import cache_dir

    return cache_dir() / "counts"


@pytest.fixture()
def warm_count_cache(persistent_count_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's own count cache (`<cache dir>/counts`, which `tokcost compare` fills), for tests
    whose subject is not counting: a re-run over unchanged corpora does no tokenizing. Its entries
    are keyed by content, tokenizer identity and tokcost version; counting itself is tested against
    the fresh cache above."""
    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(persistent_count_cache))
    return persistent_count_cache
