"""Tokenizer registry: name -> spec (data/tokenizers.toml) -> backend, built on first use and cached.

Names may also be a local file (`tokenizer.json`, sentencepiece `.model`, `.tiktoken`, WordPiece
`vocab.txt`) or `hf:ORG/NAME` for a Hugging Face model (online or from the HF cache only).
"""
from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tokcost.errors import DataError, TokcostError, UnknownName, UsageError
from tokcost.paths import data_text
from tokcost.tokenizers import fast
from tokcost.tokenizers.assets import AssetSpec, asset_path, get_spec, is_cached

if TYPE_CHECKING:  # the backends (and their libraries) load with the first tokenizer built, not with the specs
    from tokcost.tokenizers.backends import Backend

ALGORITHMS = ("bpe", "wordpiece", "unigram")
FORMATS = ("tiktoken", "tekken", "hf-json", "sentencepiece", "wordpiece")
CHUNKINGS = ("newline", "newline-strict", "newline-latin", "sentencepiece", "whole")
_LIBRARY = {"tiktoken": "tiktoken", "tekken": "tiktoken", "hf-json": "tokenizers",
            "wordpiece": "tokenizers", "sentencepiece": "sentencepiece"}
_OPTIONAL = {"pattern": None, "normalize": None, "lowercase": False, "in_band": True}
_REQUIRED = {"algorithm", "format", "asset", "vocab_size", "families", "description", "chunking"}


@dataclass(frozen=True)
class TokenizerSpec:
    name: str
    algorithm: str
    format: str
    asset: str
    vocab_size: int
    families: tuple[str, ...]
    description: str
    chunking: str
    pattern: str | None = None
    normalize: str | None = None
    lowercase: bool = False
    in_band: bool = True
    source: AssetSpec | None = field(default=None, compare=False)

    @property
    def library(self) -> str:
        return _LIBRARY[self.format]


