"""Backends: one class per tokenizer library, all with the same small interface.

Every backend counts text as ordinary text: no BOS/EOS/CLS/SEP is added, and text that looks like a
special, added or control token (`<|endoftext|>`, `<｜User｜>`) is encoded as the characters it is
(tokcost/tokenizers/ordinary.py).  Libraries are imported inside the
constructors so that `import tokcost` stays light.
"""
from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from tokcost.tokenizers import ordinary
from tokcost.tokenizers.fast import counts_utf8, enabled

_STRAY = re.compile("[\udc80-\udcff]+")
_SP_BYTES = re.compile(r"(?:<0x[0-9A-Fa-f]{2}>)+")


def show_bytes(raw: bytes) -> str:
    """A token's bytes as text; bytes that are not whole UTF-8 characters as `<E9 BE>`."""
    text = raw.decode("utf-8", "surrogateescape")
    return _STRAY.sub(lambda m: "<" + " ".join(f"{ord(c) - 0xDC00:02X}" for c in m.group()) + ">", text)


@functools.cache
def _byte_level_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet (printable stand-ins for the 256 bytes), reversed."""
    keep = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars = keep + [256 + n for n in range(256 - len(keep))]
    raw = keep + [b for b in range(256) if b not in keep]
    return {chr(c): b for c, b in zip(chars, raw, strict=True)}


def _byte_level_piece(token: str | None) -> str | None:
    table = _byte_level_decoder()
    if not token or any(ch not in table for ch in token):
        return None
    return show_bytes(bytes(table[ch] for ch in token))


def _sp_piece(piece: str) -> str:
    """sentencepiece byte-fallback pieces `<0xE9><0xBE>` as `<E9 BE>`."""
    return _SP_BYTES.sub(lambda m: "<" + " ".join(m.group()[3:-1].split("><0x")).upper() + ">", piece)


class Backend(Protocol):
    name: str
    chunking: str
    engine: str

    def encode(self, text: str) -> list[int]: ...

    def prepare(self, fast: bool = True) -> None: ...

    def count(self, text: str, fast: bool = True) -> int: ...

    def count_reference(self, text: str) -> int: ...

    def count_chunk(self, chunk: str, first: bool, fast: bool = True, utf8: bytes | None = None) -> int: ...

    def pieces(self, ids: list[int]) -> list[str]: ...


class _Base:
    name: str
    chunking: str
    engine: str = "reference"
    _build_fast: Callable[[], Callable[[str], int]] | None = None
    _fast_counts_utf8 = False

    def use_fast(self, engine: str, build: Callable[[], Callable[[str], int]]) -> None:
        """Count with a faster engine proven identical to this library (see tokenizers/fast.py)."""
        self.engine, self._build_fast = engine, build
        self._fast_counts_utf8 = counts_utf8(engine)

    @functools.cached_property
    def _fast(self) -> Callable[[str], int]:
        return self._build_fast()

    def _counts_fast(self, fast: bool) -> bool:
        # enabled() again: TOKCOST_ENGINE=reference also holds for a backend built before it was set
        return fast and self._build_fast is not None and enabled()

    def prepare(self, fast: bool = True) -> None:
        """Load what `count(..., fast)` will use (a worker does this at start, in parallel with the others)."""
        if self._counts_fast(fast):
            _ = self._fast
        else:
            self.count_reference("x")

    def count(self, text: str, fast: bool = True) -> int:
        """Tokens in `text`; `fast`: by the faster engine when there is one (False: small inputs, where
        loading it costs more than it saves; see fast.wanted)."""
        if self._counts_fast(fast):
            return self._fast(text)
        return self.count_reference(text)

    def count_reference(self, text: str) -> int:
        return len(self.encode(text))

    def count_chunk(self, chunk: str, first: bool, fast: bool = True, utf8: bytes | None = None) -> int:
        """`count` of one chunk of a text; `utf8`: the chunk's UTF-8 bytes, which an engine that counts
        bytes takes as they are (no second encoding of the text)."""
        if utf8 is not None and self._fast_counts_utf8 and self._counts_fast(fast):
            return self._fast(utf8)  # type: ignore[arg-type]
        return self.count(chunk, fast)

    def encode(self, text: str) -> list[int]:  # pragma: no cover - abstract
        raise NotImplementedError


def read_tiktoken_ranks(path: Path) -> dict[bytes, int]:
    """tiktoken's `.tiktoken` format: one `base64(token) rank` per line."""
    ranks: dict[bytes, int] = {}
    for line in path.read_bytes().splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def read_tekken_ranks(path: Path) -> tuple[dict[bytes, int], str, int]:
    """Mistral's tekken JSON: ranks of the first (vocab size - specials) entries, the pattern, the id offset."""
    data = json.loads(path.read_bytes())
    config = data["config"]
    offset = config["default_num_special_tokens"]
    n_ranks = config["default_vocab_size"] - offset
    ranks = {base64.b64decode(v["token_bytes"]): v["rank"] for v in data["vocab"][:n_ranks]}
    return ranks, config["pattern"], offset


