"""Two sample sentences split by each tokenizer, for the report's coloured-pieces view."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The documents' own title and an English sentence of the same length of meaning.
SAMPLES = (("zh", "大模型迎来跳水降价潮，百万tokens只要1元。给我一个合理解释北京大学。"),
           ("en", "The price war cut the cost of a million tokens to one yuan."))


@dataclass(frozen=True)
class Split:
    tokenizer: str
    pieces: tuple[str, ...]  # partial characters as <E9 BE>


@dataclass(frozen=True)
class Sample:
    language: str
    text: str
    splits: tuple[Split, ...]

    def to_json(self) -> dict:
        return {"language": self.language, "text": self.text,
                "splits": [{"tokenizer": s.tokenizer, "tokens": len(s.pieces), "pieces": list(s.pieces)}
                           for s in self.splits]}


def split_samples(tokenizers: Sequence[str]) -> list[Sample]:
    """Each sample split by each tokenizer, fewest tokens first (by the Chinese sample's count)."""
    from tokcost.tokenizers import get_tokenizer

    backends = [get_tokenizer(t) for t in tokenizers]
    out = []
    for language, text in SAMPLES:
        out.append(Sample(language, text, tuple(Split(t, tuple(b.pieces(b.encode(text))))
                                               for t, b in zip(tokenizers, backends, strict=True))))
    order = {s.tokenizer: (len(s.pieces), i) for i, s in enumerate(out[0].splits)}
    return [Sample(s.language, s.text, tuple(sorted(s.splits, key=lambda x: order[x.tokenizer]))) for s in out]
