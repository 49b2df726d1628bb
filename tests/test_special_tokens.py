"""One rule for added, special and control tokens, for every tokenizer and engine: ordinary text.

Each tokenizer's own list of such strings (HF `added_tokens`, tiktoken's special tokens, the vendors'
chat/FIM markup, sentencepiece control and user-defined markup symbols, BERT's [CLS]...) is counted
by tokcost and by the vendor library's model alone (independent of tokcost's backends); the fast
engine and the streamed count agree.
"""
from __future__ import annotations

import json

import pytest

from tokcost.counting import engine as counting
from tokcost.counting.engine import Engine
from tokcost.tokenizers import get_tokenizer, tokenizer_names, tokenizer_spec
from tokcost.tokenizers.assets import asset_path

QWEN = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", *(f"<|extra_{i}|>" for i in range(205))]
QWEN3 = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
         "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
         "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>",
         "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>",
         "</tool_response>", "<think>", "</think>"]
LLAMA3 = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
          "<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>", "<|step_id|>",
          *(f"<|reserved_special_token_{i}|>" for i in range(248))]
# mistral-common's SpecialTokens (the tekken file holds only ranks; its 1,000 specials are these and
# `<SPECIAL_n>` fillers).
TEKKEN = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
          "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
          "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]", *(f"<SPECIAL_{i}>" for i in range(20, 1000))]
BERT = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _openai(name: str) -> list[str]:
    import tiktoken_ext.openai_public as openai_public

    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda *a, **k: {}
    try:
        return list(getattr(openai_public, name)()["special_tokens"])
    finally:
        openai_public.load_tiktoken_bpe = original


def _sentencepiece(name: str) -> list[str]:
    import sentencepiece

    original = sentencepiece.SentencePieceProcessor(model_file=str(asset_path(name)))
    control = [original.id_to_piece(i) for i in range(original.get_piece_size())
               if original.is_control(i) or original.is_unknown(i)]
    return control + get_tokenizer(name).unmatched_symbols


def special_strings(name: str) -> list[str]:
    fmt = tokenizer_spec(name).format
    if fmt == "hf-json":
        return [t["content"] for t in json.loads(asset_path(name).read_bytes())["added_tokens"]]
    if fmt == "tekken":
        return TEKKEN
    if fmt == "sentencepiece":
        return _sentencepiece(name)
    if fmt == "wordpiece":
        return BERT
    return {"qwen": QWEN, "qwen3.6": QWEN3, "llama3": LLAMA3}.get(name) or _openai(name)


def model_only_counter(name: str):
    """The vendor library counting with its model alone: no added-token matching at all."""
    fmt = tokenizer_spec(name).format
    if fmt in ("hf-json", "wordpiece"):
        from tokenizers import Tokenizer
        from tokenizers.implementations import BertWordPieceTokenizer

        path = str(asset_path(name))
        tok = Tokenizer.from_file(path) if fmt == "hf-json" else BertWordPieceTokenizer(path, lowercase=True)._tokenizer

        def count(text: str) -> int:
            text = tok.normalizer.normalize_str(text) if tok.normalizer else text
            pieces = tok.pre_tokenizer.pre_tokenize_str(text) if tok.pre_tokenizer else [(text, None)]
            return sum(len(tok.model.tokenize(piece)) for piece, _ in pieces)

        return count
    if fmt == "sentencepiece":
        import sentencepiece

        original = sentencepiece.SentencePieceProcessor(model_file=str(asset_path(name)))
        symbols = set(get_tokenizer(name).unmatched_symbols)
        return lambda text: None if any(s in text for s in symbols) else len(original.encode(text))
    return None  # tiktoken formats: tests/test_golden.py recomputes them with tiktoken's own Encoding


@pytest.mark.parametrize("name", tokenizer_names())
def test_special_strings_count_as_ordinary_text(all_tokenizers, name, monkeypatch):
    backend = get_tokenizer(name)
    strings = special_strings(name)
    assert strings, name
    independent = model_only_counter(name)
    fast = backend._fast if backend.engine != "reference" else None
    for text in strings:
        for variant in (text, f"x{text}\n", f"{text}{text}"):
            reference = backend.count_reference(variant)
            expected = independent(variant) if independent else None
            assert expected is None or reference == expected, (name, variant)
            assert fast is None or fast(variant) == reference, (name, variant)
        if len(text) > 3:
            assert backend.count_reference(text) >= 2, (name, text)
    joined = "\n".join(strings) + "\n" + " ".join(strings)
    monkeypatch.setattr(counting, "CHUNK_CHARS", 64)
    with Engine([name], jobs=1) as engine:
        assert engine.count_text(joined).tokens[name] == backend.count_reference(joined)


@pytest.mark.parametrize("name, text", [("deepseek-v3", "<｜User｜>"), ("deepseek-v3", "<｜fim▁hole｜>"),
                                        ("minimax", "<think>"), ("mistral-v3", "[REFERENCE_DOC_1]")])
def test_issue9_added_tokens_are_not_one_token(all_tokenizers, name, text):
    """Issue 9, seen 4: these counted 1 each while `<｜begin▁of▁sentence｜>` counted 12."""
    assert get_tokenizer(name).count(text) > 1