def read_tekken_offset(path: Path) -> int:
    """Tekken ids are ranks shifted past its special tokens; the offset sits in the file's config."""
    head = path.read_bytes()[:4096].decode("utf-8", "ignore")
    match = re.search(r'"default_num_special_tokens"\s*:\s*(\d+)', head)
    return int(match.group(1)) if match else read_tekken_ranks(path)[2]


class TiktokenBackend(_Base):
    """Byte-level BPE run by tiktoken (`encode_ordinary`, so special-token text stays ordinary).

    The vocabulary is read on first use: when a faster engine counts, tiktoken is only needed for ids.
    """

    def __init__(self, name: str, load_ranks: Callable[[], dict[bytes, int]], pattern: str, *,
                 chunking: str, normalize: str | None = None, id_offset: int = 0) -> None:
        self.name, self.chunking = name, chunking
        self._load_ranks, self._pattern = load_ranks, pattern
        self._normalize, self._offset = normalize, id_offset

    @functools.cached_property
    def encoding(self):
        import tiktoken

        return tiktoken.Encoding(name=f"tokcost-{self.name}", pat_str=self._pattern,
                                 mergeable_ranks=self._load_ranks(), special_tokens={})

    def _prepare(self, text: str) -> str:
        return unicodedata.normalize(self._normalize, text) if self._normalize else text

    def encode(self, text: str) -> list[int]:
        ids = self.encoding.encode_ordinary(self._prepare(text))
        return [i + self._offset for i in ids] if self._offset else ids

    def count_reference(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(self._prepare(text)))

    def pieces(self, ids: list[int]) -> list[str]:
        return [show_bytes(self.encoding.decode_single_token_bytes(i - self._offset)) for i in ids]


class HFTokenizersBackend(_Base):
    """A `tokenizers.Tokenizer` (tokenizer.json, or a WordPiece vocab.txt)."""

    def __init__(self, name: str, tokenizer, *, chunking: str) -> None:
        self.name, self.chunking = name, chunking
        tokenizer.no_truncation()
        tokenizer.no_padding()
        tokenizer.encode_special_tokens = True  # `<|endoftext|>` in a user's file is just text
        self.tokenizer = tokenizer

    @classmethod
    def from_file(cls, name: str, path: Path, *, chunking: str) -> HFTokenizersBackend:
        """Built without the file's added tokens: their strings are ordinary text (see ordinary.py)."""
        from tokenizers import Tokenizer

        return cls(name, Tokenizer.from_str(ordinary.tokenizer_json(path)), chunking=chunking)

    @classmethod
    def from_wordpiece_vocab(cls, name: str, path: Path, *, lowercase: bool, chunking: str) -> HFTokenizersBackend:
        from tokenizers.implementations import BertWordPieceTokenizer

        wrapper = BertWordPieceTokenizer(str(path), lowercase=lowercase, handle_chinese_chars=True)
        return cls(name, wrapper._tokenizer, chunking=chunking)

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def pieces(self, ids: list[int]) -> list[str]:
        out = []
        for i in ids:
            text = self.tokenizer.decode([i], skip_special_tokens=False)
            if "\ufffd" in text:  # part of a character: show its bytes (byte-level BPE vocabularies)
                text = _byte_level_piece(self.tokenizer.id_to_token(i)) or text
            out.append(text)
        return out


