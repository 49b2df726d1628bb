"""Counting in chunks (streamed, parallel) equals counting the whole text, for every tokenizer."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokcost.counting import decoding as textio
from tokcost.counting import engine as counting
from tokcost.counting.cuts import rechunk
from tokcost.counting.engine import Engine
from tokcost.tokenizers import get_tokenizer, tokenizer_names

BOUNDARY_CASES = {
    "space-runs": "word   \n\n   indented\n\n\nnext  line  \n    x = 1\n" * 40,
    "crlf": "first line\r\nsecond line\r\n\r\nthird\r\n" * 60,
    "newline-runs": "para.\n\n\n\nnext para.\n\nend\n" * 50,
    "slash-after-newline": "path.\n/usr/bin\n./x\n.\n/y\n" * 60,
    "chinese": "大模型迎来跳水降价潮。\n百万tokens只要1元！\n\n“通义千问”降价97%。\n" * 40,
    "one-long-line": ("token costs money and words cost tokens " * 400).strip(),
    "emoji-and-marks": "👩‍👩‍👧 e\u0301 café\n🙂🙂\n東京 1234567\n" * 50,
    "tabs-and-specials": "\tdef f():\n\t\treturn '<|endoftext|>'\n[CLS] <s> x\n" * 50,
}


def chunked_count(name: str, text: str, target: int) -> int:
    backend = get_tokenizer(name)
    chunks = list(rechunk([text], backend.chunking, target))
    assert "".join(chunks) == text
    return sum(backend.count_chunk(chunk, i == 0) for i, chunk in enumerate(chunks))


@pytest.mark.parametrize("case", sorted(BOUNDARY_CASES))
@pytest.mark.parametrize("name", tokenizer_names())
def test_chunked_equals_whole(all_tokenizers, name, case):
    text = BOUNDARY_CASES[case]
    assert chunked_count(name, text, target=97) == get_tokenizer(name).count(text)


def test_chunks_are_actually_cut():
    chunks = list(rechunk([BOUNDARY_CASES["space-runs"]], "newline", 97))
    assert len(chunks) > 10


def test_multibyte_character_across_block_edge(tmp_path, monkeypatch):
    """Decoded blocks end mid-character: the incremental decoder must carry the bytes over."""
    text = "给我一个合理解释北京大学。\n" * 3000
    path = tmp_path / "zh.txt"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(textio, "BLOCK_BYTES", 1001)  # 1001 is not a multiple of 3 (bytes per Han)
    monkeypatch.setattr(counting, "CHUNK_CHARS", 500)
    _, blocks = textio.read_blocks(path)
    assert "".join(blocks) == text
    with Engine(["o200k_base", "mistral-v3", "j2"], jobs=1) as engine:
        streamed = engine.count_source(lambda: textio.read_blocks(path)[1])
    for name in ("o200k_base", "mistral-v3", "j2"):
        assert streamed.tokens[name] == get_tokenizer(name).count(text)
    assert streamed.stats.chars == len(text) and streamed.stats.han == 12 * 3000


def test_parallel_equals_single_process(monkeypatch):
    monkeypatch.setattr(counting, "CHUNK_CHARS", 4096)
    text = "".join(BOUNDARY_CASES.values()) * 5
    names = ["o200k_base", "deepseek-v3", "mistral-v3", "claude-legacy"]
    with Engine(names, jobs=1) as one, Engine(names, jobs=2) as two:
        assert one.count_text(text) == two.count_text(text)


ALPHABET = st.sampled_from(list("ab Z9/.,'\n\r\t") + [" ", "  ", "\n\n", "\r\n", "中", "文", "。", "é", "\u0301",
                                                       "🙂", "👩‍👧", "<|endoftext|>", "▁", "ﬁ", "x\n/"])
PROPERTY_TOKENIZERS = ["o200k_base", "cl100k_base", "p50k_base", "qwen", "deepseek-v3", "glm-4", "tekken",
                       "mistral-v3", "claude-legacy", "bert-base-uncased", "bert-base-chinese"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(ALPHABET, min_size=1, max_size=120), target=st.integers(1, 40))
def test_property_streamed_equals_whole(parts, target):
    text = "".join(parts)
    for name in PROPERTY_TOKENIZERS:
        assert chunked_count(name, text, target) == get_tokenizer(name).count(text), name
