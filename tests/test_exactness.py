"""Exactness proofs for the fast engines, per tokenizer, and the faults issue 9 found on main.

An engine counts a tokenizer only if it passes both proofs here: (a) reachability, every vocabulary
entry counted alone and glued to neighbours equals the reference library; (b) a differential test on
hand-written text in 20+ scripts. An engine listed as rejected in engines.toml must still fail one.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import resources

import pytest
from exactness_data import CONTEXTS, multilingual_text, multilingual_texts, vocabulary_texts

from tokcost.tokenizers import get_tokenizer
from tokcost.tokenizers.assets import asset_path
from tokcost.tokenizers.fast import candidate

ENGINES = tomllib.loads(resources.files("tokcost.data").joinpath("engines.toml").read_text("utf-8"))
USED = [(e, n) for e in ("quicktok", "kitoken") for n in ENGINES[e]["tokenizers"]]
REJECTED = [(e, n) for e in ("quicktok", "kitoken") for n in ENGINES[e].get("rejected", {})]


def engine_counter(engine: str, name: str):
    build = candidate(engine, name, asset_path(name), get_tokenizer(name).count_reference)
    assert build is not None, f"{engine} is not installed or its files are not the pinned ones"
    return build()


def unreachable(engine: str, name: str, limit: int = 20) -> list[str]:
    """Vocabulary entries (in context) the engine counts differently from the reference library.

    Every entry once, its context rotating over CONTEXTS (all four for every entry take 4x as long:
    `python benchmarks/prove_exactness.py` runs that).
    """
    fast, reference = engine_counter(engine, name), get_tokenizer(name).count_reference
    wrong: list[str] = []
    for i, entry in enumerate(vocabulary_texts(name)):
        before, after = CONTEXTS[i % len(CONTEXTS)]
        text = before + entry + after
        if fast(text) != reference(text):
            wrong.append(text)
            if len(wrong) >= limit:
                break
    return wrong


def multilingual_differences(engine: str, name: str) -> list[str]:
    fast, reference = engine_counter(engine, name), get_tokenizer(name).count_reference
    texts = {**multilingual_texts(), "all, 200k chars": multilingual_text(200_000)}
    return [f"{label}: {fast(t)} vs {reference(t)}" for label, t in texts.items() if fast(t) != reference(t)]


def test_multilingual_text_covers_the_scripts():
    scripts = {"tr", "cs", "vi", "ru", "uk", "el", "ar", "he", "hi", "th", "ja", "ko", "zh_hans", "zh_hant",
               "emoji", "code", "numbers", "whitespace", "other"}
    assert scripts <= set(multilingual_texts())


@pytest.mark.parametrize("engine, name", USED)
def test_every_vocabulary_entry_counts_as_the_reference(all_tokenizers, engine, name):
    assert len(vocabulary_texts(name)) > 60_000
    assert unreachable(engine, name) == []


@pytest.mark.parametrize("engine, name", USED)
def test_multilingual_text_counts_as_the_reference(all_tokenizers, engine, name):
    assert multilingual_differences(engine, name) == []


@pytest.mark.parametrize("engine, name", REJECTED)
def test_rejected_engines_still_fail_their_proof(all_tokenizers, engine, name):
    """engines.toml says why an engine is not used; if a new release passes, this says so."""
    failures = multilingual_differences(engine, name) or unreachable(engine, name, limit=1)
    assert failures, f"{engine} now passes for {name}: move it from `rejected` to `tokenizers`"


def _cli_count(name: str, stdin: str) -> int:
    import json

    proc = subprocess.run([sys.executable, "-m", "tokcost", "count", "-t", name, "--format", "json", "--no-cache"],
                          input=stdin.encode(), capture_output=True, check=True)
    return json.loads(proc.stdout)["totals"][0]["tokens"]


@pytest.mark.parametrize("text, expected", [("Bu araştırma yılında geliştirildi.", 8), ("没有中文字幕鼠", 5)])
def test_issue9_llama3_stdin_counts_as_the_reference(all_tokenizers, text, expected):
    """Issue 9, seen 1: quicktok counted 6 and 3 here (stdin selects the fast engine)."""
    assert get_tokenizer("llama3").count_reference(text) == expected
    assert _cli_count("llama3", text) == expected


def test_done_when_1mb_fast_reference_streamed_file_and_stdin_agree(all_tokenizers, tmp_path):
    """Issue 9's done-when at 1 MB, for all 17 tokenizers: the reference library on the whole text,
    the file streamed (cut, 2 workers, reference engine: below 8 MB) and stdin streamed (the fast
    engines: stdin's size is unknown) give one number.
    (`python tests/prove_exactness.py --mb 20` does the same at 20 MB, above the fast-engine threshold.)
    """
    import json

    from tokcost.counting.api import count

    text = multilingual_text(1_000_000)
    path = tmp_path / "multilingual.txt"
    path.write_text(text, encoding="utf-8")
    names = list(all_tokenizers)
    reference = {n: get_tokenizer(n).count_reference(text) for n in names}
    from_file = count([str(path)], tokenizers=names, jobs=2, cache=False)
    proc = subprocess.run([sys.executable, "-m", "tokcost", "count", "-t", "all", "-f", "json", "--no-cache", "-j", "2"],
                          input=text.encode("utf-8"), capture_output=True, check=True)
    from_stdin = {r["tokenizer"]: r["tokens"] for r in json.loads(proc.stdout)["totals"]}
    for name in names:
        assert from_file.tokens(name) == reference[name] == from_stdin[name], name