class SentencePieceBackend(_Base):
    """sentencepiece BPE or Unigram (`.model`).

    Most sentencepiece models put a dummy `▁` before every text they encode, so a later chunk is
    counted in the context its cut left it in: a chunk cut before a space loses that space (the dummy
    prefix stands for it; models without one, like J2, keep it); a chunk cut after a newline is
    counted after a newline, less that newline's own tokens.
    """

    def __init__(self, name: str, path: Path, *, chunking: str) -> None:
        import sentencepiece

        self.name, self.chunking = name, chunking
        model, self.unmatched_symbols = ordinary.sentencepiece_model(path)
        self.processor = sentencepiece.SentencePieceProcessor(model_proto=model)
        self._newline_tokens = len(self.processor.encode("\n"))
        self._dummy_prefix = self.processor.encode("a", out_type=str)[0].startswith("\u2581")

    def encode(self, text: str) -> list[int]:
        return self.processor.encode(text)

    def count_chunk(self, chunk: str, first: bool, fast: bool = True, utf8: bytes | None = None) -> int:
        if first:
            return self.count(chunk, fast)
        if chunk.startswith(" "):
            return self.count(chunk[1:] if self._dummy_prefix else chunk, fast)
        return self.count("\n" + chunk, fast) - self._newline_tokens

    def pieces(self, ids: list[int]) -> list[str]:
        return [_sp_piece(self.processor.id_to_piece(i)) for i in ids]


HUB_PROBE_SECONDS = 1.2


class HubOffline(OSError):
    """The hub cannot be reached and the model is not in the local HF cache."""


def hub_reachable(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """One quick request to the Hugging Face hub (its endpoint and proxies as the hub client sees them).

    Without it, an offline machine spends ~45 s in the hub client's retries before failing."""
    import urllib.error
    import urllib.request

    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint + "/api/whoami-v2", method="HEAD"), timeout=timeout)
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False
    return True


class _NoTorchNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "PyTorch was not found" not in record.getMessage()


@functools.cache
def _quiet_transformers() -> None:
    """No "PyTorch was not found" notice on import: tokcost only uses its tokenizers."""
    logging.getLogger("transformers").addFilter(_NoTorchNotice())


class TransformersBackend(_Base):
    """Any Hugging Face tokenizer by hub id (online, or from the local HF cache); no remote code."""

    def __init__(self, name: str, model_id: str) -> None:
        online = hub_reachable()
        if not online:
            from huggingface_hub import try_to_load_from_cache

            if not isinstance(try_to_load_from_cache(model_id, "tokenizer_config.json"), str):
                raise HubOffline(f"the Hugging Face hub is unreachable (offline) and {model_id} is not in the HF cache")
        _quiet_transformers()
        from transformers import AutoTokenizer

        self.name, self.chunking = name, "whole"
        self.tokenizer = AutoTokenizer.from_pretrained(model_id, trust_remote_code=False, local_files_only=not online)
        self._ordinary = None
        if getattr(self.tokenizer, "is_fast", False):  # its added tokens are ordinary text too
            from tokenizers import Tokenizer

            backend = self.tokenizer.backend_tokenizer.to_str()
            self._ordinary = Tokenizer.from_str(ordinary.without_added_tokens(backend))

    def encode(self, text: str) -> list[int]:
        if self._ordinary is not None:
            return self._ordinary.encode(text, add_special_tokens=False).ids
        return self.tokenizer.encode(text, add_special_tokens=False, split_special_tokens=True)

    def pieces(self, ids: list[int]) -> list[str]:
        return [self.tokenizer.decode([i]) for i in ids]
