"""Names where a tokenizer is expected: a tokenizer, a file, hf:ORG/NAME, `all`, or a model id.

A model id stands for the tokenizer tokcost counts that model with; stderr says so once, and says
whether that count is exact (the vendor's tokenizer) or an estimate (a proxy tokenizer)."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from tokcost.cli.render import warn
from tokcost.errors import UnknownName

_FILE_SUFFIXES = {".json", ".model", ".tiktoken", ".txt", ".gz", ".vocab"}


def _is_tokenizer(name: str) -> bool:
    from tokcost.tokenizers import tokenizer_names

    return name == "all" or name.startswith("hf:") or name in tokenizer_names() or Path(name).is_file()


def model_tokenizer(name: str) -> tuple[str, str] | None:
    """(tokenizer, count_kind) for a model id or alias; None when `name` is no model."""
    from tokcost.pricing.catalog import load_catalog

    catalog = load_catalog()
    if name not in catalog:
        return None
    model = catalog.get(name)
    return model.tokenizer, model.count_kind


def tokenizer_names(names: Sequence[str] | None) -> list[str] | None:
    """Tokenizer names for `names`, models replaced by their tokenizer (said once on stderr)."""
    if not names:
        return None
    out = []
    for name in names:
        if _is_tokenizer(name):
            out.append(name)
            continue
        found = model_tokenizer(name)
        if found is None and ("/" in name or "\\" in name or Path(name).suffix):
            out.append(name)  # a tokenizer file: the counter says if it is missing
            continue
        if found is None:
            from tokcost.pricing.catalog import load_catalog
            from tokcost.tokenizers import tokenizer_names as known

            raise UnknownName("tokenizer or model", name, [*known(), *load_catalog().ids],
                              hint="`tokcost tokenizers` and `tokcost models` list them")
        tokenizer, kind = found
        how = ("exact: the vendor's tokenizer" if kind == "exact"
               else "estimate: a proxy, the vendor's tokenizer is not available offline")
        warn(f"model {name} counts with tokenizer {tokenizer} ({how})")
        out.append(tokenizer)
    return list(dict.fromkeys(out))


def stdin_hint(paths: Sequence[str]) -> None:
    """On a terminal, say that tokcost waits for text on stdin (instead of hanging silently)."""
    if "-" in paths and sys.stdin is not None and sys.stdin.isatty():
        warn("reading text from the terminal: type or paste it, then Ctrl-D "
             "(or give a FILE or --text)")
