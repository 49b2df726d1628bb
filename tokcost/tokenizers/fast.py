"""Faster exact counting engines (quicktok for tiktoken vocabularies, kitoken for tokenizer.json).

They only ever count; ids shown to people come from the reference library. Each is used only when
it imports, its vocabulary is the pinned one, and `TOKCOST_ENGINE` is not `reference`.
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


@cache
def _config() -> dict:
    return tomllib.loads(resources.files("tokcost.data").joinpath("engines.toml").read_text("utf-8"))


def enabled() -> bool:
    return os.environ.get("TOKCOST_ENGINE", "fast") != "reference"


def _quicktok(name: str) -> Counter | None:
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
    return quicktok.get_encoding(pin["encoding"]).count


def _kitoken(name: str, path: Path, reference: Counter) -> Counter | None:
    if name not in _config()["kitoken"]["tokenizers"]:
        return None
    try:
        from kitoken import Kitoken
    except ImportError:
        return None
    engine = Kitoken.from_tokenizers_file(str(path))
    added = [t["content"] for t in json.loads(path.read_bytes())["added_tokens"]]
    added_text = re.compile("|".join(re.escape(a) for a in sorted(added, key=len, reverse=True)))

    def count(text: str) -> int:
        return reference(text) if added_text.search(text) else len(engine.encode(text, False))

    return count


def fast_counter(name: str, fmt: str, path: Path, normalize: str | None,
                 reference: Counter) -> tuple[str, Counter] | None:
    """(engine label, count function) for a registered tokenizer, or None to use the reference."""
    if not enabled() or normalize:
        return None
    counter = _quicktok(name) if fmt == "tiktoken" else _kitoken(name, path, reference) if fmt == "hf-json" else None
    if counter is None:
        return None
    return ("quicktok" if fmt == "tiktoken" else "kitoken"), counter
