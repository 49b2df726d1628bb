"""Faster exact counting engines (quicktok for tiktoken vocabularies, kitoken for tokenizer.json).

They only ever count; ids shown to people come from the reference library. Each is used only when
it imports, its vocabulary is the pinned one, and `TOKCOST_ENGINE` is not `reference`. They are
built on first use, and only for inputs large enough to repay loading them (see `prefer`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

Counter = Callable[[str], int]

# Loading quicktok's o200k costs ~0.36 s against ~0.1-0.2 s for tiktoken's, and it then counts
# ~30 MB/s faster: below about 8 MB of input the reference engine finishes first (benchmarks/).
SMALL_INPUT_BYTES = 8_000_000
_preferred = True


def prefer(input_bytes: int | None) -> None:
    """Say how much text is about to be counted (None: unknown, e.g. stdin, so assume a lot)."""
    global _preferred
    _preferred = input_bytes is None or input_bytes >= SMALL_INPUT_BYTES


def preferred() -> bool:
    return _preferred


@cache
def _config() -> dict:
    return tomllib.loads(resources.files("tokcost.data").joinpath("engines.toml").read_text("utf-8"))


def enabled() -> bool:
    return os.environ.get("TOKCOST_ENGINE", "fast") != "reference"


def _quicktok(name: str) -> Callable[[], Counter] | None:
    pin = _config()["quicktok"].get(name)
    if not isinstance(pin, dict):
        return None
    try:
        import quicktok
    except ImportError:
        return None
    data = Path(quicktok.__file__).parent / pin["file"]
    if not data.is_file() or hashlib.sha256(data.read_bytes()).hexdigest() != pin["sha256"]:
        return None
    return lambda: quicktok.get_encoding(pin["encoding"]).count


def _added_tokens(path: Path) -> list[str]:
    """The `added_tokens` array of a tokenizer.json, read without parsing the whole vocabulary."""
    text = path.read_text("utf-8")
    start = text.index("[", text.index('"added_tokens"'))
    tokens, _ = json.JSONDecoder().raw_decode(text, start)
    return [t["content"] for t in tokens]


def _kitoken(name: str, path: Path, reference: Counter) -> Callable[[], Counter] | None:
    if name not in _config()["kitoken"]["tokenizers"]:
        return None
    try:
        from kitoken import Kitoken
    except ImportError:
        return None

    def build() -> Counter:
        engine = Kitoken.from_tokenizers_file(str(path))
        added = sorted(_added_tokens(path), key=len, reverse=True)
        added_text = re.compile("|".join(re.escape(a) for a in added))
        return lambda text: reference(text) if added_text.search(text) else len(engine.encode(text, False))

    return build


def fast_counter(name: str, fmt: str, path: Path, normalize: str | None,
                 reference: Counter) -> tuple[str, Callable[[], Counter]] | None:
    """(engine label, a zero-argument builder of its count function), or None to use the reference."""
    if not enabled() or normalize:
        return None
    build = _quicktok(name) if fmt == "tiktoken" else _kitoken(name, path, reference) if fmt == "hf-json" else None
    if build is None:
        return None
    return ("quicktok" if fmt == "tiktoken" else "kitoken"), build
