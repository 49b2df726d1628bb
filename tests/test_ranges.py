"""Workers that read for themselves: byte ranges cut by the rules give the whole text's counts.

Ranges are cut small here (a few hundred bytes) so that every boundary case meets many cuts; the
session's pieces, tasks of many small files, errors with their byte offsets and the stat index are
checked end to end, in this process and with forked workers.
"""
from __future__ import annotations

import io
import os
import time

import pytest
from test_streaming import BOUNDARY_CASES

from tokcost.counting import ranges, work
from tokcost.counting import session as session_mod
from tokcost.counting.api import count
from tokcost.counting.cache import CountCache
from tokcost.counting.measures import text_stats
from tokcost.counting.work import Piece, count_piece
from tokcost.errors import InputProblem
from tokcost.tokenizers import get_tokenizer, tokenizer_names

MIXED = "".join(BOUNDARY_CASES.values())


def _ranges(data: bytes, rule: str, target: int) -> list[tuple[int, int]]:
    return ranges.byte_ranges(io.BytesIO(data), len(data), rule, 0, target)


@pytest.mark.parametrize("case", sorted(BOUNDARY_CASES))
@pytest.mark.parametrize("name", tokenizer_names())
def test_byte_ranges_count_like_the_whole_text(all_tokenizers, tmp_path, name, case):
    text = BOUNDARY_CASES[case] * 3
    data = text.encode("utf-8")
    path = tmp_path / "t.txt"
    path.write_bytes(data)
    backend = get_tokenizer(name)
    cuts = _ranges(data, backend.chunking, 97)
    assert b"".join(data[a:b] for a, b in cuts) == data
    if backend.chunking != "whole" and case != "one-long-line":
        assert len(cuts) > 5
    pieces = [count_piece(Piece(0, str(path), (name,), a, b, first=i == 0, encoding="utf-8"))
              for i, (a, b) in enumerate(cuts)]
    assert sum(p.counted.tokens[name] for p in pieces) == backend.count(text)


def test_cuts_fall_on_character_boundaries():
    data = ("给我一个合理解释北京大学。\n" * 200 + "🙂 é\n" * 200).encode("utf-8")
    for low, high in _ranges(data, "newline", 50):
        data[low:high].decode("utf-8")  # raises if a cut split a character


def test_a_stretch_without_cuts_stays_whole():
    data = ("中" * 100_000).encode("utf-8")
    assert _ranges(data, "newline", 1000) == [(0, len(data))]


def test_whole_rule_is_never_cut():
    data = b"a b\nc d\n" * 1000
    assert _ranges(data, "whole", 10) == [(0, len(data))]


@pytest.fixture()
def small_ranges(monkeypatch, tmp_path):
    """Large-file handling for files over 2 KB, and workers even for small work."""
    monkeypatch.setattr(ranges, "RANGE_BYTES", 2048)
    monkeypatch.setattr(session_mod, "POOL_FROM_BYTES", 0)
    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(tmp_path / "counts"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_session_counts_pieces_exactly(small_ranges, tmp_path, jobs):
    names = ["o200k_base", "mistral-v3", "j2", "deepseek-v3"]
    text = MIXED * 4
    big = tmp_path / "big.txt"
    big.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # with a BOM
    report = count([str(big)], tokenizers=names, jobs=jobs, cache=False)
    for name in names:
        assert report.tokens(name) == get_tokenizer(name).count(text), name
    [total] = {(r.chars, r.bytes, r.words, r.han) for r in report.totals}
    s = text_stats(text)  # proven equal to the definitions in test_measures.py
    assert total == (s.chars, s.bytes, s.words, s.han)


@pytest.mark.parametrize("jobs", [1, 2])
def test_many_small_files_are_batched_and_reported_each(small_ranges, tmp_path, monkeypatch, jobs):
    monkeypatch.setattr(session_mod, "TASK_FILES", 7)
    folder = tmp_path / "many"
    folder.mkdir()
    texts = {f"f{i:03}.txt": (MIXED[i * 37:i * 37 + 200] or "x") for i in range(60)}
    for name, text in texts.items():
        (folder / name).write_text(text, "utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "bin.dat").write_bytes(b"\x00\x01" * 50)
    report = count([str(folder)], tokenizers=["o200k_base", "mistral-v3"], jobs=jobs, cache=False)
    got = {os.path.basename(r.path): r.tokens for r in report.files if r.tokenizer == "mistral-v3"}
    assert got == {n: get_tokenizer("mistral-v3").count(t) for n, t in texts.items()}
    assert {os.path.basename(s.path) for s in report.skipped} == {"empty.txt", "bin.dat"}


def test_invalid_utf8_in_a_later_range_names_its_offset(small_ranges, tmp_path):
    data = ("word and word\n" * 8000).encode("utf-8")  # the bad byte beyond the sniffed head
    bad = len(data) - 100
    path = tmp_path / "bad.txt"
    path.write_bytes(data[:bad] + b"\xff" + data[bad:])
    report = count([str(path)], jobs=2, cache=False)
    assert report.errors == [InputProblem(str(path), f"not valid utf-8 near byte {bad} "
                                                     "(use --encoding to say what it is)")]


def test_large_non_utf8_file_is_still_counted(small_ranges, tmp_path):
    text = "给我一个合理解释北京大学。\n" * 500
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gb18030"))
    report = count([str(path)], jobs=2, cache=False)
    assert report.tokens("o200k_base") == get_tokenizer("o200k_base").count(text)


def _age(path, seconds: int = 60) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_unchanged_files_are_recognised_without_reading(small_ranges, tmp_path, monkeypatch):
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text("short text\n", "utf-8")
    big.write_text(MIXED * 3, "utf-8")
    for p in (small, big):
        _age(p)
    first = count([str(small), str(big)], tokenizers=["o200k_base", "qwen"], jobs=2)

    def refuse(*args, **kwargs):
        raise AssertionError("read although the stat index should have answered")

    monkeypatch.setattr(session_mod, "sha256_file", refuse)
    monkeypatch.setattr(work, "count_task", refuse)  # (the session imports the workers' code when it needs it)
    again = count([str(small), str(big)], tokenizers=["o200k_base", "qwen"], jobs=2)
    assert again.as_dict() == first.as_dict()


def test_a_changed_file_with_the_same_size_is_recounted(small_ranges, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one two three\n", "utf-8")
    _age(path, 120)
    before = count([str(path)]).tokens("o200k_base")
    path.write_text("1 2 3 4 5 6 7\n", "utf-8")  # same size, new mtime
    _age(path, 60)
    after = count([str(path)]).tokens("o200k_base")
    assert after == get_tokenizer("o200k_base").count("1 2 3 4 5 6 7\n") != before


def test_the_content_hash_stays_the_key(small_ranges, tmp_path, monkeypatch):
    """A copy of a counted file (new path, new inode) comes from the count cache, not the tokenizer."""
    path = tmp_path / "a.txt"
    path.write_text(MIXED, "utf-8")
    count([str(path)])
    copy = tmp_path / "copy.txt"
    copy.write_bytes(path.read_bytes())
    monkeypatch.setattr(work, "count_tokens", lambda *a: pytest.fail("tokenized a cached content"))
    assert count([str(copy)], jobs=1).tokens("o200k_base") == get_tokenizer("o200k_base").count(MIXED)
    assert CountCache().root.is_dir()
