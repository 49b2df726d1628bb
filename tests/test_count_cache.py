"""The count cache: a re-run over unchanged inputs does no tokenizing; damage is never fatal."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tokcost.counting import engine as counting
from tokcost.counting import work
from tokcost.counting.api import count

TEXT = "Tokens cost money.\n给我一个合理解释北京大学。\n" * 50


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    root = tmp_path / "counts"
    monkeypatch.setenv("TOKCOST_COUNT_CACHE_DIR", str(root))
    return root


@pytest.fixture()
def no_tokenizing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tokenized although the count cache should have answered")

    def forbid() -> None:
        monkeypatch.setattr(counting.Engine, "count_source", refuse)  # stdin, streamed inputs
        monkeypatch.setattr(work, "count_tokens", refuse)  # files, read by the workers (here: in-process)

    return forbid


def test_second_run_does_no_tokenizing(cache_dir, no_tokenizing, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    first = count([str(path)], tokenizers=["o200k_base", "mistral-v3"])
    no_tokenizing()
    second = count([str(path)], tokenizers=["o200k_base", "mistral-v3"])
    assert first.as_dict() == second.as_dict() and first.tokens("o200k_base") > 0


def test_only_the_new_tokenizer_is_counted(cache_dir, tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    count([str(path)], tokenizers=["o200k_base"])
    seen: list[tuple[str, ...]] = []
    real = work.count_tokens
    monkeypatch.setattr(work, "count_tokens", lambda names, *rest: seen.append(names) or real(names, *rest))
    report = count([str(path)], tokenizers=["o200k_base", "qwen"])
    assert seen == [("qwen",)] and report.tokens("qwen") > 0


def test_changed_file_is_recounted(cache_dir, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    before = count([str(path)]).tokens("o200k_base")
    path.write_text(TEXT * 2, encoding="utf-8")
    assert count([str(path)]).tokens("o200k_base") == 2 * before


def test_corrupted_cache_file_is_ignored_and_rebuilt(cache_dir, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    expected = count([str(path)]).tokens("o200k_base")
    entries = list(cache_dir.rglob("*.json"))
    assert len(entries) == 1
    for garbage in (b"{not json", b'{"tokcost": "0.1.0", "tokens": [], "stats": 3}', b"\x00\xff"):
        entries[0].write_bytes(garbage)
        assert count([str(path)]).tokens("o200k_base") == expected
    assert json.loads(entries[0].read_bytes())["tokens"]


def test_no_cache_flag_neither_reads_nor_writes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    root = tmp_path / "counts"
    env = {**os.environ, "TOKCOST_COUNT_CACHE_DIR": str(root)}
    proc = subprocess.run([sys.executable, "-m", "tokcost", "count", str(path), "--no-cache"], env=env,
                          capture_output=True)
    assert proc.returncode == 0 and not root.exists()
    subprocess.run([sys.executable, "-m", "tokcost", "count", str(path)], env=env, capture_output=True)
    assert len([p for p in root.rglob("*.json") if p.parent.name != "stat"]) == 1  # (stat: the stat index)


# What a run served from the count cache has no use for (each costs milliseconds, some tens): typer's
# pydantic adapters, the tokenizer libraries and backends, and the code that reads, cuts and counts.
_NOT_WHEN_WARM = {"pydantic", "numpy", "tokenizers", "tiktoken", "quicktok", "kitoken", "sentencepiece",
                  "transformers", "regex", "charset_normalizer", "jinja2", "multiprocessing", "concurrent.futures",
                  "importlib.metadata", "importlib.resources", "tempfile", "email", "tokcost.tokenizers.backends",
                  "tokcost.counting.work", "tokcost.counting.pool", "tokcost.counting.decoding",
                  "tokcost.counting.ranges", "tokcost.pricing"}


def _imports(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "tokcost", *args], capture_output=True)
    names = re.findall(r"^import time:.*\|\s*([\w.]+)$", proc.stderr.decode(), flags=re.M)
    return proc, {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 2)}


def test_a_warm_run_loads_no_tokenizer_library_nor_reading_code(cache_dir, tmp_path):
    folder = tmp_path / "texts"
    (folder / "sub").mkdir(parents=True)
    files = [folder / "en.txt", folder / "sub" / "zh.txt", folder / "sub" / "mixed.txt", tmp_path / "named.txt"]
    for i, path in enumerate(files):
        path.write_text(TEXT[: 200 * (i + 1)], encoding="utf-8")
        os.utime(path, (1_000_000_000, 1_000_000_000))  # not modified within the last seconds: indexed by stat
    args = ["count", str(folder), str(files[-1]), "-t", "o200k_base", "-t", "qwen", "--format", "json"]
    cold, _ = _imports(*args)
    warm, loaded = _imports(*args)
    _, start_up = _imports("--version")
    assert cold.returncode == warm.returncode == 0 and warm.stdout == cold.stdout
    assert len(json.loads(warm.stdout)["files"]) == 8 and "tokcost.counting.api" in loaded
    assert sorted((loaded - start_up) & _NOT_WHEN_WARM) == []


def test_the_stat_index_serves_only_counts_made_under_the_same_encoding_and_version(cache_dir, tmp_path,
                                                                                   monkeypatch):
    from tokcost.counting import cache as cache_module

    path = tmp_path / "a.txt"
    path.write_text(TEXT[:300], encoding="utf-8")
    os.utime(path, (1_000_000_000, 1_000_000_000))  # not modified within the last seconds: indexed by stat
    first = count([str(path)]).as_dict()
    reads: list[int] = []
    real = work.count_task
    monkeypatch.setattr(work, "count_task", lambda pieces: reads.append(len(pieces)) or real(pieces))
    assert count([str(path)]).as_dict() == first and reads == []  # unchanged: not even read
    count([str(path)], encoding="utf-8")  # another --encoding: another cache key, so read again
    assert reads == [1]
    [table] = (cache_dir / "stat").glob("*.json")
    old_shape = table.read_text().replace('"variant": "utf-8|', '"key": "utf-8|')  # (entries before 'variant')
    table.write_text(old_shape)
    count([str(path)], encoding="utf-8")
    assert reads == [1, 1] and '"variant"' in table.read_text()  # not trusted, and rewritten
    monkeypatch.setattr(cache_module, "__version__", "0.0.0-other")  # another tokcost: read again
    assert count([str(path)], encoding="utf-8").as_dict() == first and reads == [1, 1, 1]


def test_cost_and_check_reuse_the_count_cache(cache_dir, no_tokenizing, tmp_path):
    from tokcost import check, cost

    path = tmp_path / "prompt.txt"
    path.write_text(TEXT, encoding="utf-8")
    first = cost([str(path)], models=["gpt-4o", "claude-3-haiku"])
    no_tokenizing()
    again = cost([str(path)], models=["gpt-4o", "claude-3-haiku"])
    assert [r.to_json() for r in first.records] == [r.to_json() for r in again.records]
    assert check([str(path)], model="claude-3-haiku", budget="1USD").ok


def test_a_count_from_one_engine_is_not_served_to_another(cache_dir, tmp_path, monkeypatch):
    """Issue 9, seen 2: a wrong count cached by a fast engine was served under TOKCOST_ENGINE=reference."""
    from tokcost.tokenizers import fast, get_tokenizer

    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    backend = get_tokenizer("o200k_base")
    truth = backend.count_reference(TEXT)
    monkeypatch.setattr(fast, "SMALL_INPUT_BYTES", 1)  # count with the fast engine, made wrong here
    monkeypatch.setitem(backend.__dict__, "_fast", lambda text: 999_999)
    assert count([str(path)]).tokens("o200k_base") == 999_999
    monkeypatch.setenv("TOKCOST_ENGINE", "reference")
    assert count([str(path)]).tokens("o200k_base") == truth


def test_identity_names_the_engine_its_version_and_the_cut_rules(monkeypatch):
    from tokcost.counting import cache
    from tokcost.tokenizers import fast

    with_fast = cache.tokenizer_identity("o200k_base")
    monkeypatch.setattr(fast, "engine_version", lambda engine: "0.0.0-other")
    other_version = cache.tokenizer_identity("o200k_base")
    monkeypatch.undo()
    monkeypatch.setattr(cache, "CUT_RULES_VERSION", -1)
    other_cuts = cache.tokenizer_identity("o200k_base")
    monkeypatch.undo()
    without_fast = cache.tokenizer_identity("o200k_base", fast=False)
    monkeypatch.setenv("TOKCOST_ENGINE", "reference")
    reference = cache.tokenizer_identity("o200k_base")
    assert len({with_fast, other_version, other_cuts, reference}) == 4
    assert without_fast == reference  # both name tiktoken
def test_tokens_of_a_tokenizer_not_counted_names_the_counted_ones(tmp_path):
    from tokcost.errors import TokcostError

    report = count(text="hello", tokenizers=["o200k_base", "cl100k_base"], cache=False)
    assert report.tokens("cl100k_base") == 1
    with pytest.raises(TokcostError, match="'qwen' was not counted; counted: o200k_base, cl100k_base"):
        report.tokens("qwen")
    with pytest.raises(KeyError):
        report.tokens("qwen")


def test_one_problem_shape_for_count_cost_check_and_compare(tmp_path):
    from tokcost import check, compare, cost
    from tokcost.errors import InputProblem

    good, missing = tmp_path / "a.txt", str(tmp_path / "missing.txt")
    good.write_text(TEXT, encoding="utf-8")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    args = [str(good), missing, str(tmp_path / "dir")]
    problems = [
        count(args).errors,
        cost(args, models=["gpt-4o"]).errors,
        check(args, model="gpt-4o", budget="1USD").errors,
        compare(args, tokenizers=["o200k_base"], models=["gpt-4o"]).errors,
    ]
    for found in problems:
        assert found[0] == InputProblem(missing, "no such file or folder", "input")
    assert count(args).skipped[0].kind == "skipped" and cost(args, models=["gpt-4o"]).errors[1:] == []


def test_workers_write_whole_files_counts_once_each(cache_dir, tmp_path, monkeypatch):
    """Small files' counts go into the count cache from the counting threads (file creation is slow on
    some filesystems; the main thread would do it one after another), each once, and serve a later run."""
    import threading

    from tokcost.counting import session as counting_session
    from tokcost.counting.cache import CountCache
    from tokcost.counting.statindex import StatIndex

    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i}.txt").write_text(f"{i}: {TEXT}", encoding="utf-8")
    monkeypatch.setattr(counting_session, "POOL_FROM_BYTES", 1)
    puts: list[str] = []
    put = CountCache.put
    monkeypatch.setattr(CountCache, "put", lambda self, *a: puts.append(threading.current_thread().name) or put(self, *a))
    cold = count([str(folder)], tokenizers=["o200k_base"], jobs=2)
    assert len(puts) == 40 and all(name.startswith("tokcost-count-") for name in puts)
    assert len(list(cache_dir.glob("??/*.json"))) == 40
    assert cold == count([str(folder)], tokenizers=["o200k_base"], cache=False)
    monkeypatch.setattr(StatIndex, "get", lambda *a: None)  # found by content hash, not by the stat index
    monkeypatch.setattr(work, "count_tokens", lambda *a: pytest.fail("tokenized although cached"))
    warm = count([str(folder)], tokenizers=["o200k_base"], jobs=2)
    assert [(f.tokens, f.chars, f.han) for f in warm.files] == [(f.tokens, f.chars, f.han) for f in cold.files]
