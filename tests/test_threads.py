"""Counting threads (tokcost/counting/threads.py): used only for engines that release the GIL, exact,
one load, and one line when loading fails (Ctrl-C: tests/test_worker_pool.py).

Whether two threads also count twice as fast is a speed claim: benchmarks/run.py --threads-only
measures it.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import run

from tokcost.comparison.corpora import corpus_path
from tokcost.counting import ranges
from tokcost.counting import session as counting_session
from tokcost.counting.inputs import Input
from tokcost.counting.session import CountSession
from tokcost.counting.threads import ThreadWorkers
from tokcost.tokenizers import fast, get_tokenizer, tokenizer_names
from tokcost.tokenizers.assets import AssetMissing, get_spec
from tokcost.tokenizers.registry import counts_in_threads, forget_tokenizers


def _runs_beside(count: Callable[[str], int], text: str) -> bool:
    """Whether this thread runs while another one is inside `count(text)`.

    With a switch interval of 30 s the GIL changes hands only when a thread releases it, so this
    thread, woken as the other enters `count`, runs before `count` returns only if `count` released it.
    """
    old = sys.getswitchinterval()
    sys.setswitchinterval(30)
    try:
        entering, returned = threading.Event(), threading.Event()

        def counting() -> None:
            entering.set()
            count(text)
            returned.set()

        thread = threading.Thread(target=counting)
        thread.start()
        entering.wait()
        beside = not returned.is_set()
        thread.join()
        return beside
    finally:
        sys.setswitchinterval(old)


@pytest.fixture(scope="module")
def long_text() -> str:
    return corpus_path("en-literature-brown").read_text("utf-8") * 2


THREADED = sorted({(n, fast_engine) for n in tokenizer_names() for fast_engine in (True, False)
                   if counts_in_threads(n, fast_engine)})


@pytest.mark.parametrize(("name", "fast_engine"), THREADED)
def test_each_engine_counted_in_threads_releases_the_gil(name, fast_engine, long_text):
    backend = get_tokenizer(name)
    backend.prepare(fast_engine)
    assert _runs_beside(lambda text: backend.count(text, fast_engine), long_text)


def test_the_gil_probe_can_fail(long_text):
    """The reference `tokenizers` library holds the GIL while it counts: the probe says so."""
    backend = get_tokenizer("deepseek-v3")
    assert not counts_in_threads("deepseek-v3", False)
    assert not _runs_beside(backend.count_reference, long_text)


def test_which_tokenizers_count_in_threads():
    assert counts_in_threads("o200k_base", True) and counts_in_threads("cl100k_base", True)  # quicktok
    assert counts_in_threads("o200k_base", False) and counts_in_threads("tekken", True)  # tiktoken
    assert counts_in_threads("mistral-v3", False)  # sentencepiece, with or without a fast engine
    assert not counts_in_threads("deepseek-v3", True)  # kitoken: releases the GIL, does not scale
    assert not counts_in_threads("deepseek-v3", False) and not counts_in_threads("bert-base-uncased", True)
    assert not counts_in_threads("j2", False)  # sentencepiece, but counts inputs whole: one long call
    assert not counts_in_threads("no-such-file.json", True)


@pytest.fixture
def mixed_file(tmp_path) -> Path:
    """~5 MB of English and Chinese with a byte-order mark: several ranges for the workers."""
    text = corpus_path("en-literature-brown").read_text("utf-8") + corpus_path("zh-literature-sanguo").read_text("utf-8")
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"\xef\xbb\xbf" + (text * (5_000_000 // len(text.encode()) + 1)).encode())
    return path


@pytest.mark.parametrize("name", ["o200k_base", "mistral-v3"])
def test_threads_count_what_one_thread_counts(mixed_file, monkeypatch, name):
    monkeypatch.setattr(ranges, "RANGE_BYTES", 1 << 20)
    counted = {}
    for jobs in (1, 2):
        with CountSession([name], jobs=jobs, cache=False, size_hint=None) as session:
            counted[jobs] = session.count_input(Input(str(mixed_file), mixed_file))
            pool = session.engine._pool
            assert isinstance(pool, ThreadWorkers) if jobs == 2 else pool is None
    assert counted[2] == counted[1]
    assert counted[1].stats.han > 0 and counted[1].stats.bytes == mixed_file.stat().st_size - 3


def test_quicktok_counts_utf8_bytes_as_their_text():
    """UTF-8 ranges are counted as bytes by quicktok (engines.toml counts_utf8): the same counts."""
    from tokcost.comparison.corpora import load_manifest

    for name in ("o200k_base", "cl100k_base"):
        backend = get_tokenizer(name)
        assert fast.counts_utf8(backend.engine)
        for corpus in load_manifest():
            text = corpus_path(corpus.name).read_text("utf-8")
            assert backend.count_chunk(text, True, True, text.encode()) == backend.count(text, True), (name, corpus)


@pytest.mark.parametrize("name", ["o200k_base", "deepseek-v3"])  # threads, processes
def test_a_tokenizer_that_cannot_load_in_the_workers_fails_in_one_line(capsys, tmp_path, monkeypatch, name):
    path = tmp_path / "a.txt"
    path.write_text("some words\n" * 200_000, encoding="utf-8")
    monkeypatch.setattr(counting_session, "POOL_FROM_BYTES", 1)
    monkeypatch.setattr(fast, "SMALL_INPUT_BYTES", 1)
    spec = get_spec(name)

    def missing(asset: str):
        raise AssetMissing(spec)

    monkeypatch.setattr("tokcost.tokenizers.registry.asset_path", missing)  # forked workers inherit it
    forget_tokenizers()
    try:
        code, _, err = run(capsys, "count", str(path), "-t", name, "--no-cache", "-j", "2")
    finally:
        monkeypatch.undo()
        forget_tokenizers()
    assert code == 1
    assert err.strip().splitlines() == [f"tokcost: {AssetMissing(spec)}"]
