from __future__ import annotations

import pytest

from tokcost.counting.measures import text_stats

CASES = [
    ("I am a bald ZOMI", 16, 16, 5, 0),
    ("给我一个合理解释北京大学", 12, 36, 0, 12),
    ("百万tokens只要1元。 price: 1 CNY — 2024", 33, 47, 3, 5),  # 百万tokens只要1元。, price:, CNY
    ("café naïve Ｆｕｌｌ 123 ... —", 25, 37, 3, 0),
    ("", 0, 0, 0, 0),
    ("\u3400\U00020000 〇々", 5, 14, 0, 2),  # extension A/B ideographs count; 〇 and 々 are not ideographs
]


@pytest.mark.parametrize(("text", "chars", "nbytes", "words", "han"), CASES)
def test_text_stats(text, chars, nbytes, words, han):
    s = text_stats(text)
    assert (s.chars, s.bytes, s.words, s.han) == (chars, nbytes, words, han)