def _check(name: str, raw: dict) -> None:
    where = f"tokenizers.toml [tokenizer.{name}]"
    unknown = set(raw) - _REQUIRED - set(_OPTIONAL)
    missing = _REQUIRED - set(raw)
    if unknown or missing:
        raise DataError(f"{where}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
    for key, allowed in (("algorithm", ALGORITHMS), ("format", FORMATS), ("chunking", CHUNKINGS)):
        if raw[key] not in allowed:
            raise DataError(f"{where}: {key} = {raw[key]!r}, expected one of {allowed}")
    if raw["format"] in ("tiktoken", "tekken") and not raw.get("pattern"):
        raise DataError(f"{where}: a {raw['format']} tokenizer needs `pattern`")


@cache
def _specs() -> dict[str, TokenizerSpec]:
    text = data_text("tokenizers.toml")
    specs = {}
    for name, raw in tomllib.loads(text)["tokenizer"].items():
        _check(name, raw)
        fields = {**_OPTIONAL, **raw, "families": tuple(raw["families"])}
        specs[name] = TokenizerSpec(name=name, source=get_spec(raw["asset"]), **fields)
    return specs


def tokenizer_names() -> list[str]:
    return list(_specs())


_FILE_SUFFIXES = (".json", ".model", ".tiktoken", ".txt", ".v1", ".v3")


def tokenizer_spec(name: str) -> TokenizerSpec:
    """A registered tokenizer's spec; a name that looks like a file path and is not one says so."""
    specs = _specs()
    if name not in specs:
        if "/" in name or Path(name).suffix.lower() in _FILE_SUFFIXES:
            raise UsageError(f"tokenizer file {name!r}: no such file (and no tokenizer has that name; "
                             "`tokcost tokenizers` lists them)")
        raise UnknownName("tokenizer", name, specs, hint="`tokcost tokenizers` lists them")
    return specs[name]


def is_available(name: str) -> bool:
    return is_cached(tokenizer_spec(name).asset)


def available_names() -> list[str]:
    return [n for n in _specs() if is_available(n)]


def band_names() -> list[str]:
    """Available tokenizers whose spread makes the error band of an estimate (see tokenizers.toml)."""
    return [n for n in available_names() if _specs()[n].in_band]


def _build(spec: TokenizerSpec) -> Backend:
    path = asset_path(spec.asset)
    backend = _build_reference(spec, path)
    counter = fast.fast_counter(spec.name, spec.format, path, spec.normalize, backend.count_reference)
    if counter:
        backend.use_fast(*counter)
    return backend


def _build_reference(spec: TokenizerSpec, path: Path) -> Backend:
    from tokcost.tokenizers.backends import (
        HFTokenizersBackend,
        SentencePieceBackend,
        TiktokenBackend,
        read_tekken_offset,
        read_tekken_ranks,
        read_tiktoken_ranks,
    )

    if spec.format == "tiktoken":
        return TiktokenBackend(spec.name, lambda: read_tiktoken_ranks(path), spec.pattern or "",
                               chunking=spec.chunking, normalize=spec.normalize)
    if spec.format == "tekken":
        return TiktokenBackend(spec.name, lambda: read_tekken_ranks(path)[0], spec.pattern or "",
                               chunking=spec.chunking, id_offset=read_tekken_offset(path))
    if spec.format == "hf-json":
        return HFTokenizersBackend.from_file(spec.name, path, chunking=spec.chunking)
    if spec.format == "wordpiece":
        return HFTokenizersBackend.from_wordpiece_vocab(spec.name, path, lowercase=spec.lowercase,
                                                        chunking=spec.chunking)
    return SentencePieceBackend(spec.name, path, chunking=spec.chunking)


def _from_user_file(path: Path) -> Backend:
    from tokcost.tokenizers.backends import (
        HFTokenizersBackend,
        SentencePieceBackend,
        TiktokenBackend,
        read_tiktoken_ranks,
    )

    if not path.is_file():
        raise TokcostError(f"tokenizer file {str(path)!r} does not exist")
    label = str(path)
    suffix, stem = path.suffix.lower(), path.name.lower()
    try:
        if suffix == ".json":
            return HFTokenizersBackend.from_file(label, path, chunking="whole")
        if suffix == ".model":
            return SentencePieceBackend(label, path, chunking="sentencepiece")
        if suffix == ".tiktoken":
            # A bare ranks file has no pattern: assume cl100k_base's, which most tiktoken vocabularies use.
            pattern = tokenizer_spec("cl100k_base").pattern or ""
            backend = TiktokenBackend(label, lambda: read_tiktoken_ranks(path), pattern, chunking="newline")
            _ = backend.encoding  # load now, so that a malformed file is reported here
            return backend
        if suffix == ".txt" and "vocab" in stem:
            return HFTokenizersBackend.from_wordpiece_vocab(label, path, lowercase=True, chunking="newline")
    except (OSError, ValueError, RuntimeError, Exception) as exc:  # library errors vary by library
        raise TokcostError(f"cannot load tokenizer file {label!r}: {exc}") from None
    raise TokcostError(
        f"tokenizer file {label!r}: expected a tokenizer.json, a sentencepiece .model, "
        "a .tiktoken ranks file or a WordPiece vocab.txt"
    )


def counts_in_threads(name: str, fast_engine: bool) -> bool:
    """Whether `name` counts in parallel in threads with a fast engine or without (engines.toml
    `count_in_threads`), decided without loading it; an unregistered tokenizer: no. Nor one that
    counts inputs whole: a thread's call must be short (a Ctrl-C waits for it), a worker process's
    can be ended at once."""
    spec = _specs().get(name)
    return spec is not None and spec.chunking != "whole" and fast.counts_in_threads(
        fast.counting_engine(name, spec.format, spec.normalize, spec.library, fast_engine))


_building = threading.RLock()  # counting threads and the loading thread never build one twice


def get_tokenizer(name: str) -> Backend:
    """The backend for a registered name, a local tokenizer file, or `hf:ORG/NAME` (built once, cached)."""
    with _building:
        return _get_tokenizer(name)


def forget_tokenizers() -> None:
    """Drop every built tokenizer (after the cache directory changed: tests)."""
    _get_tokenizer.cache_clear()


@cache
def _get_tokenizer(name: str) -> Backend:
    if name.startswith("hf:"):
        from tokcost.tokenizers.backends import HubOffline, TransformersBackend

        try:
            return TransformersBackend(name, name[3:])
        except HubOffline as exc:
            raise TokcostError(f"cannot load {name}: {exc}") from None
        except Exception as exc:  # transformers raises OSError/ValueError/HTTP errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TokcostError(f"cannot load {name}: {first} (needs the network or the HF cache)") from None
    if name not in _specs() and ("/" in name or "." in Path(name).name) and Path(name).exists():
        return _from_user_file(Path(name))
    return _build(tokenizer_spec(name))
